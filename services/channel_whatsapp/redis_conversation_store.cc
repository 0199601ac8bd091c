#include "channel_whatsapp/redis_conversation_store.h"

#include <algorithm>

#include "common/log.h"

namespace teksin::channel_whatsapp {
namespace {

// KEYS: conversation, idle set. ARGV: citizen key, expected updated_at_us.
const redis::Script& DeleteIfUnchangedScript() {
  static const redis::Script kScript(R"lua(
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 1
end
return 0
)lua");
  return kScript;
}

}  // namespace

absl::StatusOr<std::optional<Conversation>> RedisConversationStore::Get(const std::string& ck) {
  auto r = redis_.Command({"GET", Key(ck)});
  if (!r.ok()) return r.status();
  if (r->is_nil()) return std::nullopt;
  auto c = ConversationFromJson(r->str);
  if (!c.ok()) {
    // A state this version cannot read: start over rather than fail every message.
    common::LogWarn("unreadable conversation dropped",
                    {{"citizen_key", ck}, {"error", c.status().ToString()}});
    return std::nullopt;
  }
  return *c;
}

absl::Status RedisConversationStore::Put(const std::string& ck, const Conversation& c,
                                         absl::Duration ttl) {
  int64_t secs = std::max<int64_t>(1, absl::ToInt64Seconds(ttl));
  auto r = redis_.Pipeline({{"SET", Key(ck), ToJson(c).dump(-1, ' ', false,
                                                           nlohmann::json::error_handler_t::replace),
                             "EX", std::to_string(secs)},
                            {"ZADD", IdleKey(), std::to_string(c.updated_at_us), ck}});
  return r.status();
}

absl::Status RedisConversationStore::Delete(const std::string& ck) {
  return redis_.Pipeline({{"DEL", Key(ck)}, {"ZREM", IdleKey(), ck}}).status();
}

absl::StatusOr<std::vector<std::pair<std::string, Conversation>>> RedisConversationStore::Idle(
    int64_t cutoff_us, int limit) {
  auto keys = redis_.Command({"ZRANGEBYSCORE", IdleKey(), "-inf", std::to_string(cutoff_us),
                              "LIMIT", "0", std::to_string(limit)});
  if (!keys.ok()) return keys.status();
  std::vector<std::pair<std::string, Conversation>> out;
  if (keys->elements.empty()) return out;
  std::vector<std::vector<std::string>> gets;
  for (const auto& k : keys->elements) gets.push_back({"GET", Key(k.str)});
  auto values = redis_.Pipeline(gets);
  if (!values.ok()) return values.status();
  for (size_t i = 0; i < keys->elements.size() && i < values->size(); ++i) {
    const std::string& ck = keys->elements[i].str;
    const auto& v = (*values)[i];
    auto c = v.is_nil() ? absl::StatusOr<Conversation>(absl::NotFoundError("expired"))
                        : ConversationFromJson(v.str);
    if (!c.ok()) {
      // Expired by its TTL (or unreadable): nothing left to report; drop it from the index.
      auto s = redis_.Command({"ZREM", IdleKey(), ck});
      if (!s.ok()) return s.status();
      continue;
    }
    out.emplace_back(ck, std::move(*c));
  }
  return out;
}

absl::StatusOr<bool> RedisConversationStore::DeleteIfUnchanged(const std::string& ck,
                                                               int64_t updated_at_us) {
  auto r = redis_.Eval(DeleteIfUnchangedScript(), {Key(ck), IdleKey()},
                       {ck, std::to_string(updated_at_us)});
  if (!r.ok()) return r.status();
  return r->integer == 1;
}

}  // namespace teksin::channel_whatsapp
