// teksin.v1.ClassifierService for operator consoles: the classifier intake applies to cases
// without a category, with its label map and threshold.
#pragma once

#include "grpcpp/grpcpp.h"
#include "intake/case_classifier.h"
#include "metrics/registry.h"
#include "teksin/v1/intake_service.grpc.pb.h"

namespace teksin::intake {

inline constexpr size_t kMaxClassifyTextBytes = 4000;
inline constexpr int kDefaultTopK = 3;

class ClassifierGrpc final : public v1::ClassifierService::Service {
 public:
  ClassifierGrpc(const CaseClassifier& classifier, metrics::Registry& registry);
  grpc::Status Classify(grpc::ServerContext* ctx, const v1::ClassifyRequest* req,
                        v1::ClassifyResponse* resp) override;

 private:
  const CaseClassifier& classifier_;
  metrics::Family<metrics::Counter>& requests_;
};

}  // namespace teksin::intake
