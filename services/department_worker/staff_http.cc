#include "department_worker/staff_http.h"

#include <iterator>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace teksin::department_worker {
namespace {

using json = nlohmann::json;

StaffHttpAnswer Error(int status, const std::string& message) {
  return {status, json({{"error", message}}).dump(-1, ' ', false, json::error_handler_t::replace)};
}

StaffHttpAnswer FromStatus(const absl::Status& s) {
  return Error(HttpStatusOf(s), std::string(s.message()));
}

std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  opts.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, opts);
  return out;
}

template <typename T>
StaffHttpAnswer Answer(const absl::StatusOr<T>& r) {
  if (!r.ok()) return FromStatus(r.status());
  return {200, ToJson(*r)};
}

// "queued", "in_progress", "TASK_STATUS_QUEUED" -> the enum.
bool ParseStatus(std::string s, v1::TaskStatus* out) {
  s = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(s));
  if (s.rfind("TASK_STATUS_", 0) != 0) s = "TASK_STATUS_" + s;
  return v1::TaskStatus_Parse(s, out) && *out != v1::TASK_STATUS_UNSPECIFIED;
}

// A string field of the body: absent is "", anything but a string is an error.
bool Field(const json& body, const char* name, std::string* out, std::string* error) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    out->clear();
    return true;
  }
  if (!it->is_string()) {
    *error = absl::StrCat("\"", name, "\" must be a string");
    return false;
  }
  *out = it->get<std::string>();
  return true;
}

StaffHttpAnswer List(WorkerService& worker, const std::multimap<std::string, std::string>& query) {
  v1::ListTasksRequest req;
  for (const auto& [k, v] : query) {
    if (k == "status") {
      for (absl::string_view part : absl::StrSplit(v, ',', absl::SkipWhitespace())) {
        v1::TaskStatus st;
        if (!ParseStatus(std::string(part), &st)) {
          return Error(400, absl::StrCat("unknown status \"", part,
                                         "\" (queued, claimed, in_progress, waiting_for_citizen, "
                                         "acknowledged)"));
        }
        if (IsTerminal(st)) {
          return Error(400, "only open tasks are listed; GET /v1/tasks/{id} shows a resolved or "
                            "rejected one");
        }
        req.add_statuses(st);
      }
    } else if (k == "category") {
      req.set_category(v);
    } else if (k == "district") {
      req.set_district(v);
    } else if (k == "limit") {
      int limit = 0;
      if (!absl::SimpleAtoi(v, &limit) || limit < 1 || limit > 1000) {
        return Error(400, "limit must be a whole number from 1 to 1000");
      }
      req.set_limit(limit);
    } else {
      return Error(400, absl::StrCat("unknown parameter \"", k,
                                     "\" (status, category, district, limit)"));
    }
  }
  return Answer(worker.ListTasks(req));
}

StaffHttpAnswer Act(WorkerService& worker, const std::string& task_id, const std::string& verb,
                    const std::string& raw) {
  json body = json::parse(raw.empty() ? "{}" : raw, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return Error(400, "the body must be a JSON object");
  std::string staff_id, error;
  if (!Field(body, "staff_id", &staff_id, &error)) return Error(400, error);
  if (absl::StripAsciiWhitespace(staff_id).empty()) return Error(400, "staff_id is required");
  if (verb == "claim") return Answer(worker.Claim(task_id, staff_id));
  if (verb == "start") return Answer(worker.Start(task_id, staff_id));
  if (verb == "notes") {
    std::string note;
    if (!Field(body, "note", &note, &error)) return Error(400, error);
    bool visible = false;
    if (auto it = body.find("visible_to_citizen"); it != body.end() && !it->is_null()) {
      if (!it->is_boolean()) return Error(400, "\"visible_to_citizen\" must be true or false");
      visible = it->get<bool>();
    }
    return Answer(worker.AddNote(task_id, staff_id, note, visible));
  }
  if (verb == "ask") {
    std::string question;
    if (!Field(body, "question", &question, &error)) return Error(400, error);
    return Answer(worker.AskCitizen(task_id, staff_id, question));
  }
  if (verb == "resolve") {
    std::string code, text;
    if (!Field(body, "resolution_code", &code, &error) ||
        !Field(body, "resolution_text", &text, &error)) {
      return Error(400, error);
    }
    return Answer(worker.Resolve(task_id, staff_id, code, text));
  }
  if (verb == "reject") {
    std::string reason, suggested;
    if (!Field(body, "reason", &reason, &error) ||
        !Field(body, "suggested_unit_id", &suggested, &error)) {
      return Error(400, error);
    }
    return Answer(worker.Reject(task_id, staff_id, reason, suggested));
  }
  if (verb == "acknowledge") {
    std::string reference;
    if (!Field(body, "reference", &reference, &error)) return Error(400, error);
    return Answer(worker.Acknowledge(task_id, staff_id, reference));
  }
  return Error(404, absl::StrCat("no action \"", verb,
                                 "\" (claim, start, notes, ask, resolve, reject, acknowledge)"));
}

}  // namespace

int HttpStatusOf(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kOk: return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange: return 400;
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted: return 409;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded: return 503;
    default: return 500;
  }
}

StaffHttpAnswer ServeStaffHttp(WorkerService& worker, const std::string& method,
                               const std::string& path,
                               const std::multimap<std::string, std::string>& query,
                               const std::string& body) {
  std::vector<std::string> parts = absl::StrSplit(path, '/', absl::SkipEmpty());
  if (parts.size() < 2 || parts[0] != "v1" || parts[1] != "tasks") return Error(404, "no such path");
  if (parts.size() == 2) {
    if (method != "GET") return Error(405, "use GET on /v1/tasks");
    return List(worker, query);
  }
  const std::string& task_id = parts[2];
  if (parts.size() == 3) {
    if (method != "GET") return Error(405, "use GET on /v1/tasks/{id}");
    return Answer(worker.GetTask(task_id));
  }
  if (parts.size() == 4) {
    if (method != "POST") return Error(405, "use POST for task actions");
    return Act(worker, task_id, parts[3], body);
  }
  return Error(404, "no such path");
}

StaffHttpAnswer ServeStaffHttp(const UnitRouter& units, const std::string& method,
                               const std::string& path,
                               std::multimap<std::string, std::string> query,
                               const std::string& body) {
  std::string unit;
  auto [first, last] = query.equal_range("unit");
  if (first != last) {
    if (std::next(first) != last) return Error(400, "give the parameter \"unit\" once");
    unit = first->second;
    query.erase(first);
    if (unit.empty()) return Error(400, "the parameter \"unit\" is empty");
  }
  auto worker = units.Pick(unit);
  if (!worker.ok()) return FromStatus(worker.status());
  return ServeStaffHttp(**worker, method, path, query, body);
}

void RegisterStaffHttp(httplib::Server& server, const UnitRouter& units) {
  auto handle = [&units](const httplib::Request& req, httplib::Response& res) {
    std::multimap<std::string, std::string> query(req.params.begin(), req.params.end());
    StaffHttpAnswer a = ServeStaffHttp(units, req.method, req.path, query, req.body);
    res.status = a.status;
    res.set_content(a.body, "application/json; charset=utf-8");
  };
  server.Get(R"(/v1/tasks(/[^/]+)?)", handle);
  server.Post(R"(/v1/tasks/[^/]+/[a-z]+)", handle);
}

}  // namespace teksin::department_worker
