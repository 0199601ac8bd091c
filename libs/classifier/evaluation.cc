#include "classifier/evaluation.h"

namespace teksin::classifier {

EvaluationReport Evaluate(const std::vector<std::pair<std::string, std::string>>& gold_predicted) {
  EvaluationReport r;
  std::map<std::string, int> true_positives;
  int correct = 0;
  for (const auto& [gold, predicted] : gold_predicted) {
    ++r.labels[gold].support;
    ++r.labels[predicted].predicted;
    if (gold == predicted) {
      ++true_positives[gold];
      ++correct;
    }
  }
  r.examples = static_cast<int>(gold_predicted.size());
  if (r.examples == 0) return r;
  r.accuracy = static_cast<double>(correct) / r.examples;
  double f1_sum = 0;
  for (auto& [label, s] : r.labels) {
    const int tp = true_positives[label];
    s.precision = s.predicted > 0 ? static_cast<double>(tp) / s.predicted : 0.0;
    s.recall = s.support > 0 ? static_cast<double>(tp) / s.support : 0.0;
    s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0.0;
    f1_sum += s.f1;
  }
  r.macro_f1 = f1_sum / r.labels.size();
  return r;
}

}  // namespace teksin::classifier
