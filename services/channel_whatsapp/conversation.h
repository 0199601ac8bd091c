// A citizen's conversation with the tip line while the dialogue collects what, where (and maybe a
// photo): its state, and where it is kept between messages (Redis in production, keyed by the
// citizen key — never by the phone number).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace teksin::channel_whatsapp {

struct Conversation {
  // Assigned when the conversation starts, so that a retried or replayed completion publishes the
  // same event, case id and tracking code again (consumers dedupe by event id).
  std::string conversation_id, case_id, tracking_code, event_id;
  int64_t started_at_us = 0;  // when the citizen sent the first message
  int64_t updated_at_us = 0;  // last message handled; the abandonment sweep compares it

  std::string text;      // what the problem is, as the citizen wrote it (captions included)
  std::string category;  // service code from the catalogue, chosen by the citizen
  bool has_coordinates = false;
  double lat = 0, lon = 0;
  std::string address;   // location name/address from WhatsApp, or an address typed
  std::string district;  // one of the 13, when typed instead of a shared location
  std::vector<std::string> media_ids;  // images, in order

  // Dialogue position: what was asked last and which list rows were offered (a typed number picks
  // a row when a client cannot show lists).
  std::string awaiting;  // "", "text", "category", "location"
  int group = -1;        // the catalogue group whose categories are being shown
  int page = 0;          // page of the group list
  bool browse = false;   // the citizen asked for all topics instead of the suggestions
  std::vector<std::string> menu;
  std::string last_message_id;  // MessageRef of the last message: a replay is not applied twice
  int messages = 0;

  bool HasLocation() const { return has_coordinates || !district.empty(); }
};

nlohmann::json ToJson(const Conversation& c);
absl::StatusOr<Conversation> ConversationFromJson(const std::string& text);

class ConversationStore {
 public:
  virtual ~ConversationStore() = default;
  virtual absl::StatusOr<std::optional<Conversation>> Get(const std::string& citizen_key) = 0;
  // Keeps the conversation for `ttl` and indexes it by updated_at_us for the abandonment sweep.
  virtual absl::Status Put(const std::string& citizen_key, const Conversation& c,
                           absl::Duration ttl) = 0;
  virtual absl::Status Delete(const std::string& citizen_key) = 0;
  // Conversations whose last message is older than `cutoff_us`, oldest first, at most `limit`.
  virtual absl::StatusOr<std::vector<std::pair<std::string, Conversation>>> Idle(int64_t cutoff_us,
                                                                                 int limit) = 0;
  // Deletes the conversation only if nothing happened in it since `updated_at_us`; true if deleted.
  virtual absl::StatusOr<bool> DeleteIfUnchanged(const std::string& citizen_key,
                                                 int64_t updated_at_us) = 0;
};

// For unit tests (TTL is not enforced: the sweep is what ends conversations here).
class InMemoryConversationStore : public ConversationStore {
 public:
  absl::StatusOr<std::optional<Conversation>> Get(const std::string& citizen_key) override;
  absl::Status Put(const std::string& citizen_key, const Conversation& c, absl::Duration ttl) override;
  absl::Status Delete(const std::string& citizen_key) override;
  absl::StatusOr<std::vector<std::pair<std::string, Conversation>>> Idle(int64_t cutoff_us,
                                                                         int limit) override;
  absl::StatusOr<bool> DeleteIfUnchanged(const std::string& citizen_key,
                                         int64_t updated_at_us) override;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, Conversation> conversations_;
};

}  // namespace teksin::channel_whatsapp
