// gRPC adapter of the staff API.
#pragma once

#include "department_worker/worker_service.h"
#include "teksin/v1/department_service.grpc.pb.h"

namespace teksin::department_worker {

class StaffGrpc final : public v1::StaffService::Service {
 public:
  explicit StaffGrpc(WorkerService& worker) : worker_(worker) {}
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
  WorkerService& worker_;
};

// absl::Status to grpc::Status: the one mapping used by every gRPC surface.
grpc::Status ToGrpc(const absl::Status& s);

}  // namespace teksin::department_worker
