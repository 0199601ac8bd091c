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

// The hosted unit the request names, then `call` on its worker.
template <typename Req, typename T, typename F>
grpc::Status Dispatch(const UnitRouter& units, const Req& req, T* out, F&& call) {
  auto worker = units.Pick(req.unit_id());
  if (!worker.ok()) return ToGrpc(worker.status());
  return Answer<T>(call(**worker), out);
}
}  // namespace

grpc::Status StaffGrpc::ListTasks(grpc::ServerContext*, const v1::ListTasksRequest* req,
                                  v1::ListTasksResponse* resp) {
  return Dispatch(units_, *req, resp, [&](WorkerService& w) {
    return w.ListTasks(*req);
  });
}
grpc::Status StaffGrpc::GetTask(grpc::ServerContext*, const v1::GetTaskRequest* req,
                                v1::Task* resp) {
  return Dispatch(units_, *req, resp, [&](WorkerService& w) {
    return w.GetTask(req->task_id());
  });
}
grpc::Status StaffGrpc::ClaimTask(grpc::ServerContext*, const v1::ClaimTaskRequest* req,
                                  v1::Task* resp) {
  return Dispatch(units_, *req, resp, [&](WorkerService& w) {
    return w.Claim(req->task_id(), req->staff_id());
  });
}
grpc::Status StaffGrpc::ResolveTask(grpc::ServerContext*, const v1::ResolveTaskRequest* req,
                                    v1::Task* resp) {
  return Dispatch(units_, *req, resp, [&](WorkerService& w) {
    return w.Resolve(req->task_id(), req->staff_id(), req->resolution_code(),
                     req->resolution_text());
  });
}
grpc::Status StaffGrpc::RejectTask(grpc::ServerContext*, const v1::RejectTaskRequest* req,
                                   v1::Task* resp) {
  return Dispatch(units_, *req, resp, [&](WorkerService& w) {
    return w.Reject(req->task_id(), req->staff_id(), req->reason(), req->suggested_unit_id());
  });
}
grpc::Status StaffGrpc::StartTask(grpc::ServerContext*, const v1::StartTaskRequest* req,
                                  v1::Task* resp) {
  return Dispatch(units_, *req, resp, [&](WorkerService& w) {
    return w.Start(req->task_id(), req->staff_id());
  });
}
grpc::Status StaffGrpc::AddNote(grpc::ServerContext*, const v1::AddNoteRequest* req,
                                v1::Task* resp) {
  return Dispatch(units_, *req, resp, [&](WorkerService& w) {
    return w.AddNote(req->task_id(), req->staff_id(), req->note(), req->visible_to_citizen());
  });
}
grpc::Status StaffGrpc::AskCitizen(grpc::ServerContext*, const v1::AskCitizenRequest* req,
                                   v1::Task* resp) {
  return Dispatch(units_, *req, resp, [&](WorkerService& w) {
    return w.AskCitizen(req->task_id(), req->staff_id(), req->question());
  });
}
grpc::Status StaffGrpc::AcknowledgeTask(grpc::ServerContext*, const v1::AcknowledgeTaskRequest* req,
                                        v1::Task* resp) {
  return Dispatch(units_, *req, resp, [&](WorkerService& w) {
    return w.Acknowledge(req->task_id(), req->staff_id(), req->reference());
  });
}

}  // namespace teksin::department_worker
