#include "routing/redis_case_state.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace teksin::routing {
namespace {

const redis::Script& ResolvedScript() {
  static const redis::Script kScript(R"lua(
-- KEYS: case hash. ARGV: attempt, unit, task, resolved_by, case bytes, ttl seconds
if redis.call('HGET', KEYS[1], 'status') == 'closed' then return 0 end
local cur = tonumber(redis.call('HGET', KEYS[1], 'attempt') or '0')
if tonumber(ARGV[1]) < cur then return 0 end
redis.call('HSET', KEYS[1], 'status', 'resolved', 'attempt', ARGV[1], 'unit', ARGV[2],
           'task', ARGV[3], 'resolved_by', ARGV[4], 'case', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[6])
return 1
)lua");
  return kScript;
}

const redis::Script& ReopenedScript() {
  static const redis::Script kScript(R"lua(
-- KEYS: case hash. ARGV: attempt, unit, task, ttl seconds
if redis.call('HGET', KEYS[1], 'status') == 'closed' then return 0 end
local cur = tonumber(redis.call('HGET', KEYS[1], 'attempt') or '0')
if tonumber(ARGV[1]) <= cur then return 0 end
redis.call('HSET', KEYS[1], 'status', 'routed', 'attempt', ARGV[1], 'unit', ARGV[2], 'task', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'reopen_count', 1)
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
)lua");
  return kScript;
}

}  // namespace

RedisCaseStateStore::RedisCaseStateStore(redis::RedisClient& redis, const std::string& prefix,
                                         int ttl_days)
    : redis_(redis), base_(absl::StrCat(prefix, ":rt:case:")),
      ttl_seconds_(std::to_string(static_cast<int64_t>(ttl_days) * 86400)) {}

absl::StatusOr<std::optional<CaseState>> RedisCaseStateStore::Get(const std::string& case_id) {
  auto r = redis_.Command({"HMGET", Key(case_id), "status", "attempt", "unit", "task", "resolved_by",
                           "case", "reopen_count"});
  if (!r.ok()) return r.status();
  if (r->type == redis::Reply::Type::kError) return absl::UnavailableError("redis: " + r->str);
  if (r->type != redis::Reply::Type::kArray || r->elements.size() != 7 || r->elements[0].is_nil()) {
    return std::nullopt;
  }
  CaseState s;
  s.status = r->elements[0].str;
  (void)absl::SimpleAtoi(r->elements[1].str, &s.attempt);
  s.unit_id = r->elements[2].str;
  s.task_id = r->elements[3].str;
  s.resolved_by = r->elements[4].str;
  if (!r->elements[5].is_nil() && !s.snapshot.ParseFromString(r->elements[5].str)) {
    return absl::DataLossError("stored case does not parse");
  }
  (void)absl::SimpleAtoi(r->elements[6].str, &s.reopen_count);
  return s;
}

absl::Status RedisCaseStateStore::Resolved(const std::string& case_id, const CaseState& state) {
  std::string bytes;
  state.snapshot.SerializeToString(&bytes);
  return redis_
      .Eval(ResolvedScript(), {Key(case_id)},
            {std::to_string(state.attempt), state.unit_id, state.task_id, state.resolved_by, bytes,
             ttl_seconds_})
      .status();
}

absl::Status RedisCaseStateStore::Reopened(const std::string& case_id, int attempt,
                                           const std::string& unit_id, const std::string& task_id) {
  return redis_
      .Eval(ReopenedScript(), {Key(case_id)},
            {std::to_string(attempt), unit_id, task_id, ttl_seconds_})
      .status();
}

absl::Status RedisCaseStateStore::Closed(const std::string& case_id) {
  auto r = redis_.Pipeline({{"HSET", Key(case_id), "status", "closed"},
                            {"EXPIRE", Key(case_id), ttl_seconds_}});
  if (!r.ok()) return r.status();
  for (const auto& reply : *r) {
    if (reply.type == redis::Reply::Type::kError) return absl::UnavailableError("redis: " + reply.str);
  }
  return absl::OkStatus();
}

}  // namespace teksin::routing
