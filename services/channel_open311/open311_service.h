// The Open311 GeoReport v2 channel: the Teksin app and web form. A request is accepted (201)
// only after Kafka acknowledged its contact event, so an accepted case is never lost.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "catalogue/catalogue.h"
#include "channel/guards.h"
#include "channel_open311/admission.h"
#include "channel_open311/request_store.h"
#include "channel_open311/view_batcher.h"
#include "common/time_util.h"
#include "events/events.h"
#include "events/topics.h"
#include "vault/contact_vault.h"

namespace teksin::channel_open311 {

struct Open311Options {
  std::set<std::string> api_keys;  // empty: no key required (development only)
  std::string citizen_key_secret;  // HMAC key for the citizen key
  std::string jurisdiction_id = "mersin.bel.tr";
  int client_limit_per_minute = 600;  // per api_key
  int citizen_limit_per_hour = 20;    // per citizen key (phone)
  absl::Duration idempotency_ttl = absl::Hours(24);
  int feedback_limit_per_hour = 10;  // feedback posts per citizen key
};

// The feedback extension: POST requests/{id}/feedback with action confirm|rate|reopen.
struct FeedbackAccepted {
  std::string service_request_id;
  std::string action;
  int rating = 0;
};

struct Accepted {
  std::string service_request_id;  // the tracking code citizens read out
  std::string case_id;
  std::string service_notice;
};

// Parameters exactly as the client sent them (form fields or JSON members).
using Params = std::multimap<std::string, std::string>;

class Open311Service : public events::EventHandler {
 public:
  Open311Service(const catalogue::Catalogue& catalogue, RequestStore& store,
                 const events::Topics& topics, events::EventPublisher& publisher,
                 const common::Clock& clock, Open311Options options)
      : catalogue_(catalogue), store_(store), topics_(topics), publisher_(publisher),
        clock_(clock), options_(std::move(options)) {}

  // Rate limits and idempotency; without them (unit tests) neither applies. Submit applies them
  // through a GuardsAdmission over these two unless SetAdmission gives another (production: a
  // RedisAdmission on the same keys, one round trip).
  void SetGuards(channel::RateLimiter* limiter, channel::IdempotencyStore* idempotency) {
    limiter_ = limiter;
    idempotency_ = idempotency;
    own_admission_ = std::make_unique<GuardsAdmission>(limiter, idempotency);
    admission_ = own_admission_.get();
  }
  // After SetGuards: Submit's guards in one call. Null: back to the guards one by one.
  void SetAdmission(SubmitAdmission* admission) {
    admission_ = admission != nullptr ? admission : own_admission_.get();
  }

  // InvalidArgument (400), PermissionDenied (403), ResourceExhausted (429, payload
  // "retry-after" in seconds), Unavailable (503: Kafka did not acknowledge). The parameter
  // "idempotency_key" (the Idempotency-Key header) makes a retried POST return the first answer.
  absl::StatusOr<Accepted> Submit(const Params& params);
  absl::StatusOr<std::optional<RequestView>> Find(const std::string& service_request_id);
  absl::StatusOr<std::vector<RequestView>> Query(const RequestQuery& query);
  absl::StatusOr<std::vector<HistoryEntry>> History(const std::string& service_request_id);
  absl::StatusOr<std::optional<std::string>> FindByToken(const std::string& token);
  // The citizen's feedback on a resolved request, proved by the phone number given when the
  // request was made (its citizen key must match). InvalidArgument (400), PermissionDenied (403),
  // NotFound (404), FailedPrecondition (409: not resolved, or feedback already given for this
  // resolution), ResourceExhausted (429), Unavailable (503: Kafka did not acknowledge).
  absl::StatusOr<FeedbackAccepted> Feedback(const std::string& service_request_id, const Params& params);
  // Where Submit stores the citizen's reply address (phone, app device token); null: nowhere.
  void SetVault(vault::ContactVault* vault) { vault_ = vault; }
  const Open311Options& options() const { return options_; }
  const catalogue::Catalogue& catalogue() const { return catalogue_; }

  // Keeps the request views current from the case's events.
  absl::Status Handle(const events::ConsumedEvent& event) override;
  // Inside the consumer's deferred-ack scope, Handle queues its write here and completes the
  // event when the batch is written (ADR 0023, 0024). Null: every write is made in Handle.
  void SetBatcher(ViewBatcher* batcher) { batcher_ = batcher; }

 private:
  absl::Status WriteView(ViewWrite write);

  const catalogue::Catalogue& catalogue_;
  RequestStore& store_;
  const events::Topics& topics_;
  events::EventPublisher& publisher_;
  const common::Clock& clock_;
  Open311Options options_;
  channel::RateLimiter* limiter_ = nullptr;
  channel::IdempotencyStore* idempotency_ = nullptr;
  std::unique_ptr<GuardsAdmission> own_admission_;
  SubmitAdmission* admission_ = nullptr;
  vault::ContactVault* vault_ = nullptr;
  ViewBatcher* batcher_ = nullptr;
};

}  // namespace teksin::channel_open311
