// gRPC adapter of the staff API: each request goes to the hosted unit its unit_id names
// (UnitRouter::Pick).
#pragma once

#include "department_worker/units.h"
#include "department_worker/worker_service.h"
#include "teksin/v1/department_service.grpc.pb.h"

namespace teksin::department_worker {

class StaffGrpc final : public v1::StaffService::Service {
 public:
  explicit StaffGrpc(const UnitRouter& units) : units_(units) {}
  grpc::Status ListTasks(grpc::ServerContext*, const v1::ListTasksRequest* req,
                         v1::ListTasksResponse* resp) override;
  grpc::Status GetTask(grpc::ServerContext*, const v1::GetTaskRequest* req, v1::Task* resp) override;
  grpc::Status ClaimTask(grpc::ServerContext*, const v1::ClaimTaskRequest* req,
                         v1::Task* resp) override;
  grpc::Status ResolveTask(grpc::ServerContext*, const v1::ResolveTaskRequest* req,
                           v1::Task* resp) override;
  grpc::Status RejectTask(grpc::ServerContext*, const v1::RejectTaskRequest* req,
                          v1::Task* resp) override;
  grpc::Status StartTask(grpc::ServerContext*, const v1::StartTaskRequest* req,
                         v1::Task* resp) override;
  grpc::Status AddNote(grpc::ServerContext*, const v1::AddNoteRequest* req, v1::Task* resp) override;
  grpc::Status AskCitizen(grpc::ServerContext*, const v1::AskCitizenRequest* req,
                          v1::Task* resp) override;
  grpc::Status AcknowledgeTask(grpc::ServerContext*, const v1::AcknowledgeTaskRequest* req,
                               v1::Task* resp) override;

 private:
  const UnitRouter& units_;
};

// absl::Status to grpc::Status: the one mapping used by every gRPC surface.
grpc::Status ToGrpc(const absl::Status& s);

}  // namespace teksin::department_worker
