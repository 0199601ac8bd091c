// Citizen feedback on the tip line: after a citizen's case is resolved, a short reply rates it
// ("1".."5"), confirms it ("tamam", "teşekkürler") or reopens it ("tekrar aç", "çözülmedi").
// The channel learns which of a citizen's cases was resolved from routing's decisions (its own
// projection group) and keeps the last one per citizen key.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "events/events.h"
#include "redis/client.h"
#include "teksin/v1/citizen_events.pb.h"

namespace teksin::channel_whatsapp {

struct ParsedFeedback {
  v1::FeedbackKind kind = v1::FEEDBACK_KIND_UNSPECIFIED;
  int rating = 0;  // 1..5 for RATE
};

// What a reply means as feedback, after Turkish folding ("TEKRAR AÇ", "tekrar ac", "Çözülmedi!");
// nullopt when it is not one of the feedback words.
std::optional<ParsedFeedback> ParseFeedback(const std::string& text);

struct ResolvedCase {
  std::string case_id, tracking_code;
  int64_t resolved_at_us = 0;
};

class ResolvedCaseStore {
 public:
  virtual ~ResolvedCaseStore() = default;
  // Keeps the case as the citizen's last resolved one, unless a later resolution is stored.
  virtual absl::Status Put(const std::string& citizen_key, const ResolvedCase& c, absl::Duration ttl) = 0;
  virtual absl::StatusOr<std::optional<ResolvedCase>> Get(const std::string& citizen_key) = 0;
  // Forgets the citizen's resolved case if it is `case_id` (closed, reopened, or answered).
  virtual absl::Status Forget(const std::string& citizen_key, const std::string& case_id) = 0;
};

// "<prefix>:wa:resolved:<citizen key>" → JSON, with a TTL (the feedback window).
class RedisResolvedCaseStore : public ResolvedCaseStore {
 public:
  RedisResolvedCaseStore(redis::RedisClient& redis, std::string prefix)
      : redis_(redis), prefix_(std::move(prefix)) {}
  absl::Status Put(const std::string& citizen_key, const ResolvedCase& c, absl::Duration ttl) override;
  absl::StatusOr<std::optional<ResolvedCase>> Get(const std::string& citizen_key) override;
  absl::Status Forget(const std::string& citizen_key, const std::string& case_id) override;

 private:
  std::string Key(const std::string& ck) const { return prefix_ + ":wa:resolved:" + ck; }
  redis::RedisClient& redis_;
  std::string prefix_;
};

class InMemoryResolvedCaseStore : public ResolvedCaseStore {
 public:
  absl::Status Put(const std::string& citizen_key, const ResolvedCase& c, absl::Duration ttl) override;
  absl::StatusOr<std::optional<ResolvedCase>> Get(const std::string& citizen_key) override;
  absl::Status Forget(const std::string& citizen_key, const std::string& case_id) override;

 private:
  std::mutex mu_;
  std::map<std::string, ResolvedCase> cases_;
};

// The projection: CaseResolved of a WhatsApp case → the citizen's resolved case; CaseClosed and
// CaseReopened of that case → forgotten. Other events are skipped.
class ResolvedCaseProjection : public events::EventHandler {
 public:
  ResolvedCaseProjection(ResolvedCaseStore& store, absl::Duration window)
      : store_(store), window_(window) {}
  absl::Status Handle(const events::ConsumedEvent& event) override;

 private:
  ResolvedCaseStore& store_;
  absl::Duration window_;
};

}  // namespace teksin::channel_whatsapp
