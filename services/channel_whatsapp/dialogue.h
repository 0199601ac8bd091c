// The tip line's short Turkish dialogue, as a pure function of the conversation and one message:
// it collects what the problem is (free text, captions), which catalogue category it belongs to
// (chosen by the citizen from list messages — suggested by the catalogue's keywords, never
// decided for them), and where (a shared location, or a district name typed), then completes.
// One message in, at most one reply out (replies to one citizen must not overtake each other).
#pragma once

#include <string>
#include <vector>

#include "catalogue/catalogue.h"
#include "channel_whatsapp/conversation.h"
#include "channel_whatsapp/reply.h"
#include "channel_whatsapp/webhook.h"

namespace teksin::channel_whatsapp {

struct Step {
  enum class Outcome {
    kContinue,   // keep the conversation, ask the next question
    kComplete,   // text, category and location known: publish the case, then answer
    kCancelled,  // the citizen said "iptal": a contact answered on the spot, conversation ends
    kNothing,    // nothing to keep (e.g. "iptal" with no conversation open)
  };
  Outcome outcome = Outcome::kContinue;
  Reply reply;  // body empty: no reply
};

class Dialogue {
 public:
  explicit Dialogue(const catalogue::Catalogue& catalogue);

  // Applies the message to the conversation (a new one has messages == 0) and says what to do.
  Step Apply(Conversation& c, const InboundMessage& m) const;
  // The next question (or the completion) for the conversation as it is: for a message that was
  // already applied before a failure, so its retry answers without applying it twice.
  Step Next(Conversation& c) const;

  // The catalogue's groups, in catalogue order.
  const std::vector<std::string>& groups() const { return groups_; }
  // Categories whose Turkish keywords occur in the text, most matches first, at most `n`.
  std::vector<const catalogue::ServiceDef*> Suggest(const std::string& text, size_t n) const;
  // The completion message, with the tracking code.
  std::string CompletionText(const Conversation& c) const;

 private:
  void Choose(Conversation& c, const std::string& id, std::vector<std::string>& notes) const;
  Reply CategoryList(Conversation& c) const;

  const catalogue::Catalogue& catalogue_;
  std::vector<std::string> groups_;
  std::vector<std::vector<const catalogue::ServiceDef*>> by_group_;
};

// Texts the service sends itself.
extern const char kRateLimitedText[];

}  // namespace teksin::channel_whatsapp
