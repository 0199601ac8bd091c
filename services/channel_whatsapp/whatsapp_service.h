// The WhatsApp tip line: each message a citizen sends is deduplicated by its WhatsApp message id,
// rate-limited per citizen, applied to the citizen's conversation (kept in a store between
// messages), and — when the dialogue has what, which category and where — published as a
// ContactReceived asking intake for a case, acknowledged by Kafka before the citizen is answered
// with the tracking code. Sees only interfaces; app.cc wires Redis, Kafka and the Cloud API.
#pragma once

#include <array>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "catalogue/catalogue.h"
#include "channel/guards.h"
#include "channel_whatsapp/conversation.h"
#include "channel_whatsapp/dialogue.h"
#include "channel_whatsapp/feedback.h"
#include "channel_whatsapp/reply.h"
#include "channel_whatsapp/webhook.h"
#include "common/time_util.h"
#include "events/events.h"
#include "events/topics.h"
#include "metrics/registry.h"
#include "vault/contact_vault.h"

namespace teksin::channel_whatsapp {

struct WhatsAppOptions {
  std::string citizen_key_secret;
  int rate_limit = 20;                           // messages per citizen per window
  absl::Duration rate_window = absl::Seconds(60);
  absl::Duration abandon_after = absl::Hours(24);  // idle conversation → answered on the spot
  absl::Duration idempotency_ttl = absl::Hours(24 * 7);  // Meta retries for up to 7 days
  std::string default_phone_number_id;
};

class WhatsAppService {
 public:
  WhatsAppService(const catalogue::Catalogue& catalogue, ConversationStore& conversations,
                  channel::IdempotencyStore& idempotency, channel::RateLimiter& limiter,
                  const events::Topics& topics, events::EventPublisher& publisher,
                  ReplyDispatcher& replies, const common::Clock& clock,
                  metrics::Registry& registry, WhatsAppOptions options);

  // Every message of a notification, in order; delivery statuses are counted and ignored.
  // OK when each message is done or was seen before. Otherwise the first error (Unavailable:
  // Redis or Kafka failed): the webhook then asks Meta to deliver again, and what was done is a
  // duplicate the second time.
  absl::Status Handle(const Notification& notification);
  absl::Status HandleMessage(const InboundMessage& message);

  // Ends conversations idle for longer than abandon_after: each becomes a contact answered on the
  // spot (the citizen wrote, no case came of it). Returns how many ended.
  absl::StatusOr<int> SweepAbandoned(int limit = 100);

  // Citizen feedback after a resolution (resolved cases from the projection), and the contact
  // vault the reply address of each case is stored in. Either may be null: no feedback, or no
  // address stored (the notifier then reports NO_ADDRESS).
  void SetFeedback(ResolvedCaseStore* resolved) { resolved_ = resolved; }
  void SetVault(vault::ContactVault* vault) { vault_ = vault; }

  const Dialogue& dialogue() const { return dialogue_; }
  const std::string& contacts_topic() const { return contacts_topic_; }

 private:
  std::mutex& StripeFor(const std::string& citizen_key);
  absl::Time MessageTime(const InboundMessage& m, absl::Time now) const;
  Conversation NewConversation(absl::Time started) const;
  absl::Status PublishCase(const Conversation& c, const std::string& citizen_key,
                           const std::string& message_ref, absl::Time now);
  absl::Status PublishAnsweredOnSpot(const Conversation& c, const std::string& citizen_key,
                                     const std::string& why, absl::Time now);
  void Send(const InboundMessage& m, const std::string& citizen_key, Reply reply);
  // Feedback on the citizen's resolved case: published, and the reply to send; nullopt when the
  // message is not feedback (or no case of theirs awaits it).
  absl::StatusOr<std::optional<Reply>> MaybeFeedback(const InboundMessage& m,
                                                     const std::string& citizen_key,
                                                     const std::string& message_ref, absl::Time now);

  const catalogue::Catalogue& catalogue_;
  Dialogue dialogue_;
  ConversationStore& conversations_;
  channel::IdempotencyStore& idempotency_;
  channel::RateLimiter& limiter_;
  const events::Topics& topics_;
  std::string contacts_topic_;
  events::EventPublisher& publisher_;
  ReplyDispatcher& replies_;
  const common::Clock& clock_;
  WhatsAppOptions options_;
  std::array<std::mutex, 64> stripes_;
  ResolvedCaseStore* resolved_ = nullptr;
  vault::ContactVault* vault_ = nullptr;
  metrics::Family<metrics::Counter>* feedback_ = nullptr;

  metrics::Family<metrics::Counter>* received_;
  metrics::Family<metrics::Counter>* contacts_;
  metrics::Family<metrics::Counter>* statuses_;
  metrics::Counter* cases_;
  metrics::Counter* duplicates_;
  metrics::Counter* rate_limited_;
  metrics::Counter* invalid_senders_;
  metrics::Counter* abandoned_;
};

}  // namespace teksin::channel_whatsapp
