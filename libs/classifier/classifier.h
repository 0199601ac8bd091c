// Complaint classifier: a fastText supervised model that maps a citizen's text to a department
// label ("Su ve Kanalizasyon", "Ulaşım", ...). Models are trained offline by
// deploy/train-classifier.sh with the `fasttext` CLI; training lines are produced by the same
// NormaliseText/EncodeLabel below (via `classify --write-training`), so the text the model saw
// and the text it is asked about are normalised identically.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace fasttext {
class FastText;
}

namespace teksin::classifier {

// fastText's label prefix.
inline constexpr std::string_view kLabelPrefix = "__label__";

// Turkish lower case (common::TurkishLower), punctuation (ASCII punctuation and the common
// Unicode quotes, dashes, ellipsis and guillemets) and control characters to spaces, runs of
// whitespace (including no-break space) collapsed to one space, trimmed.
// "Kesiköprü'de  SU YOK!!" → "kesiköprü de su yok".
std::string NormaliseText(std::string_view text);

// "Su ve Kanalizasyon" → "__label__Su_ve_Kanalizasyon" (whitespace runs → '_', trimmed).
// Labels must not contain '_' themselves: it would not survive the round trip.
std::string EncodeLabel(std::string_view label);
// "__label__Su_ve_Kanalizasyon" → "Su ve Kanalizasyon". Without the prefix, only '_' → ' '.
std::string DecodeLabel(std::string_view fasttext_label);

// One fastText training line: EncodeLabel(label) + ' ' + NormaliseText(text).
std::string TrainingLine(std::string_view label, std::string_view text);

struct Prediction {
  std::string label;       // as in the training file, e.g. "Su ve Kanalizasyon"
  double confidence = 0;   // the model's probability for that label, in [0, 1]
};

class Classifier {
 public:
  // Loads a .bin or quantized .ftz model. NotFound when the file is missing, InvalidArgument
  // when fastText cannot read it, FailedPrecondition when it is not a supervised model.
  static absl::StatusOr<std::unique_ptr<Classifier>> Load(const std::string& model_path);
  ~Classifier();

  // Top-1 label with its probability. Safe to call from several threads at once (fastText's
  // prediction keeps its state on the stack). InvalidArgument when nothing is left of the text
  // after normalisation.
  absl::StatusOr<Prediction> Predict(std::string_view text) const;

 private:
  explicit Classifier(std::unique_ptr<fasttext::FastText> model);
  std::unique_ptr<fasttext::FastText> model_;
};

}  // namespace teksin::classifier
