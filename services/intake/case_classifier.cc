#include "intake/case_classifier.h"

namespace teksin::intake {

absl::StatusOr<ClassifyResult> CaseClassifier::Classify(std::string_view text, int k) const {
  auto top = model_.TopK(text, std::max(k, 1));
  if (!top.ok()) return top.status();
  if (top->empty()) return absl::InternalError("the classifier returned no label");
  ClassifyResult out;
  out.model_version = model_.version();
  for (const auto& p : *top) {
    out.top.push_back({p.label, p.confidence, labels_.ServiceFor(p.label, text)});
  }
  const ScoredLabel& best = out.top.front();
  out.triaged = best.confidence < threshold_ || best.service_code.empty();
  if (!out.triaged) out.service_code = best.service_code;
  return out;
}

}  // namespace teksin::intake
