// The Open311 view of each service request, kept current from the case's events so that
// GET requests/{id} answers without asking other services.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace teksin::channel_open311 {

// Fields as Open311 GeoReport v2 names them, plus "detailed_status" and "case_id".
using RequestView = std::map<std::string, std::string>;

class RequestStore {
 public:
  virtual ~RequestStore() = default;
  // fixed: set once (first writer wins); current: replaced only by a newer update (at_us).
  virtual absl::Status Upsert(const std::string& request_id, const RequestView& fixed,
                              const RequestView& current, int64_t at_us) = 0;
  virtual absl::StatusOr<std::optional<RequestView>> Get(const std::string& request_id) = 0;
};

class InMemoryRequestStore : public RequestStore {
 public:
  absl::Status Upsert(const std::string& id, const RequestView& fixed, const RequestView& current,
                      int64_t at_us) override;
  absl::StatusOr<std::optional<RequestView>> Get(const std::string& id) override;

 private:
  std::mutex mu_;
  std::map<std::string, std::pair<RequestView, int64_t>> views_;
};

}  // namespace teksin::channel_open311
