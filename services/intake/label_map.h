// deploy/config/classifier-labels.json: which catalogue service code a classifier label becomes.
// The model's labels are the eight departments of the training corpus; one department covers
// several services, so a label names a default service and, with "refine", intake picks among the
// catalogue services of that label (same dataset_label) the one whose keywords_tr occur most often
// in the text. A label mapped to "" (e.g. "Diğer") has no service: such a case is triaged.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "catalogue/catalogue.h"

namespace teksin::intake {

class LabelMap {
 public:
  // Parses and validates against the catalogue: a JSON object with "version" (non-empty string)
  // and "labels" (object: label → {"service": code or "", "refine": bool}); every code must be
  // a service of the catalogue whose dataset_label is that label. Unknown keys are errors.
  // InvalidArgument with every problem found, one per line.
  static absl::StatusOr<LabelMap> LoadJson(const std::string& json,
                                           const catalogue::Catalogue& catalogue);
  static absl::StatusOr<LabelMap> LoadFile(const std::string& path,
                                           const catalogue::Catalogue& catalogue);

  // FailedPrecondition naming the model's labels that the map does not cover.
  absl::Status CheckCovers(const std::vector<std::string>& model_labels) const;

  // The service code for a label and the text it was predicted for; "" for an unknown label or a
  // label mapped to no service.
  std::string ServiceFor(const std::string& label, std::string_view text) const;

  const std::string& version() const { return version_; }
  size_t size() const { return entries_.size(); }

 private:
  struct Candidate {
    std::string code;
    std::vector<std::vector<std::string>> keywords;  // each a phrase of folded words
  };
  struct Entry {
    std::string service;
    bool refine = false;
    std::vector<Candidate> candidates;  // catalogue services with this dataset_label
  };
  std::string version_;
  std::map<std::string, Entry> entries_;
};

// How often `phrase` occurs in `words`: every word but the last must be equal, the last may be
// followed by a suffix ("yangın" matches "yangında", Turkish being agglutinative) when it has at
// least kMinPrefixChars characters; shorter ones must be equal ("kar" never matches "karşı").
// Both sides are common::FoldedWords output.
inline constexpr size_t kMinPrefixChars = 4;
int CountPhrase(const std::vector<std::string>& words, const std::vector<std::string>& phrase,
                std::vector<size_t>* starts = nullptr);

}  // namespace teksin::intake
