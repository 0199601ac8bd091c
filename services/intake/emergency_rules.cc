#include "intake/emergency_rules.h"

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/turkish_text.h"
#include "events/topics.h"
#include "intake/label_map.h"
#include "nlohmann/json.hpp"

namespace teksin::intake {
namespace {

bool IsRuleId(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// A list of strings → folded phrases; problems appended.
std::vector<std::vector<std::string>> Phrases(const nlohmann::json& rule, const char* key,
                                              const std::string& where,
                                              std::vector<std::string>& problems) {
  std::vector<std::vector<std::string>> out;
  if (!rule.contains(key)) return out;
  if (!rule[key].is_array()) {
    problems.push_back(absl::StrCat(where, "\"", key, "\" must be a list of strings"));
    return out;
  }
  for (const auto& k : rule[key]) {
    if (!k.is_string()) {
      problems.push_back(absl::StrCat(where, "\"", key, "\" must be a list of strings"));
      continue;
    }
    auto words = common::FoldedWords(k.get<std::string>());
    if (words.empty()) {
      problems.push_back(absl::StrCat(where, "empty phrase in \"", key, "\""));
      continue;
    }
    out.push_back(std::move(words));
  }
  return out;
}

}  // namespace

absl::StatusOr<EmergencyRules> EmergencyRules::LoadJson(const std::string& text,
                                                        const catalogue::Catalogue& catalogue) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("emergency rules: not a JSON object");
  }
  std::vector<std::string> problems;
  EmergencyRules rules;
  for (const auto& [key, _] : j.items()) {
    if (key != "version" && key != "note" && key != "rules") {
      problems.push_back(absl::StrCat("unknown key \"", key, "\""));
    }
  }
  if (!j.contains("version") || !j["version"].is_string() ||
      j["version"].get<std::string>().empty()) {
    problems.push_back("\"version\" must be a non-empty string");
  } else {
    rules.version_ = j["version"].get<std::string>();
  }
  if (!j.contains("rules") || !j["rules"].is_array() || j["rules"].empty()) {
    problems.push_back("\"rules\" must be a non-empty list");
  } else {
    std::set<std::string> ids;
    int index = 0;
    for (const auto& r : j["rules"]) {
      ++index;
      if (!r.is_object()) {
        problems.push_back(absl::StrCat("rule ", index, ": not an object"));
        continue;
      }
      EmergencyRule rule;
      if (r.contains("id") && r["id"].is_string()) rule.id = r["id"].get<std::string>();
      const std::string where =
          absl::StrCat("rule ", index, rule.id.empty() ? "" : absl::StrCat(" \"", rule.id, "\""),
                       ": ");
      if (!IsRuleId(rule.id)) problems.push_back(where + "\"id\" must match [a-z0-9-]+");
      if (!rule.id.empty() && !ids.insert(rule.id).second) {
        problems.push_back(where + "duplicate id");
      }
      for (const auto& [k, _] : r.items()) {
        if (k != "id" && k != "keywords" && k != "unless" && k != "categories" &&
            k != "handed_to" && k != "note") {
          problems.push_back(absl::StrCat(where, "unknown key \"", k, "\""));
        }
      }
      rule.keywords = Phrases(r, "keywords", where, problems);
      rule.unless = Phrases(r, "unless", where, problems);
      if (r.contains("categories")) {
        if (!r["categories"].is_array()) {
          problems.push_back(where + "\"categories\" must be a list of service codes");
        } else {
          for (const auto& c : r["categories"]) {
            if (!c.is_string() || catalogue.Find(c.get<std::string>()) == nullptr) {
              problems.push_back(
                  absl::StrCat(where, "category ", c.dump(), " is not in the catalogue"));
              continue;
            }
            rule.categories.push_back(c.get<std::string>());
          }
        }
      }
      if (rule.keywords.empty() && rule.categories.empty()) {
        problems.push_back(where + "needs \"keywords\" or \"categories\"");
      }
      if (!rule.unless.empty() && rule.keywords.empty()) {
        problems.push_back(where + "\"unless\" without \"keywords\"");
      }
      if (r.contains("handed_to") && r["handed_to"].is_string()) {
        rule.handed_to = r["handed_to"].get<std::string>();
      }
      if (!events::IsValidUnitId(rule.handed_to)) {
        problems.push_back(where + "\"handed_to\" must be a unit id ([a-z0-9-]+)");
      }
      rules.rules_.push_back(std::move(rule));
    }
  }
  if (!problems.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("emergency rules: ", absl::StrJoin(problems, "\n")));
  }
  return rules;
}

absl::StatusOr<EmergencyRules> EmergencyRules::LoadFile(const std::string& path,
                                                        const catalogue::Catalogue& catalogue) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("emergency rules not found: ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  auto rules = LoadJson(ss.str(), catalogue);
  if (!rules.ok()) {
    return absl::Status(rules.status().code(),
                        absl::StrCat(path, ": ", rules.status().message()));
  }
  return rules;
}

std::optional<EmergencyMatch> EmergencyRules::Match(std::string_view text,
                                                    const std::string& category) const {
  const auto words = common::FoldedWords(text);
  for (const auto& rule : rules_) {
    for (const auto& c : rule.categories) {
      if (c == category) return EmergencyMatch{rule.id, rule.handed_to};
    }
    if (rule.keywords.empty()) continue;
    std::vector<bool> covered(words.size(), false);
    for (const auto& u : rule.unless) {
      std::vector<size_t> starts;
      CountPhrase(words, u, &starts);
      for (size_t s : starts) {
        for (size_t k = s; k < s + u.size() && k < words.size(); ++k) covered[k] = true;
      }
    }
    for (const auto& k : rule.keywords) {
      std::vector<size_t> starts;
      CountPhrase(words, k, &starts);
      for (size_t s : starts) {
        if (!covered[s]) return EmergencyMatch{rule.id, rule.handed_to};
      }
    }
  }
  return std::nullopt;
}

}  // namespace teksin::intake
