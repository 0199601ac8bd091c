// Complaint classifier: a fastText supervised model that maps a citizen's text to a department
// label ("Su ve Kanalizasyon", "Ulaşım", ...). Models are trained offline by
// deploy/train-classifier.sh with the `fasttext` CLI; training lines are produced by the same
// NormaliseText/EncodeLabel below (via `classify --write-training`), so the text the model saw
// and the text it is asked about are normalised identically.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace fasttext {
class FastText;
}

namespace teksin::classifier {

// fastText's label prefix.
inline constexpr std::string_view kLabelPrefix = "__label__";

// common::TurkishFold (ICU: NFC, Turkic case folding, so "I" → "ı" and "İ" → "i"), then every
// punctuation, symbol (emoji too), separator, control or format character and invalid UTF-8 byte
// to a space, runs of spaces collapsed to one, trimmed. The same function prepares the training
// lines (classify --write-training) and the texts served (Predict), so the two cannot drift.
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
  // The k most probable labels (k clamped to 1..labels().size()), most probable first.
  absl::StatusOr<std::vector<Prediction>> PredictTopK(std::string_view text, int k) const;

  // Every label the model knows, decoded and sorted.
  const std::vector<std::string>& labels() const { return labels_; }
  // The first 16 hex digits of the model file's SHA-256: which model answered.
  const std::string& version() const { return version_; }

 private:
  Classifier(std::unique_ptr<fasttext::FastText> model, std::string version);
  std::unique_ptr<fasttext::FastText> model_;
  std::string version_;
  std::vector<std::string> labels_;
};

}  // namespace teksin::classifier
