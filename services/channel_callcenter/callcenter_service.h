// The call centre and walk-in desk channel: every contact an operator or desk clerk handles is
// logged (and acknowledged by Kafka) with its outcome; cases get their id and tracking code here,
// so the caller hears them before intake runs. A case index kept from the case topics answers
// "what has this caller asked before" and "is this already reported nearby".
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "catalogue/catalogue.h"
#include "channel/guards.h"
#include "channel_callcenter/case_index.h"
#include "channel_callcenter/contact_guards.h"
#include "channel_callcenter/index_batcher.h"
#include "common/time_util.h"
#include "events/events.h"
#include "events/topics.h"
#include "geo/district_locator.h"
#include "metrics/registry.h"
#include "teksin/v1/callcenter_service.pb.h"
#include "vault/contact_vault.h"

namespace teksin::channel_callcenter {

inline constexpr char kServiceName[] = "channel_callcenter";
// <prefix>.channel.callcenter.contacts.v1
inline constexpr char kChannelTopicName[] = "callcenter";
// The payload a RESOURCE_EXHAUSTED status carries: seconds until the operator may call again.
inline constexpr char kRetryAfterPayload[] = "type.teksin.dev/retry-after";

struct CallCenterOptions {
  std::string citizen_key_secret;
  int rate_limit = 120;  // calls per operator (or desk) and window, every RPC counted
  absl::Duration rate_window = absl::Seconds(60);
  absl::Duration idempotency_ttl = absl::Hours(24);
};

struct ContactAnswer {
  v1::LogContactResponse response;
  bool replayed = false;  // the remembered answer to an earlier call with the same key
};

class CallCenterService : public events::EventHandler {
 public:
  CallCenterService(const catalogue::Catalogue& catalogue, const geo::DistrictLocator& districts,
                    CaseIndex& index, channel::RateLimiter& limiter,
                    channel::IdempotencyStore& idempotency, const events::Topics& topics,
                    events::EventPublisher& publisher, const common::Clock& clock,
                    metrics::Registry& registry, CallCenterOptions options);

  // InvalidArgument (bad input; nothing published), ResourceExhausted (over the rate; carries
  // kRetryAfterPayload), Unavailable (Kafka or Redis did not answer: retry with the same key).
  absl::StatusOr<ContactAnswer> LogContact(const v1::LogContactRequest& request);
  absl::StatusOr<ContactAnswer> RegisterCase(const v1::RegisterCaseRequest& request);
  absl::StatusOr<v1::LookupCallerResponse> LookupCaller(const v1::LookupCallerRequest& request);
  absl::StatusOr<v1::FindNearbyOpenCasesResponse> FindNearbyOpenCases(
      const v1::FindNearbyOpenCasesRequest& request);

  // Feedback on the caller's resolved case (see callcenter_service.proto).
  absl::StatusOr<v1::RecordFeedbackResponse> RecordFeedback(const v1::RecordFeedbackRequest& request);
  // LogContact's rate-limit hit and idempotency read in one round trip, and after publishing its
  // answer remembered and its case indexed in another (RedisContactGuards); by default the
  // limiter, the idempotency store and the index given to the constructor, one after the other.
  void SetGuards(ContactGuards* guards) { guards_ = guards != nullptr ? guards : &own_guards_; }
  // Where RegisterCase stores the caller's number for notifications (SMS); null: nowhere.
  void SetVault(vault::ContactVault* vault) { vault_ = vault; }

  // The case index projection: channel contacts, intake cases, routing decisions and
  // department updates.
  absl::Status Handle(const events::ConsumedEvent& event) override;
  // In the projection's consumer, Handle queues each update here (written in batches, the event
  // completed once its batch is in the index); elsewhere, and with none set, it writes at once.
  void SetBatcher(IndexBatcher* batcher) { batcher_ = batcher; }
  // Counts an update written to the index (the batcher calls it once its batch is written).
  void CountProjected(const CaseUpdate& update);

  // "Tarsus", "TARSUS", "tarsus", "yenisehir", "YENİŞEHİR" -> the boundary file's spelling.
  std::optional<std::string> CanonicalDistrict(const std::string& name) const;

 private:
  absl::StatusOr<ContactAnswer> Log(const v1::LogContactRequest& request);
  // The index update an event makes (nullopt: the event changes no case in the index).
  static std::optional<CaseUpdate> UpdateFor(const v1::Envelope& env);
  // The operator or desk behind a request ("op:<id>" / "desk:<id>"), checked.
  absl::StatusOr<std::string> Caller(const std::string& operator_id, const std::string& desk_id);
  absl::Status Admit(const std::string& actor);
  absl::Status Admitted(const std::string& actor,
                        const absl::StatusOr<channel::RateDecision>& decision);
  v1::CallCenterCase ToProto(const CaseRecord& r) const;
  absl::Status CountError(const std::string& rpc, const absl::Status& s);

  const catalogue::Catalogue& catalogue_;
  const geo::DistrictLocator& districts_;
  CaseIndex& index_;
  channel::RateLimiter& limiter_;
  channel::IdempotencyStore& idempotency_;
  const events::Topics& topics_;
  events::EventPublisher& publisher_;
  const common::Clock& clock_;
  CallCenterOptions options_;
  std::map<std::string, std::string> district_by_fold_;
  metrics::Family<metrics::Counter>& contacts_;
  metrics::Family<metrics::Counter>& replays_;
  metrics::Family<metrics::Counter>& lookups_;
  metrics::Family<metrics::Counter>& errors_;
  metrics::Family<metrics::Counter>& projected_;
  vault::ContactVault* vault_ = nullptr;
  IndexBatcher* batcher_ = nullptr;
  SeparateContactGuards own_guards_;
  ContactGuards* guards_ = &own_guards_;
};

// Turkish-aware folding for matching names: lower case, ç→c ğ→g ı/İ→i ö→o ş→s ü→u, â→a î→i
// û→u, spaces and dashes dropped.
std::string FoldTurkish(std::string_view s);

}  // namespace teksin::channel_callcenter
