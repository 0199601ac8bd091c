// The Open311 view of each service request, kept current from the case's events so that
// GET requests/{id} answers without asking other services.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace teksin::channel_open311 {

// Fields as Open311 GeoReport v2 names them, plus "detailed_status" and "case_id".
using RequestView = std::map<std::string, std::string>;

// One status change as the citizen sees it (the extensions' status history).
struct HistoryEntry {
  std::string event_id;
  int64_t at_us = 0;
  std::string status;  // detailed status: received, registered, routed, ...
  std::string note;
};

// GET requests: the spec's filters plus the paging extension.
struct RequestQuery {
  std::vector<std::string> ids;  // service_request_id list; when set, other filters still apply
  std::string service_code;
  std::string status;  // "open" | "closed" | "" (both)
  absl::Time start = absl::InfinitePast(), end = absl::InfiniteFuture();  // requested_datetime
  size_t limit = 1000;
  size_t offset = 0;
};

// One event's write to the view: Upsert's arguments and the history entry (RequestStore::Apply).
struct ViewWrite {
  std::string request_id;
  RequestView fixed, current;
  int64_t at_us = 0;
  HistoryEntry entry;
};

class RequestStore {
 public:
  virtual ~RequestStore() = default;
  // fixed: set once (first writer wins); current: replaced only by a newer update (at_us).
  virtual absl::Status Upsert(const std::string& request_id, const RequestView& fixed,
                              const RequestView& current, int64_t at_us) = 0;
  virtual absl::StatusOr<std::optional<RequestView>> Get(const std::string& request_id) = 0;
  // Idempotent by event id; entries come back in time order.
  virtual absl::Status AddHistory(const std::string& request_id, const HistoryEntry& entry) = 0;
  // Upsert, then AddHistory: what the projection does for each event (Redis: one round trip).
  virtual absl::Status Apply(const std::string& request_id, const RequestView& fixed,
                             const RequestView& current, int64_t at_us, const HistoryEntry& entry) {
    if (absl::Status s = Upsert(request_id, fixed, current, at_us); !s.ok()) return s;
    return AddHistory(request_id, entry);
  }
  // Apply for each write, in order (Redis: one pipelined round trip). Writing a batch again
  // changes nothing, so a failed batch is simply retried.
  virtual absl::Status ApplyBatch(const std::vector<ViewWrite>& writes) {
    for (const auto& w : writes) {
      if (absl::Status s = Apply(w.request_id, w.fixed, w.current, w.at_us, w.entry); !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }
  virtual absl::StatusOr<std::vector<HistoryEntry>> History(const std::string& request_id) = 0;
  // Newest first by requested time.
  virtual absl::StatusOr<std::vector<RequestView>> Query(const RequestQuery& query) = 0;
  // The service_request_id behind a token (the case id returned at POST).
  virtual absl::StatusOr<std::optional<std::string>> FindByToken(const std::string& token) = 0;
};

class InMemoryRequestStore : public RequestStore {
 public:
  absl::Status Upsert(const std::string& id, const RequestView& fixed, const RequestView& current,
                      int64_t at_us) override;
  absl::StatusOr<std::optional<RequestView>> Get(const std::string& id) override;
  absl::Status AddHistory(const std::string& id, const HistoryEntry& entry) override;
  absl::StatusOr<std::vector<HistoryEntry>> History(const std::string& id) override;
  absl::StatusOr<std::vector<RequestView>> Query(const RequestQuery& query) override;
  absl::StatusOr<std::optional<std::string>> FindByToken(const std::string& token) override;

 private:
  std::mutex mu_;
  std::map<std::string, std::pair<RequestView, int64_t>> views_;
  std::map<std::string, std::map<std::string, HistoryEntry>> history_;
};

// Whether a view passes the query's filters other than ids, time and paging.
bool Matches(const RequestView& view, const RequestQuery& query);
// requested_datetime of a view (the "requested_us" field), for ordering and time filters.
int64_t RequestedUs(const RequestView& view);

}  // namespace teksin::channel_open311
