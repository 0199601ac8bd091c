#include "channel_callcenter/callcenter_grpc.h"

namespace teksin::channel_callcenter {

grpc::Status ToGrpc(grpc::ServerContext* ctx, const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  if (ctx != nullptr) {
    if (auto retry = s.GetPayload(kRetryAfterPayload)) {
      ctx->AddTrailingMetadata("retry-after", std::string(*retry));
    }
  }
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

namespace {
grpc::Status Contact(grpc::ServerContext* ctx, absl::StatusOr<ContactAnswer> a,
                     v1::LogContactResponse* out) {
  if (!a.ok()) return ToGrpc(ctx, a.status());
  if (a->replayed && ctx != nullptr) ctx->AddInitialMetadata("idempotent-replayed", "true");
  *out = std::move(a->response);
  return grpc::Status::OK;
}

template <typename T>
grpc::Status Answer(grpc::ServerContext* ctx, absl::StatusOr<T> r, T* out) {
  if (!r.ok()) return ToGrpc(ctx, r.status());
  *out = std::move(*r);
  return grpc::Status::OK;
}
}  // namespace

grpc::Status CallCenterGrpc::LogContact(grpc::ServerContext* ctx, const v1::LogContactRequest* req,
                                        v1::LogContactResponse* resp) {
  return Contact(ctx, service_.LogContact(*req), resp);
}

grpc::Status CallCenterGrpc::RegisterCase(grpc::ServerContext* ctx,
                                          const v1::RegisterCaseRequest* req,
                                          v1::LogContactResponse* resp) {
  return Contact(ctx, service_.RegisterCase(*req), resp);
}

grpc::Status CallCenterGrpc::LookupCaller(grpc::ServerContext* ctx,
                                          const v1::LookupCallerRequest* req,
                                          v1::LookupCallerResponse* resp) {
  return Answer(ctx, service_.LookupCaller(*req), resp);
}

grpc::Status CallCenterGrpc::FindNearbyOpenCases(grpc::ServerContext* ctx,
                                                 const v1::FindNearbyOpenCasesRequest* req,
                                                 v1::FindNearbyOpenCasesResponse* resp) {
  return Answer(ctx, service_.FindNearbyOpenCases(*req), resp);
}

grpc::Status CallCenterGrpc::RecordFeedback(grpc::ServerContext* ctx,
                                            const v1::RecordFeedbackRequest* req,
                                            v1::RecordFeedbackResponse* resp) {
  return Answer(ctx, service_.RecordFeedback(*req), resp);
}

}  // namespace teksin::channel_callcenter
