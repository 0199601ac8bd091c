// The staff API as JSON over HTTP, on the worker's HTTP port (beside /metrics and /healthz):
//   GET  /v1/tasks?status=&category=&district=&limit=
//   GET  /v1/tasks/{id}
//   POST /v1/tasks/{id}/claim|start|notes|ask|resolve|reject|acknowledge   (JSON body, staff_id)
// each with an optional ?unit= naming the hosted unit (required when the process hosts several).
// It calls the same WorkerService as the gRPC StaffService. Errors are {"error": "..."}: 400 bad
// input, 404 unknown task, 409 wrong state, 503 Redis or Kafka unavailable.
#pragma once

#include <map>
#include <string>

#include "department_worker/units.h"
#include "department_worker/worker_service.h"

namespace httplib {
class Server;
}

namespace teksin::department_worker {

struct StaffHttpAnswer {
  int status = 200;
  std::string body;  // JSON
};

// The whole API without sockets (unit-tested). `path` has no query string; `query` holds its
// parameters.
StaffHttpAnswer ServeStaffHttp(WorkerService& worker, const std::string& method,
                               const std::string& path,
                               const std::multimap<std::string, std::string>& query,
                               const std::string& body);

// The same for a process hosting several units: the query parameter `unit` (on every route)
// names the hosted unit (UnitRouter::Pick: without it, the only hosted unit, or 400 listing
// them; a unit not hosted here, 404); it is taken out of `query` before the call above.
StaffHttpAnswer ServeStaffHttp(const UnitRouter& units, const std::string& method,
                               const std::string& path,
                               std::multimap<std::string, std::string> query,
                               const std::string& body);

// Registers the routes above on the runtime's server.
void RegisterStaffHttp(httplib::Server& server, const UnitRouter& units);

// absl status code -> HTTP status (InvalidArgument 400, NotFound 404, FailedPrecondition 409, ...).
int HttpStatusOf(const absl::Status& s);

}  // namespace teksin::department_worker
