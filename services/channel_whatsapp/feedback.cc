#include "channel_whatsapp/feedback.h"

#include "absl/strings/ascii.h"
#include "common/time_util.h"
#include "common/turkish_text.h"
#include "nlohmann/json.hpp"

namespace teksin::channel_whatsapp {
namespace {

// Drops what people add around a short reply: punctuation, emoji, spaces at either end.
std::string Core(const std::string& folded) {
  size_t b = 0, e = folded.size();
  auto keep = [](unsigned char c) { return std::isalnum(c); };
  while (b < e && !keep(folded[b])) ++b;
  while (e > b && !keep(folded[e - 1])) --e;
  return folded.substr(b, e - b);
}

const redis::Script& PutScript() {
  // Replace only with a resolution at least as recent as the stored one.
  static const redis::Script kScript(R"lua(
local cur = redis.call('GET', KEYS[1])
if cur then
  local ok, old = pcall(cjson.decode, cur)
  if ok and tonumber(old['at']) and tonumber(old['at']) > tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
)lua");
  return kScript;
}

const redis::Script& ForgetScript() {
  static const redis::Script kScript(R"lua(
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local ok, old = pcall(cjson.decode, cur)
if ok and old['case_id'] == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0
)lua");
  return kScript;
}

}  // namespace

std::optional<ParsedFeedback> ParseFeedback(const std::string& text) {
  const std::string k = Core(common::MatchKey(text));
  if (k.size() == 1 && k[0] >= '1' && k[0] <= '5') {
    return ParsedFeedback{v1::FEEDBACK_KIND_RATE, k[0] - '0'};
  }
  static const std::map<std::string, v1::FeedbackKind> kWords = {
      {"tekrar ac", v1::FEEDBACK_KIND_REOPEN},     {"yeniden ac", v1::FEEDBACK_KIND_REOPEN},
      {"cozulmedi", v1::FEEDBACK_KIND_REOPEN},     {"cozulmemis", v1::FEEDBACK_KIND_REOPEN},
      {"tamam", v1::FEEDBACK_KIND_CONFIRM},        {"tesekkurler", v1::FEEDBACK_KIND_CONFIRM},
      {"tesekkur ederim", v1::FEEDBACK_KIND_CONFIRM}, {"cozuldu", v1::FEEDBACK_KIND_CONFIRM},
      {"sagolun", v1::FEEDBACK_KIND_CONFIRM},      {"sag olun", v1::FEEDBACK_KIND_CONFIRM},
  };
  auto it = kWords.find(k);
  if (it == kWords.end()) return std::nullopt;
  return ParsedFeedback{it->second, 0};
}

absl::Status RedisResolvedCaseStore::Put(const std::string& ck, const ResolvedCase& c,
                                         absl::Duration ttl) {
  nlohmann::json j = {{"case_id", c.case_id}, {"tracking_code", c.tracking_code},
                      {"at", c.resolved_at_us}};
  auto r = redis_.Eval(PutScript(), {Key(ck)},
                       {j.dump(), std::to_string(c.resolved_at_us),
                        std::to_string(std::max<int64_t>(1, absl::ToInt64Seconds(ttl)))});
  return r.ok() ? absl::OkStatus() : r.status();
}

absl::StatusOr<std::optional<ResolvedCase>> RedisResolvedCaseStore::Get(const std::string& ck) {
  auto r = redis_.Command({"GET", Key(ck)});
  if (!r.ok()) return r.status();
  if (r->is_nil()) return std::nullopt;
  auto j = nlohmann::json::parse(r->str, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return std::optional<ResolvedCase>(ResolvedCase{j.value("case_id", ""), j.value("tracking_code", ""),
                                                  j.value("at", int64_t{0})});
}

absl::Status RedisResolvedCaseStore::Forget(const std::string& ck, const std::string& case_id) {
  auto r = redis_.Eval(ForgetScript(), {Key(ck)}, {case_id});
  return r.ok() ? absl::OkStatus() : r.status();
}

absl::Status InMemoryResolvedCaseStore::Put(const std::string& ck, const ResolvedCase& c, absl::Duration) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cases_.find(ck);
  if (it != cases_.end() && it->second.resolved_at_us > c.resolved_at_us) return absl::OkStatus();
  cases_[ck] = c;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ResolvedCase>> InMemoryResolvedCaseStore::Get(const std::string& ck) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cases_.find(ck);
  if (it == cases_.end()) return std::nullopt;
  return std::optional<ResolvedCase>(it->second);
}

absl::Status InMemoryResolvedCaseStore::Forget(const std::string& ck, const std::string& case_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cases_.find(ck);
  if (it != cases_.end() && it->second.case_id == case_id) cases_.erase(it);
  return absl::OkStatus();
}

absl::Status ResolvedCaseProjection::Handle(const events::ConsumedEvent& event) {
  const v1::Envelope& env = event.envelope;
  const v1::Case* c = nullptr;
  switch (env.payload_case()) {
    case v1::Envelope::kCaseResolved:
      c = &env.case_resolved().case_();
      if (c->channel() != v1::CHANNEL_WHATSAPP || c->citizen_key().empty()) return absl::OkStatus();
      return store_.Put(c->citizen_key(),
                        {c->case_id(), c->tracking_code(),
                         absl::ToUnixMicros(common::FromProto(env.occurred_at()))},
                        window_);
    case v1::Envelope::kCaseClosed:
      c = &env.case_closed().case_();
      break;
    case v1::Envelope::kCaseReopened:
      c = &env.case_reopened().case_();
      break;
    default:
      return absl::OkStatus();
  }
  if (c->channel() != v1::CHANNEL_WHATSAPP || c->citizen_key().empty()) return absl::OkStatus();
  return store_.Forget(c->citizen_key(), c->case_id());
}

}  // namespace teksin::channel_whatsapp
