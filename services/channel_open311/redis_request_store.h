#pragma once

#include "channel_open311/request_store.h"
#include "redis/client.h"

namespace teksin::channel_open311 {

// The batch script's ARGV for `writes` (in batch order), with their history entries when
// `history` is set: the writes of each request coalesced in C++ (ADR 0028). Per request, in the
// order of its first write: the id; the fixed fields' names and their values, each of the two an
// argument of "<length>:<bytes>" items in the names' byte order, each field once, from its first
// writer; c, (at_us, k, (field, value) * k) * c: only the writes as new as every earlier write of
// the request in the batch (so their at_us never decrease), each without the fields a later one
// of them writes again; h, (event id, history value) * h.
std::vector<std::string> ViewBatchArgs(const std::string& prefix,
                                       const std::vector<const ViewWrite*>& writes, bool history);
// The same, appended to `args`.
void AppendViewBatchArgs(const std::string& prefix, const std::vector<const ViewWrite*>& writes,
                         bool history, std::vector<std::string>& args);

// One hash per request under "<prefix>:o311:req:<id>" and its history hash "...:history",
// updated by one Lua script per batch of events (ApplyBatch; Apply and Upsert are a batch of
// one): the views, their listing indexes, tokens and history entries in one round trip.
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
  absl::Status Write(const std::vector<const ViewWrite*>& writes, bool history);
  absl::StatusOr<std::vector<std::optional<RequestView>>> GetMany(const std::vector<std::string>& ids);
  std::string Key(const std::string& id) const { return prefix_ + ":o311:req:" + id; }
  redis::RedisClient& redis_;
  std::string prefix_;
};

}  // namespace teksin::channel_open311
