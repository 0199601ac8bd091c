// deploy/config/emergency-rules.json: when a contact is an emergency (fire, gas, collapse, risk to
// life). Keyword rules look at the words of the ICU-folded text (common::FoldedWords), category
// rules at the case's service code. The first rule in file order that matches wins.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "catalogue/catalogue.h"

namespace teksin::intake {

struct EmergencyRule {
  std::string id;
  std::vector<std::vector<std::string>> keywords;  // folded phrases; the last word may go on
  std::vector<std::vector<std::string>> unless;    // phrases that cancel a keyword under them
  std::vector<std::string> categories;             // service codes
  std::string handed_to;                           // unit id, e.g. "itfaiye"
};

struct EmergencyMatch {
  std::string rule;       // the rule's id
  std::string handed_to;  // unit id
};

class EmergencyRules {
 public:
  // JSON object: "version" (non-empty), "rules": [{"id", "keywords": [...], "unless": [...],
  // "categories": [...], "handed_to"}]. Validated: ids unique and [a-z0-9-]+, each rule has
  // keywords or categories, categories exist in the catalogue, handed_to is a unit id, no
  // keyword or unless phrase is empty after folding, unknown keys are errors. InvalidArgument
  // with every problem, one per line.
  static absl::StatusOr<EmergencyRules> LoadJson(const std::string& json,
                                                 const catalogue::Catalogue& catalogue);
  static absl::StatusOr<EmergencyRules> LoadFile(const std::string& path,
                                                 const catalogue::Catalogue& catalogue);

  // A keyword rule matches when one of its keywords occurs at a word that no "unless" phrase of
  // the same rule covers ("yangın tüpü" cancels the "yangın" inside it, not a "yangın" elsewhere
  // in the text). A category rule matches the service code.
  std::optional<EmergencyMatch> Match(std::string_view text, const std::string& category) const;

  const std::string& version() const { return version_; }
  const std::vector<EmergencyRule>& rules() const { return rules_; }

 private:
  std::string version_;
  std::vector<EmergencyRule> rules_;
};

}  // namespace teksin::intake
