#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "channel_open311/request_store.h"
#include "redis/client.h"

namespace teksin::channel_open311 {

// The batch script's ARGV for `writes` (in batch order), with their history entries when
// `history` is set: the writes of each request coalesced in C++ (ADR 0028). Per request, in the
// order of its first write: the id; the names and the values of its fixed fields other than
// requested_us, service_code and case_id, two arguments of "<length>:<bytes>" items in the names'
// byte order; k, (key field, value) * k for those three; each fixed field once, from its first
// writer; c, (at_us, f, (field, value) * f) * c: only the writes as new as every earlier write of
// the request in the batch (so their at_us never decrease), each without the fields a later one
// of them writes again; h, ("_h:<event id>", history value) * h.
std::vector<std::string> ViewBatchArgs(const std::string& prefix,
                                       const std::vector<const ViewWrite*>& writes, bool history);
// The same arguments as views into the writes and into strings the batch owns (no copies of the
// fields), appended to `out.args`.
struct ViewBatch {
  std::vector<std::string_view> args;
  std::deque<std::string> owned;  // stable addresses
  std::string_view Own(std::string s) { return owned.emplace_back(std::move(s)); }
  std::string_view Number(int64_t n);
};
void AppendViewBatchArgs(const std::string& prefix, const std::vector<const ViewWrite*>& writes,
                         bool history, ViewBatch& out);

// One hash per request under "<prefix>:o311:req:<id>" holding the view, its fixed fields packed
// and its history entries (ADR 0028; views written before keep their fixed fields one by one and
// their history in "...:history", and are read and written in that layout), updated by one Lua
// script per batch of events (ApplyBatch; Apply and Upsert are a batch of one): the views, their
// listing indexes, tokens and history entries in one round trip.
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
