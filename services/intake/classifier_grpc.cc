#include "intake/classifier_grpc.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace teksin::intake {

ClassifierGrpc::ClassifierGrpc(const CaseClassifier& classifier, metrics::Registry& registry)
    : classifier_(classifier),
      requests_(registry.AddCounter("teksin_intake_classify_requests_total",
                                    "ClassifierService.Classify calls, by gRPC status code",
                                    {"code"})) {}

grpc::Status ClassifierGrpc::Classify(grpc::ServerContext*, const v1::ClassifyRequest* req,
                                      v1::ClassifyResponse* resp) {
  auto answer = [&](grpc::Status s) {
    requests_.With({s.ok() ? "OK" : absl::StrCat(static_cast<int>(s.error_code()))}).Inc();
    return s;
  };
  const std::string text(absl::StripAsciiWhitespace(req->text()));
  if (text.empty()) {
    return answer({grpc::StatusCode::INVALID_ARGUMENT, "text is required"});
  }
  if (req->text().size() > kMaxClassifyTextBytes) {
    return answer({grpc::StatusCode::INVALID_ARGUMENT,
                   absl::StrCat("text is longer than ", kMaxClassifyTextBytes, " bytes")});
  }
  if (req->top_k() < 0) {
    return answer({grpc::StatusCode::INVALID_ARGUMENT, "top_k must not be negative"});
  }
  auto r = classifier_.Classify(text, req->top_k() == 0 ? kDefaultTopK : req->top_k());
  if (!r.ok()) {
    return answer({r.status().code() == absl::StatusCode::kInvalidArgument
                       ? grpc::StatusCode::INVALID_ARGUMENT
                       : grpc::StatusCode::INTERNAL,
                   std::string(r.status().message())});
  }
  for (const auto& l : r->top) {
    auto* out = resp->add_labels();
    out->set_label(l.label);
    out->set_confidence(l.confidence);
    out->set_service_code(l.service_code);
  }
  resp->set_service_code(r->service_code);
  resp->set_triaged(r->triaged);
  resp->set_model_version(r->model_version);
  resp->set_threshold(classifier_.threshold());
  return answer(grpc::Status::OK);
}

}  // namespace teksin::intake
