#pragma once

#include <string>

#include "intake/link_store.h"
#include "redis/client.h"

namespace teksin::intake {

// Redis layout under "<prefix>:intake":
//   decision:<contact event id>   string "<kind>\t<case id>\t<tracking code>\t<distance m>",
//                                 SET NX with a TTL: the first decision for a contact stays
//   case:<case id>                hash: the OpenCase fields and closed 0/1; expires
//                                 closed_ttl after the close
//   cit:<citizen key>:<category>  sorted set: the citizen's open case ids by registered time
//   geo:<category>                GEO set: open cases with coordinates
//   geot:<category>               sorted set: the same ids by registered time, to trim geo:<c>
//                                 to the duplicate window
// DecideAndRecord is one Lua script (one round trip per contact, ADR 0024): the recorded decision,
// or the repeat and duplicate searches, the decision's SET and the AddOpen of a registered case.
// Adding, closing and reopening are Lua scripts, so the hash and the indexes move together and a
// replayed AddOpen after a close changes nothing. Close and Reopen derive index keys from the
// hash inside the script (fine on one Redis, not on a cluster).
class RedisLinkStore : public LinkStore {
 public:
  RedisLinkStore(redis::RedisClient& redis, const std::string& prefix,
                 absl::Duration closed_ttl = absl::Hours(24 * 30))
      : redis_(redis), prefix_(prefix + ":intake"), closed_ttl_(closed_ttl) {}

  absl::StatusOr<std::optional<LinkDecision>> GetDecision(const std::string& contact) override;
  absl::StatusOr<LinkDecision> PutDecision(const std::string& contact,
                                           const LinkDecision& decision,
                                           absl::Duration ttl) override;
  absl::StatusOr<std::optional<OpenCase>> OpenOfCitizen(const std::string& citizen_key,
                                                        const std::string& category) override;
  absl::StatusOr<std::optional<NearbyOpen>> FirstOpenNear(const std::string& category, double lat,
                                                          double lon, double radius_m,
                                                          int64_t since_us) override;
  absl::Status AddOpen(const OpenCase& open) override;
  absl::StatusOr<LinkDecision> DecideAndRecord(const DecideRequest& request) override;
  absl::StatusOr<std::vector<LinkDecision>> DecideAndRecordMany(
      const std::vector<DecideRequest>& requests) override;
  absl::Status Close(const std::string& case_id) override;
  absl::Status Reopen(const std::string& case_id, int64_t at_us) override;

 private:
  absl::StatusOr<std::optional<OpenCase>> Load(const std::string& case_id);
  // DecideScript's KEYS and ARGV for a request; false when the script cannot take it.
  bool DecideArgs(const DecideRequest& r, std::vector<std::string>* keys,
                  std::vector<std::string>* args) const;
  redis::RedisClient& redis_;
  std::string prefix_;
  absl::Duration closed_ttl_;
};

}  // namespace teksin::intake
