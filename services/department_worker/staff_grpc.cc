#include "department_worker/staff_grpc.h"

namespace teksin::department_worker {

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

namespace {
template <typename T>
grpc::Status Answer(absl::StatusOr<T> r, T* out) {
  if (!r.ok()) return ToGrpc(r.status());
  *out = std::move(*r);
  return grpc::Status::OK;
}
}  // namespace

grpc::Status StaffGrpc::ListTasks(grpc::ServerContext*, const v1::ListTasksRequest* req,
                                  v1::ListTasksResponse* resp) {
  return Answer(worker_.ListTasks(*req), resp);
}
grpc::Status StaffGrpc::GetTask(grpc::ServerContext*, const v1::GetTaskRequest* req,
                                v1::Task* resp) {
  return Answer(worker_.GetTask(req->task_id()), resp);
}
grpc::Status StaffGrpc::ClaimTask(grpc::ServerContext*, const v1::ClaimTaskRequest* req,
                                  v1::Task* resp) {
  return Answer(worker_.Claim(req->task_id(), req->staff_id()), resp);
}
grpc::Status StaffGrpc::ResolveTask(grpc::ServerContext*, const v1::ResolveTaskRequest* req,
                                    v1::Task* resp) {
  return Answer(worker_.Resolve(req->task_id(), req->staff_id(), req->resolution_code(),
                                req->resolution_text()),
                resp);
}
grpc::Status StaffGrpc::RejectTask(grpc::ServerContext*, const v1::RejectTaskRequest* req,
                                   v1::Task* resp) {
  return Answer(worker_.Reject(req->task_id(), req->staff_id(), req->reason(),
                               req->suggested_unit_id()),
                resp);
}
grpc::Status StaffGrpc::StartTask(grpc::ServerContext*, const v1::StartTaskRequest* req,
                                  v1::Task* resp) {
  return Answer(worker_.Start(req->task_id(), req->staff_id()), resp);
}
grpc::Status StaffGrpc::AddNote(grpc::ServerContext*, const v1::AddNoteRequest* req,
                                v1::Task* resp) {
  return Answer(worker_.AddNote(req->task_id(), req->staff_id(), req->note(),
                                req->visible_to_citizen()),
                resp);
}
grpc::Status StaffGrpc::AskCitizen(grpc::ServerContext*, const v1::AskCitizenRequest* req,
                                   v1::Task* resp) {
  return Answer(worker_.AskCitizen(req->task_id(), req->staff_id(), req->question()), resp);
}
grpc::Status StaffGrpc::AcknowledgeTask(grpc::ServerContext*, const v1::AcknowledgeTaskRequest* req,
                                        v1::Task* resp) {
  return Answer(worker_.Acknowledge(req->task_id(), req->staff_id(), req->reference()), resp);
}

}  // namespace teksin::department_worker
