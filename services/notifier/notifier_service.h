// The notifier: turns a case's status changes into one message to the citizen on the channel
// they used, from the templates, and records every attempt as NotificationSent (SENT, FAILED with
// the reason, NO_ADDRESS). Exactly once per (cause event, template): the notification log is
// claimed before sending, the outcome stored before NotificationSent is published, and the event
// id is DerivedId(cause event id, "notify/<template>"). Transient sender errors are retried with
// backoff here, then the event is retried by the consumer; a refusal (4xx) is a FAILED
// notification, never a dead letter. Sees only interfaces; app.cc wires Redis, Kafka and HTTP.
#pragma once

#include <functional>
#include <set>
#include <string>

#include "absl/time/time.h"
#include "common/time_util.h"
#include "events/events.h"
#include "events/topics.h"
#include "metrics/registry.h"
#include "notifier/notification_log.h"
#include "notifier/senders.h"
#include "notifier/templates.h"
#include "vault/contact_vault.h"

namespace teksin::notifier {

struct NotifierOptions {
  // Channels whose citizen gets "case_registered" (the others already answered with the
  // tracking code: Open311 in its 201, WhatsApp in its reply, the operator on the phone).
  std::set<v1::Channel> registered_channels;
  int attempts = 3;                              // sends per event before the consumer retries
  absl::Duration backoff = absl::Milliseconds(500);  // doubled after each failed attempt
  absl::Duration log_ttl = absl::Hours(24 * 400);
};

// What one event asks to tell the citizen.
struct Notice {
  std::string template_key;  // e.g. "case_resolved"
  const v1::Case* kase = nullptr;
  std::map<std::string, std::string> values;
};

// The notice an event calls for; nullopt for events that do not concern the citizen.
std::optional<Notice> NoticeFor(const v1::Envelope& env, const NotifierOptions& options);

class NotifierService : public events::EventHandler {
 public:
  using Sleep = std::function<void(absl::Duration)>;
  NotifierService(const Templates& templates, vault::ContactVault& vault, const SenderSet& senders,
                  NotificationLog& log, const events::Topics& topics,
                  events::EventPublisher& publisher, const common::Clock& clock,
                  metrics::Registry& registry, NotifierOptions options, Sleep sleep = nullptr);

  absl::Status Handle(const events::ConsumedEvent& event) override;

 private:
  absl::Status Publish(const v1::Envelope& cause, const Notice& n, const std::string& template_id,
                       const std::string& notification_id, v1::NotificationStatus status,
                       const std::string& sender, const std::string& reason);

  const Templates& templates_;
  vault::ContactVault& vault_;
  const SenderSet& senders_;
  NotificationLog& log_;
  std::string topic_;
  events::EventPublisher& publisher_;
  const common::Clock& clock_;
  NotifierOptions options_;
  Sleep sleep_;
  metrics::Family<metrics::Counter>* outcomes_;
  metrics::Counter* send_retries_;
  metrics::Counter* duplicates_;
};

}  // namespace teksin::notifier
