#include "classifier/classifier.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/turkish_text.h"
#include "fasttext/fasttext.h"
#include "unicode/uchar.h"
#include "unicode/utf8.h"

namespace teksin::classifier {
namespace {

bool IsAsciiSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Punctuation, symbols (emoji included), separators and control/format characters end a word.
bool IsSeparator(UChar32 cp) {
  if (cp < 0) return false;
  if (u_isUWhiteSpace(cp)) return true;
  switch (u_charType(cp)) {
    case U_SPACE_SEPARATOR:
    case U_LINE_SEPARATOR:
    case U_PARAGRAPH_SEPARATOR:
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_DASH_PUNCTUATION:
    case U_START_PUNCTUATION:
    case U_END_PUNCTUATION:
    case U_CONNECTOR_PUNCTUATION:
    case U_OTHER_PUNCTUATION:
    case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION:
    case U_MATH_SYMBOL:
    case U_CURRENCY_SYMBOL:
    case U_MODIFIER_SYMBOL:
    case U_OTHER_SYMBOL:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string NormaliseText(std::string_view text) {
  const std::string folded = common::TurkishFold(text);
  std::string out;
  out.reserve(folded.size());
  bool pending_space = false;
  const auto* bytes = reinterpret_cast<const uint8_t*>(folded.data());
  const auto length = static_cast<int32_t>(folded.size());
  for (int32_t i = 0; i < length;) {
    const int32_t start = i;
    UChar32 cp = 0;
    U8_NEXT(bytes, i, length, cp);
    if (cp < 0 || IsSeparator(cp)) {  // invalid UTF-8 is dropped like punctuation
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.append(folded, static_cast<size_t>(start), static_cast<size_t>(i - start));
  }
  return out;
}

std::string EncodeLabel(std::string_view label) {
  std::string out(kLabelPrefix);
  bool pending = false;
  for (char ch : label) {
    if (IsAsciiSpace(static_cast<unsigned char>(ch))) {
      pending = out.size() > kLabelPrefix.size();
      continue;
    }
    if (pending) out.push_back('_');
    pending = false;
    out.push_back(ch);
  }
  return out;
}

std::string DecodeLabel(std::string_view fasttext_label) {
  if (fasttext_label.substr(0, kLabelPrefix.size()) == kLabelPrefix) {
    fasttext_label.remove_prefix(kLabelPrefix.size());
  }
  std::string out(fasttext_label);
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

std::string TrainingLine(std::string_view label, std::string_view text) {
  return absl::StrCat(EncodeLabel(label), " ", NormaliseText(text));
}

Classifier::Classifier(std::unique_ptr<fasttext::FastText> model, std::string version)
    : model_(std::move(model)), version_(std::move(version)) {
  const auto dict = model_->getDictionary();
  for (int32_t i = 0; i < dict->nlabels(); ++i) labels_.push_back(DecodeLabel(dict->getLabel(i)));
  std::sort(labels_.begin(), labels_.end());
}
Classifier::~Classifier() = default;

absl::StatusOr<std::unique_ptr<Classifier>> Classifier::Load(const std::string& model_path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(model_path, ec)) {
    return absl::NotFoundError(absl::StrCat("classifier model not found: ", model_path));
  }
  auto model = std::make_unique<fasttext::FastText>();
  try {
    model->loadModel(model_path);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot load fastText model ", model_path, ": ", e.what()));
  }
  if (model->getArgs().model != fasttext::model_name::sup ||
      model->getDictionary()->nlabels() == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(model_path, " is not a supervised fastText model"));
  }
  std::ifstream file(model_path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  return std::unique_ptr<Classifier>(
      new Classifier(std::move(model), common::Sha256Hex(bytes).substr(0, 16)));
}

absl::StatusOr<Prediction> Classifier::Predict(std::string_view text) const {
  auto top = PredictTopK(text, 1);
  if (!top.ok()) return top.status();
  return top->front();
}

absl::StatusOr<std::vector<Prediction>> Classifier::PredictTopK(std::string_view text,
                                                                int k) const {
  const std::string normalised = NormaliseText(text);
  if (normalised.empty()) {
    return absl::InvalidArgumentError("nothing to classify after normalisation");
  }
  k = std::clamp(k, 1, static_cast<int>(std::max<size_t>(labels_.size(), 1)));
  std::istringstream in(normalised + "\n");
  std::vector<std::pair<fasttext::real, std::string>> predictions;
  try {
    model_->predictLine(in, predictions, k, /*threshold=*/0.0);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("fastText prediction failed: ", e.what()));
  }
  if (predictions.empty()) {
    return absl::InternalError("fastText returned no prediction");
  }
  std::vector<Prediction> out;
  for (const auto& [probability, label] : predictions) {
    out.push_back({DecodeLabel(label), std::clamp(static_cast<double>(probability), 0.0, 1.0)});
  }
  return out;
}

}  // namespace teksin::classifier
