#include "classifier/classifier.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <filesystem>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/turkish_text.h"
#include "fasttext/fasttext.h"

namespace teksin::classifier {
namespace {

bool IsAsciiSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool IsAsciiPunct(unsigned char c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E);
}

// Multi-byte UTF-8 sequences treated as punctuation or space.
constexpr std::string_view kUnicodeSeparators[] = {
    "\u00A0",  // no-break space
    "\u00AB", "\u00BB",  // « »
    "\u2018", "\u2019", "\u201A", "\u201C", "\u201D", "\u201E",  // ‘ ’ ‚ “ ” „
    "\u2013", "\u2014", "\u2026",  // – — …
    "\u2022", "\u00B7",  // • ·
    "\u200B",  // zero-width space
};

}  // namespace

std::string NormaliseText(std::string_view text) {
  const std::string lower = common::TurkishLower(text);
  std::string out;
  out.reserve(lower.size());
  bool pending_space = false;
  auto separator = [&] { pending_space = !out.empty(); };
  for (size_t i = 0; i < lower.size();) {
    const unsigned char c = static_cast<unsigned char>(lower[i]);
    if (c < 0x80) {
      if (IsAsciiSpace(c) || IsAsciiPunct(c) || c < 0x20 || c == 0x7F) {
        separator();
      } else {
        if (pending_space) out.push_back(' ');
        pending_space = false;
        out.push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    bool matched = false;
    for (std::string_view sep : kUnicodeSeparators) {
      if (std::string_view(lower).substr(i, sep.size()) == sep) {
        separator();
        i += sep.size();
        matched = true;
        break;
      }
    }
    if (matched) continue;
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(static_cast<char>(c));
    ++i;
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

Classifier::Classifier(std::unique_ptr<fasttext::FastText> model) : model_(std::move(model)) {}
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
  return std::unique_ptr<Classifier>(new Classifier(std::move(model)));
}

absl::StatusOr<Prediction> Classifier::Predict(std::string_view text) const {
  const std::string normalised = NormaliseText(text);
  if (normalised.empty()) {
    return absl::InvalidArgumentError("nothing to classify after normalisation");
  }
  std::istringstream in(normalised + "\n");
  std::vector<std::pair<fasttext::real, std::string>> predictions;
  try {
    model_->predictLine(in, predictions, /*k=*/1, /*threshold=*/0.0);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("fastText prediction failed: ", e.what()));
  }
  if (predictions.empty()) {
    return absl::InternalError("fastText returned no prediction");
  }
  Prediction p;
  p.label = DecodeLabel(predictions.front().second);
  p.confidence = std::clamp(static_cast<double>(predictions.front().first), 0.0, 1.0);
  return p;
}

}  // namespace teksin::classifier
