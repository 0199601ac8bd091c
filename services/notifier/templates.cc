#include "notifier/templates.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace teksin::notifier {
namespace {

constexpr size_t kMaxTextBytes = 2000;

// Checks the placeholders of one text: {name} with name in `known`, no stray braces.
absl::Status CheckText(const std::string& where, const std::string& text,
                       const std::set<std::string>& known) {
  if (text.empty()) return absl::InvalidArgumentError(absl::StrCat(where, " is empty"));
  if (text.size() > kMaxTextBytes) {
    return absl::InvalidArgumentError(absl::StrCat(where, " is longer than 2000 bytes"));
  }
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '}') return absl::InvalidArgumentError(absl::StrCat(where, ": stray '}'"));
    if (text[i] != '{') continue;
    size_t end = text.find('}', i);
    if (end == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": '{' without '}'"));
    }
    std::string name = text.substr(i + 1, end - i - 1);
    if (!known.count(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": unknown placeholder {", name, "}"));
    }
    i = end;
  }
  return absl::OkStatus();
}

}  // namespace

const std::vector<std::string>& RequiredTemplates() {
  static const std::vector<std::string> kIds = {
      "case_registered", "case_repeat",   "case_duplicate", "case_routed",   "case_forwarded",
      "case_waiting",    "case_resolved", "case_rejected",  "case_closed",   "case_reopened"};
  return kIds;
}

const std::vector<std::string>& RequiredReplyHints() {
  static const std::vector<std::string> kSenders = {"whatsapp", "sms", "push", "recorder"};
  return kSenders;
}

std::string Templates::Language(const std::string& case_language) {
  return case_language == "en" ? "en" : "tr";
}

absl::StatusOr<Templates> Templates::Parse(const std::string& json_text) {
  auto j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("notification templates: not a JSON object");
  }
  if (j.value("format", "") != "teksin-notification-templates") {
    return absl::InvalidArgumentError(
        "notification templates: \"format\" must be \"teksin-notification-templates\"");
  }
  Templates t;
  if (!j.contains("version") || !j["version"].is_string() || j["version"].get<std::string>().empty()) {
    return absl::InvalidArgumentError("notification templates: \"version\" (a string) is required");
  }
  t.version_ = j["version"].get<std::string>();
  std::set<std::string> known;
  if (!j.contains("placeholders") || !j["placeholders"].is_array()) {
    return absl::InvalidArgumentError("notification templates: \"placeholders\" (a list) is required");
  }
  for (const auto& p : j["placeholders"]) {
    if (!p.is_string()) return absl::InvalidArgumentError("notification templates: placeholders must be strings");
    known.insert(p.get<std::string>());
  }
  auto read_section = [&](const char* section, const std::vector<std::string>& required,
                          std::map<std::string, std::map<std::string, std::string>>& out,
                          bool placeholders_allowed) -> absl::Status {
    if (!j.contains(section) || !j[section].is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat("notification templates: \"", section, "\" (an object) is required"));
    }
    for (const auto& [id, langs] : j[section].items()) {
      if (!langs.is_object()) {
        return absl::InvalidArgumentError(absl::StrCat(section, ".", id, " must be an object"));
      }
      for (const auto& [lang, text] : langs.items()) {
        if (lang != "tr" && lang != "en") {
          return absl::InvalidArgumentError(
              absl::StrCat(section, ".", id, ": language \"", lang, "\" is not tr or en"));
        }
        if (!text.is_string()) {
          return absl::InvalidArgumentError(absl::StrCat(section, ".", id, ".", lang, " must be a string"));
        }
        const std::string s = text.get<std::string>();
        const std::set<std::string> none;
        if (auto st = CheckText(absl::StrCat(section, ".", id, ".", lang), s,
                                placeholders_allowed ? known : none);
            !st.ok()) {
          return st;
        }
        out[id][lang] = s;
      }
    }
    for (const auto& id : required) {
      for (const char* lang : {"tr", "en"}) {
        if (!out.count(id) || !out[id].count(lang)) {
          return absl::InvalidArgumentError(
              absl::StrCat("notification templates: ", section, ".", id, ".", lang, " is missing"));
        }
      }
    }
    return absl::OkStatus();
  };
  if (auto s = read_section("templates", RequiredTemplates(), t.texts_, true); !s.ok()) return s;
  if (auto s = read_section("how_to_reply", RequiredReplyHints(), t.replies_, false); !s.ok()) return s;
  return t;
}

absl::StatusOr<Templates> Templates::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  auto t = Parse(ss.str());
  if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", t.status().message()));
  return t;
}

absl::StatusOr<std::string> Templates::Render(const std::string& id, const std::string& language,
                                              const std::map<std::string, std::string>& values) const {
  auto it = texts_.find(id);
  if (it == texts_.end()) return absl::NotFoundError(absl::StrCat("no template ", id));
  const std::string& text = it->second.at(Language(language));
  std::string out;
  out.reserve(text.size() + 64);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') {
      out += text[i];
      continue;
    }
    size_t end = text.find('}', i);
    auto v = values.find(text.substr(i + 1, end - i - 1));
    if (v != values.end()) out += v->second;
    i = end;
  }
  // An empty placeholder leaves doubled or trailing spaces: tidy them.
  std::string tidy;
  for (char c : out) {
    if (c == ' ' && (tidy.empty() || tidy.back() == ' ')) continue;
    tidy += c;
  }
  while (!tidy.empty() && tidy.back() == ' ') tidy.pop_back();
  return tidy;
}

std::string Templates::HowToReply(const std::string& sender, const std::string& language) const {
  auto it = replies_.find(sender);
  if (it == replies_.end()) return "";
  return it->second.at(Language(language));
}

}  // namespace teksin::notifier
