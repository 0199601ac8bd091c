// The complaint classifier as intake applies it: the model's top labels, the label → service code
// map (label_map.h) and the confidence threshold. One instance answers both the cases that
// arrive without a category and the ClassifierService gRPC method, so the two always agree.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "classifier/classifier.h"
#include "intake/label_map.h"

namespace teksin::intake {

// What intake needs of a model; classifier::Classifier behind FastTextModel in production, a
// fake in unit tests.
class TextModel {
 public:
  virtual ~TextModel() = default;
  virtual absl::StatusOr<std::vector<classifier::Prediction>> TopK(std::string_view text,
                                                                    int k) const = 0;
  virtual const std::vector<std::string>& labels() const = 0;
  virtual const std::string& version() const = 0;
};

class FastTextModel : public TextModel {
 public:
  explicit FastTextModel(std::unique_ptr<classifier::Classifier> model)
      : model_(std::move(model)) {}
  absl::StatusOr<std::vector<classifier::Prediction>> TopK(std::string_view text,
                                                            int k) const override {
    return model_->PredictTopK(text, k);
  }
  const std::vector<std::string>& labels() const override { return model_->labels(); }
  const std::string& version() const override { return model_->version(); }

 private:
  std::unique_ptr<classifier::Classifier> model_;
};

struct ScoredLabel {
  std::string label;
  double confidence = 0;
  std::string service_code;  // "" when the label maps to no service
};

struct ClassifyResult {
  std::vector<ScoredLabel> top;  // most probable first, at least one
  std::string service_code;      // top label's code; "" when triaged
  bool triaged = false;
  std::string model_version;
};

// The default threshold: see services/intake/README.md (why 0.6).
inline constexpr double kDefaultClassifierThreshold = 0.6;

class CaseClassifier {
 public:
  // The label map must cover the model's labels (LabelMap::CheckCovers).
  CaseClassifier(const TextModel& model, const LabelMap& labels, double threshold)
      : model_(model), labels_(labels), threshold_(threshold) {}

  // InvalidArgument when nothing is left of the text to classify. Triaged when the top label's
  // confidence is below the threshold or it maps to no service.
  absl::StatusOr<ClassifyResult> Classify(std::string_view text, int k) const;

  double threshold() const { return threshold_; }
  const std::string& model_version() const { return model_.version(); }

 private:
  const TextModel& model_;
  const LabelMap& labels_;
  double threshold_;
};

}  // namespace teksin::intake
