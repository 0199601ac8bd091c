#include "channel_open311/admission.h"

#include <vector>

#include "absl/strings/str_cat.h"

namespace teksin::channel_open311 {
namespace {

// As libs/channel's limiters count: fixed windows aligned to the clock.
std::pair<int64_t, int> Window(absl::Duration window, absl::Time now) {
  int64_t w = std::max<int64_t>(1, absl::ToInt64Seconds(window));
  int64_t t = absl::ToUnixSeconds(now);
  return {t / w, static_cast<int>(w - t % w)};
}

// KEYS: idempotency key, client limit key, citizen limit key, tracking key ('' = not used; the
//       caller passes the key only when it applies, and a placeholder otherwise)
// ARGV: use idempotency, use client, client limit, client expiry s, use citizen, citizen limit,
//       citizen expiry s, use tracking, case id, tracking ttl s
// Returns {'replay', answer} | {'refused', 'client'|'citizen'} | {'ok', tracking owner}
const redis::Script& AdmitScript() {
  static const redis::Script kScript(R"lua(
if ARGV[1] == '1' then
  local seen = redis.call('GET', KEYS[1])
  if seen then return {'replay', seen} end
end
local function hit(key, limit, expiry)
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('EXPIRE', key, expiry) end
  return n <= tonumber(limit)
end
if ARGV[2] == '1' and not hit(KEYS[2], ARGV[3], ARGV[4]) then return {'refused', 'client'} end
if ARGV[5] == '1' and not hit(KEYS[3], ARGV[6], ARGV[7]) then return {'refused', 'citizen'} end
local owner = ''
if ARGV[8] == '1' then
  redis.call('SET', KEYS[4], ARGV[9], 'NX', 'EX', ARGV[10])
  owner = redis.call('GET', KEYS[4]) or ARGV[9]
end
return {'ok', owner}
)lua");
  return kScript;
}

}  // namespace

absl::StatusOr<AdmitResult> GuardsAdmission::Admit(const AdmitRequest& r) {
  AdmitResult out;
  if (idempotency_ != nullptr && !r.idempotency_key.empty()) {
    auto seen = idempotency_->Get(r.idempotency_key);
    if (!seen.ok()) return seen.status();
    if (seen->has_value()) {
      out.replay = **seen;
      return out;
    }
  }
  if (limiter_ != nullptr) {
    for (const auto* check : {&r.client, &r.citizen}) {
      if (check->key.empty()) continue;
      auto d = limiter_->Hit(check->key, check->limit, check->window, r.now);
      if (!d.ok()) return d.status();
      if (!d->allowed) {
        out.refused = true;
        out.refused_by = check == &r.client ? "client" : "citizen";
        out.retry_after_seconds = d->retry_after_seconds;
        return out;
      }
    }
  }
  if (idempotency_ != nullptr && !r.tracking_key.empty()) {
    auto owner = idempotency_->Remember(r.tracking_key, r.case_id, r.tracking_ttl);
    if (!owner.ok()) return owner.status();
    out.tracking_owner = *owner;
  }
  return out;
}

absl::StatusOr<AdmitResult> RedisAdmission::Admit(const AdmitRequest& r) {
  const std::string idem = absl::StrCat(prefix_, ":idem:");
  const std::string rl = absl::StrCat(prefix_, ":rl:");
  std::vector<std::string> keys{absl::StrCat(idem, r.idempotency_key), rl, rl,
                                absl::StrCat(idem, r.tracking_key)};
  std::vector<std::string> args{r.idempotency_key.empty() ? "0" : "1"};
  int retry[2] = {0, 0};
  int i = 0;
  for (const auto* check : {&r.client, &r.citizen}) {
    auto [slot, left] = Window(check->window, r.now);
    retry[i] = left;
    if (!check->key.empty()) keys[1 + i] = absl::StrCat(rl, check->key, ":", slot);
    args.push_back(check->key.empty() ? "0" : "1");
    args.push_back(std::to_string(check->limit));
    args.push_back(std::to_string(absl::ToInt64Seconds(check->window) + 1));
    ++i;
  }
  args.push_back(r.tracking_key.empty() ? "0" : "1");
  args.push_back(r.case_id);
  args.push_back(std::to_string(std::max<int64_t>(1, absl::ToInt64Seconds(r.tracking_ttl))));
  auto reply = redis_.Eval(AdmitScript(), keys, args);
  if (!reply.ok()) return reply.status();
  if (reply->elements.size() != 2) return absl::InternalError("redis admit: unexpected reply");
  const std::string& kind = reply->elements[0].str;
  AdmitResult out;
  if (kind == "replay") {
    out.replay = reply->elements[1].str;
  } else if (kind == "refused") {
    out.refused = true;
    out.refused_by = reply->elements[1].str;
    out.retry_after_seconds = retry[out.refused_by == "client" ? 0 : 1];
  } else {
    out.tracking_owner = reply->elements[1].str;
  }
  return out;
}

}  // namespace teksin::channel_open311
