// The Open311 GeoReport v2 channel: the Teksin app and web form. A request is accepted (201)
// only after Kafka acknowledged its contact event, so an accepted case is never lost.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "catalogue/catalogue.h"
#include "channel/guards.h"
#include "channel_open311/request_store.h"
#include "common/time_util.h"
#include "events/events.h"
#include "events/topics.h"

namespace teksin::channel_open311 {

struct Open311Options {
  std::set<std::string> api_keys;  // empty: no key required (development only)
  std::string citizen_key_secret;  // HMAC key for the citizen key
  std::string jurisdiction_id = "mersin.bel.tr";
  int client_limit_per_minute = 600;  // per api_key
  int citizen_limit_per_hour = 20;    // per citizen key (phone)
  absl::Duration idempotency_ttl = absl::Hours(24);
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

  // Rate limits and idempotency; without them (unit tests) neither applies.
  void SetGuards(channel::RateLimiter* limiter, channel::IdempotencyStore* idempotency) {
    limiter_ = limiter;
    idempotency_ = idempotency;
  }

  // InvalidArgument (400), PermissionDenied (403), ResourceExhausted (429, payload
  // "retry-after" in seconds), Unavailable (503: Kafka did not acknowledge). The parameter
  // "idempotency_key" (the Idempotency-Key header) makes a retried POST return the first answer.
  absl::StatusOr<Accepted> Submit(const Params& params);
  absl::StatusOr<std::optional<RequestView>> Find(const std::string& service_request_id);
  absl::StatusOr<std::vector<RequestView>> Query(const RequestQuery& query);
  absl::StatusOr<std::vector<HistoryEntry>> History(const std::string& service_request_id);
  absl::StatusOr<std::optional<std::string>> FindByToken(const std::string& token);
  const Open311Options& options() const { return options_; }
  const catalogue::Catalogue& catalogue() const { return catalogue_; }

  // Keeps the request views current from the case's events.
  absl::Status Handle(const events::ConsumedEvent& event) override;

 private:
  const catalogue::Catalogue& catalogue_;
  RequestStore& store_;
  const events::Topics& topics_;
  events::EventPublisher& publisher_;
  const common::Clock& clock_;
  Open311Options options_;
  channel::RateLimiter* limiter_ = nullptr;
  channel::IdempotencyStore* idempotency_ = nullptr;
};

}  // namespace teksin::channel_open311
