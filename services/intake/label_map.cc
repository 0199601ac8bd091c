#include "intake/label_map.h"

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/turkish_text.h"
#include "nlohmann/json.hpp"

namespace teksin::intake {

int CountPhrase(const std::vector<std::string>& words, const std::vector<std::string>& phrase,
                std::vector<size_t>* starts) {
  if (phrase.empty() || words.size() < phrase.size()) return 0;
  int n = 0;
  for (size_t i = 0; i + phrase.size() <= words.size(); ++i) {
    bool match = true;
    for (size_t j = 0; j < phrase.size() && match; ++j) {
      const std::string& w = words[i + j];
      const std::string& p = phrase[j];
      const bool prefix_ok = j + 1 == phrase.size() && common::Utf8Length(p) >= kMinPrefixChars;
      match = prefix_ok ? w.compare(0, p.size(), p) == 0 : w == p;
    }
    if (match) {
      ++n;
      if (starts != nullptr) starts->push_back(i);
    }
  }
  return n;
}

absl::StatusOr<LabelMap> LabelMap::LoadJson(const std::string& text,
                                            const catalogue::Catalogue& catalogue) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("classifier labels: not a JSON object");
  }
  std::vector<std::string> problems;
  LabelMap map;
  for (const auto& [key, value] : j.items()) {
    if (key != "version" && key != "note" && key != "labels") {
      problems.push_back(absl::StrCat("unknown key \"", key, "\""));
    }
  }
  if (!j.contains("version") || !j["version"].is_string() ||
      j["version"].get<std::string>().empty()) {
    problems.push_back("\"version\" must be a non-empty string");
  } else {
    map.version_ = j["version"].get<std::string>();
  }
  if (!j.contains("labels") || !j["labels"].is_object() || j["labels"].empty()) {
    problems.push_back("\"labels\" must be a non-empty object");
  } else {
    for (const auto& [label, v] : j["labels"].items()) {
      const std::string where = absl::StrCat("label \"", label, "\": ");
      if (!v.is_object() || !v.contains("service") || !v["service"].is_string()) {
        problems.push_back(where + "needs {\"service\": \"<code>\" or \"\"}");
        continue;
      }
      Entry e;
      e.service = v["service"].get<std::string>();
      for (const auto& [k, _] : v.items()) {
        if (k != "service" && k != "refine" && k != "note") {
          problems.push_back(absl::StrCat(where, "unknown key \"", k, "\""));
        }
      }
      if (v.contains("refine")) {
        if (!v["refine"].is_boolean()) {
          problems.push_back(where + "\"refine\" must be true or false");
        } else {
          e.refine = v["refine"].get<bool>();
        }
      }
      if (!e.service.empty()) {
        const catalogue::ServiceDef* def = catalogue.Find(e.service);
        if (def == nullptr) {
          problems.push_back(
              absl::StrCat(where, "service \"", e.service, "\" is not in the catalogue"));
          continue;
        }
        if (def->dataset_label != label) {
          problems.push_back(absl::StrCat(where, "service \"", e.service,
                                          "\" has dataset_label \"", def->dataset_label,
                                          "\" in the catalogue"));
          continue;
        }
      } else if (e.refine) {
        problems.push_back(where + "\"refine\" needs a default service");
      }
      if (e.refine) {
        for (const auto& s : catalogue.services()) {
          if (s.dataset_label != label || s.emergency) continue;
          Candidate c{s.code, {}};
          for (const auto& k : s.keywords_tr) {
            auto words = common::FoldedWords(k);
            if (!words.empty()) c.keywords.push_back(std::move(words));
          }
          e.candidates.push_back(std::move(c));
        }
      }
      map.entries_[label] = std::move(e);
    }
  }
  if (!problems.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("classifier labels: ", absl::StrJoin(problems, "\n")));
  }
  return map;
}

absl::StatusOr<LabelMap> LabelMap::LoadFile(const std::string& path,
                                            const catalogue::Catalogue& catalogue) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("classifier labels not found: ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  auto map = LoadJson(ss.str(), catalogue);
  if (!map.ok()) {
    return absl::Status(map.status().code(), absl::StrCat(path, ": ", map.status().message()));
  }
  return map;
}

absl::Status LabelMap::CheckCovers(const std::vector<std::string>& model_labels) const {
  std::vector<std::string> missing;
  for (const auto& l : model_labels) {
    if (entries_.count(l) == 0) missing.push_back(absl::StrCat("\"", l, "\""));
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "the model's labels ", absl::StrJoin(missing, ", "), " are not in the classifier labels"));
}

std::string LabelMap::ServiceFor(const std::string& label, std::string_view text) const {
  auto it = entries_.find(label);
  if (it == entries_.end()) return "";
  const Entry& e = it->second;
  if (!e.refine || e.candidates.empty()) return e.service;
  const auto words = common::FoldedWords(text);
  std::string best = e.service;
  int best_hits = 0;
  for (const auto& c : e.candidates) {
    int hits = 0;
    for (const auto& k : c.keywords) hits += CountPhrase(words, k);
    // Strictly more hits wins; a tie keeps the default (or the earlier catalogue entry).
    if (hits > best_hits || (hits == best_hits && hits > 0 && c.code == e.service)) {
      best = c.code;
      best_hits = hits;
    }
  }
  return best;
}

}  // namespace teksin::intake
