#include "channel/guards.h"

#include "absl/strings/str_cat.h"

namespace teksin::channel {
namespace {

// The window a hit falls in and the seconds left in it.
std::pair<int64_t, int> Window(absl::Duration window, absl::Time now) {
  int64_t w = std::max<int64_t>(1, absl::ToInt64Seconds(window));
  int64_t t = absl::ToUnixSeconds(now);
  return {t / w, static_cast<int>(w - t % w)};
}

const redis::Script& HitScript() {
  static const redis::Script kScript(R"lua(
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
)lua");
  return kScript;
}

}  // namespace

absl::StatusOr<RateDecision> RedisRateLimiter::Hit(const std::string& key, int limit,
                                                   absl::Duration window, absl::Time now) {
  auto [slot, left] = Window(window, now);
  std::string k = absl::StrCat(prefix_, ":rl:", key, ":", slot);
  auto r = redis_.Eval(HitScript(), {k}, {std::to_string(absl::ToInt64Seconds(window) + 1)});
  if (!r.ok()) return r.status();
  if (r->integer <= limit) return RateDecision{true, 0};
  return RateDecision{false, left};
}

absl::StatusOr<std::optional<std::string>> RedisIdempotencyStore::Get(const std::string& key) {
  auto r = redis_.Command({"GET", absl::StrCat(prefix_, ":idem:", key)});
  if (!r.ok()) return r.status();
  if (r->is_nil()) return std::nullopt;
  return r->str;
}

absl::StatusOr<std::string> RedisIdempotencyStore::Remember(const std::string& key,
                                                            const std::string& answer,
                                                            absl::Duration ttl) {
  std::string k = absl::StrCat(prefix_, ":idem:", key);
  auto r = redis_.Pipeline({{"SET", k, answer, "NX", "EX", std::to_string(absl::ToInt64Seconds(ttl))},
                            {"GET", k}});
  if (!r.ok()) return r.status();
  return (*r)[1].is_nil() ? answer : (*r)[1].str;
}

absl::StatusOr<RateDecision> InMemoryRateLimiter::Hit(const std::string& key, int limit,
                                                      absl::Duration window, absl::Time now) {
  auto [slot, left] = Window(window, now);
  std::lock_guard<std::mutex> lock(mu_);
  int n = ++counts_[absl::StrCat(key, ":", slot)];
  if (n <= limit) return RateDecision{true, 0};
  return RateDecision{false, left};
}

absl::StatusOr<std::optional<std::string>> InMemoryIdempotencyStore::Get(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = answers_.find(key);
  if (it == answers_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<std::string> InMemoryIdempotencyStore::Remember(const std::string& key,
                                                               const std::string& answer,
                                                               absl::Duration) {
  std::lock_guard<std::mutex> lock(mu_);
  return answers_.emplace(key, answer).first->second;
}

}  // namespace teksin::channel
