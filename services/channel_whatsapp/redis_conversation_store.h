#pragma once

#include "channel_whatsapp/conversation.h"
#include "redis/client.h"

namespace teksin::channel_whatsapp {

// One JSON string per conversation under "<prefix>:wa:conv:<citizen key>" with a TTL, and a sorted
// set "<prefix>:wa:idle" (citizen key scored by the last message's time) for the abandonment
// sweep.
class RedisConversationStore : public ConversationStore {
 public:
  RedisConversationStore(redis::RedisClient& redis, std::string prefix)
      : redis_(redis), prefix_(std::move(prefix)) {}
  absl::StatusOr<std::optional<Conversation>> Get(const std::string& citizen_key) override;
  absl::Status Put(const std::string& citizen_key, const Conversation& c, absl::Duration ttl) override;
  absl::Status Delete(const std::string& citizen_key) override;
  absl::StatusOr<std::vector<std::pair<std::string, Conversation>>> Idle(int64_t cutoff_us,
                                                                         int limit) override;
  absl::StatusOr<bool> DeleteIfUnchanged(const std::string& citizen_key,
                                         int64_t updated_at_us) override;

 private:
  std::string Key(const std::string& ck) const { return prefix_ + ":wa:conv:" + ck; }
  std::string IdleKey() const { return prefix_ + ":wa:idle"; }
  redis::RedisClient& redis_;
  std::string prefix_;
};

}  // namespace teksin::channel_whatsapp
