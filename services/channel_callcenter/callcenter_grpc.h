// gRPC adapter of the call centre API: requests in, absl::Status mapped to grpc::Status out.
#pragma once

#include "channel_callcenter/callcenter_service.h"
#include "grpcpp/grpcpp.h"
#include "teksin/v1/callcenter_service.grpc.pb.h"

namespace teksin::channel_callcenter {

class CallCenterGrpc final : public v1::CallCenterService::Service {
 public:
  explicit CallCenterGrpc(CallCenterService& service) : service_(service) {}
  grpc::Status LogContact(grpc::ServerContext* ctx, const v1::LogContactRequest* req,
                          v1::LogContactResponse* resp) override;
  grpc::Status RegisterCase(grpc::ServerContext* ctx, const v1::RegisterCaseRequest* req,
                            v1::LogContactResponse* resp) override;
  grpc::Status LookupCaller(grpc::ServerContext* ctx, const v1::LookupCallerRequest* req,
                            v1::LookupCallerResponse* resp) override;
  grpc::Status FindNearbyOpenCases(grpc::ServerContext* ctx,
                                   const v1::FindNearbyOpenCasesRequest* req,
                                   v1::FindNearbyOpenCasesResponse* resp) override;
  grpc::Status RecordFeedback(grpc::ServerContext* ctx, const v1::RecordFeedbackRequest* req,
                              v1::RecordFeedbackResponse* resp) override;

 private:
  CallCenterService& service_;
};

// absl::Status to grpc::Status (the codes are the same numbers). A RESOURCE_EXHAUSTED status
// with a retry-after payload also sets the trailing metadata "retry-after" (seconds).
grpc::Status ToGrpc(grpc::ServerContext* ctx, const absl::Status& s);

}  // namespace teksin::channel_callcenter
