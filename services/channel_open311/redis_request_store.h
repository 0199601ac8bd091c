#pragma once

#include "channel_open311/request_store.h"
#include "redis/client.h"

namespace teksin::channel_open311 {

// One hash per request under "<prefix>:o311:req:<id>" and its history hash "...:history",
// updated by one Lua script (Apply: the view, its listing indexes and the history entry in one
// round trip).
class RedisRequestStore : public RequestStore {
 public:
  RedisRequestStore(redis::RedisClient& redis, std::string prefix)
      : redis_(redis), prefix_(std::move(prefix)) {}
  absl::Status Upsert(const std::string& id, const RequestView& fixed, const RequestView& current,
                      int64_t at_us) override;
  absl::Status Apply(const std::string& id, const RequestView& fixed, const RequestView& current,
                     int64_t at_us, const HistoryEntry& entry) override;
  absl::Status ApplyBatch(const std::vector<ViewWrite>& writes) override;
  absl::StatusOr<std::optional<RequestView>> Get(const std::string& id) override;
  absl::Status AddHistory(const std::string& id, const HistoryEntry& entry) override;
  absl::StatusOr<std::vector<HistoryEntry>> History(const std::string& id) override;
  absl::StatusOr<std::vector<RequestView>> Query(const RequestQuery& query) override;
  absl::StatusOr<std::optional<std::string>> FindByToken(const std::string& token) override;

 private:
  absl::Status Write(const std::string& id, const RequestView& fixed, const RequestView& current,
                     int64_t at_us, const HistoryEntry* entry);
  // The script's KEYS and ARGV for one write.
  void WriteArgs(const std::string& id, const RequestView& fixed, const RequestView& current,
                 int64_t at_us, const HistoryEntry* entry, std::vector<std::string>* keys,
                 std::vector<std::string>* args) const;
  absl::StatusOr<std::vector<std::optional<RequestView>>> GetMany(const std::vector<std::string>& ids);
  std::string Key(const std::string& id) const { return prefix_ + ":o311:req:" + id; }
  redis::RedisClient& redis_;
  std::string prefix_;
};

}  // namespace teksin::channel_open311
