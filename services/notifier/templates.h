// The citizen's messages: a versioned JSON file of Turkish and English texts with named
// placeholders, checked completely when it is loaded (every template in both languages, only
// known placeholders, balanced braces), so a bad file stops the notifier at start.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace teksin::notifier {

// The templates the notifier uses; the file must define each of them in "tr" and "en".
const std::vector<std::string>& RequiredTemplates();
// The senders whose reply instructions ("how_to_reply") the file must define.
const std::vector<std::string>& RequiredReplyHints();

class Templates {
 public:
  static absl::StatusOr<Templates> Parse(const std::string& json_text);
  static absl::StatusOr<Templates> LoadFile(const std::string& path);

  // "en" for English, anything else Turkish.
  static std::string Language(const std::string& case_language);
  // Fills the placeholders of template `id` in `language`; a placeholder without a value
  // becomes "" (the file was checked: none is unknown). NotFound for an unknown id.
  absl::StatusOr<std::string> Render(const std::string& id, const std::string& language,
                                     const std::map<std::string, std::string>& values) const;
  // The reply instruction for a sender ("whatsapp", "sms", "push", "recorder").
  std::string HowToReply(const std::string& sender, const std::string& language) const;
  const std::string& version() const { return version_; }

 private:
  std::string version_;
  std::map<std::string, std::map<std::string, std::string>> texts_;  // id → lang → text
  std::map<std::string, std::map<std::string, std::string>> replies_;  // sender → lang → text
};

}  // namespace teksin::notifier
