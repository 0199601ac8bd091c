#include "channel_callcenter/contact_guards.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace teksin::channel_callcenter {
namespace {

// KEYS: the rate-limit window's counter, the idempotency key (absent: not asked)
// ARGV: the counter's lifetime in seconds
// RedisRateLimiter's hit (INCR, EXPIRE on the first) and RedisIdempotencyStore's GET.
const redis::Script& AdmitScript() {
  static const redis::Script kScript(R"lua(
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local answer = false
if KEYS[2] then answer = redis.call('GET', KEYS[2]) end
return {n, answer}
)lua");
  return kScript;
}

}  // namespace

ContactAdmission SeparateContactGuards::Admit(const std::string& rate_key, int limit,
                                              absl::Duration window, absl::Time now,
                                              const std::string& idempotency_key) {
  ContactAdmission out;
  out.rate = limiter_.Hit(rate_key, limit, window, now);
  if (!idempotency_key.empty()) out.remembered = idempotency_.Get(idempotency_key);
  return out;
}

ContactRecorded SeparateContactGuards::Record(const std::string& idempotency_key,
                                              const std::string& answer, absl::Duration ttl,
                                              const CaseUpdate* update) {
  ContactRecorded out;
  if (update != nullptr) out.indexed = index_.Apply(*update);
  out.remembered = idempotency_.Remember(idempotency_key, answer, ttl);
  return out;
}

ContactAdmission RedisContactGuards::Admit(const std::string& rate_key, int limit,
                                           absl::Duration window, absl::Time now,
                                           const std::string& idempotency_key) {
  // The window a hit falls in and the seconds left in it, as RedisRateLimiter computes them.
  const int64_t w = std::max<int64_t>(1, absl::ToInt64Seconds(window));
  const int64_t t = absl::ToUnixSeconds(now);
  std::vector<std::string> keys{absl::StrCat(prefix_, ":rl:", rate_key, ":", t / w)};
  if (!idempotency_key.empty()) keys.push_back(absl::StrCat(prefix_, ":idem:", idempotency_key));
  ContactAdmission out;
  auto r = redis_.Eval(AdmitScript(), keys, {std::to_string(absl::ToInt64Seconds(window) + 1)});
  if (!r.ok()) {
    out.rate = r.status();
    out.remembered = r.status();
    return out;
  }
  if (r->elements.size() != 2) {
    absl::Status bad = absl::InternalError("redis contact guards: unexpected reply");
    out.rate = bad;
    out.remembered = bad;
    return out;
  }
  const long long hits = r->elements[0].integer;
  if (hits <= limit) {
    out.rate = channel::RateDecision{true, 0};
  } else {
    out.rate = channel::RateDecision{false, static_cast<int>(w - t % w)};
  }
  if (!r->elements[1].is_nil()) out.remembered = std::optional<std::string>(r->elements[1].str);
  return out;
}

ContactRecorded RedisContactGuards::Record(const std::string& idempotency_key,
                                           const std::string& answer, absl::Duration ttl,
                                           const CaseUpdate* update) {
  ContactRecorded out;
  const std::string key = absl::StrCat(prefix_, ":idem:", idempotency_key);
  std::vector<std::vector<std::string>> cmds;
  if (update != nullptr) {
    auto cmd = index_.ApplyCommand({*update});
    if (cmd.ok()) {
      cmds.push_back(std::move(*cmd));
    } else {
      out.indexed = cmd.status();
      update = nullptr;
    }
  }
  // RedisIdempotencyStore::Remember's commands.
  cmds.push_back({"SET", key, answer, "NX", "EX", std::to_string(absl::ToInt64Seconds(ttl))});
  cmds.push_back({"GET", key});
  auto replies = redis_.Pipeline(cmds);
  if (!replies.ok()) {
    if (update != nullptr) out.indexed = replies.status();
    out.remembered = replies.status();
    return out;
  }
  const redis::Reply& got = replies->back();
  if (got.type == redis::Reply::Type::kError) {
    out.remembered = absl::UnavailableError(absl::StrCat("redis: ", got.str));
  } else {
    out.remembered = got.is_nil() ? answer : got.str;
  }
  if (update != nullptr) {
    const redis::Reply& indexed = replies->front();
    if (indexed.type == redis::Reply::Type::kError) {
      // Not loaded on this server yet (the first registration after a restart): Apply loads it.
      out.indexed = indexed.str.rfind("NOSCRIPT", 0) == 0
                        ? index_.Apply(*update)
                        : absl::UnavailableError(absl::StrCat("redis case index: ", indexed.str));
    }
  }
  return out;
}

}  // namespace teksin::channel_callcenter
