#include "channel_whatsapp/conversation.h"

#include <algorithm>

namespace teksin::channel_whatsapp {

nlohmann::json ToJson(const Conversation& c) {
  return {{"v", 1},
          {"conversation_id", c.conversation_id},
          {"case_id", c.case_id},
          {"tracking_code", c.tracking_code},
          {"event_id", c.event_id},
          {"started_at_us", c.started_at_us},
          {"updated_at_us", c.updated_at_us},
          {"text", c.text},
          {"category", c.category},
          {"has_coordinates", c.has_coordinates},
          {"lat", c.lat},
          {"lon", c.lon},
          {"address", c.address},
          {"district", c.district},
          {"media_ids", c.media_ids},
          {"awaiting", c.awaiting},
          {"group", c.group},
          {"page", c.page},
          {"browse", c.browse},
          {"menu", c.menu},
          {"last_message_id", c.last_message_id},
          {"messages", c.messages}};
}

absl::StatusOr<Conversation> ConversationFromJson(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::DataLossError("stored conversation is not a JSON object");
  }
  try {
    Conversation c;
    c.conversation_id = j.value("conversation_id", "");
    c.case_id = j.value("case_id", "");
    c.tracking_code = j.value("tracking_code", "");
    c.event_id = j.value("event_id", "");
    c.started_at_us = j.value("started_at_us", int64_t{0});
    c.updated_at_us = j.value("updated_at_us", int64_t{0});
    c.text = j.value("text", "");
    c.category = j.value("category", "");
    c.has_coordinates = j.value("has_coordinates", false);
    c.lat = j.value("lat", 0.0);
    c.lon = j.value("lon", 0.0);
    c.address = j.value("address", "");
    c.district = j.value("district", "");
    c.media_ids = j.value("media_ids", std::vector<std::string>{});
    c.awaiting = j.value("awaiting", "");
    c.group = j.value("group", -1);
    c.page = j.value("page", 0);
    c.browse = j.value("browse", false);
    c.menu = j.value("menu", std::vector<std::string>{});
    c.last_message_id = j.value("last_message_id", "");
    c.messages = j.value("messages", 0);
    if (c.conversation_id.empty() || c.case_id.empty() || c.event_id.empty()) {
      return absl::DataLossError("stored conversation has no ids");
    }
    return c;
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(std::string("stored conversation: ") + e.what());
  }
}

absl::StatusOr<std::optional<Conversation>> InMemoryConversationStore::Get(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = conversations_.find(key);
  if (it == conversations_.end()) return std::nullopt;
  return it->second;
}

absl::Status InMemoryConversationStore::Put(const std::string& key, const Conversation& c,
                                            absl::Duration) {
  std::lock_guard<std::mutex> lock(mu_);
  conversations_[key] = c;
  return absl::OkStatus();
}

absl::Status InMemoryConversationStore::Delete(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  conversations_.erase(key);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::pair<std::string, Conversation>>> InMemoryConversationStore::Idle(
    int64_t cutoff_us, int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<std::string, Conversation>> out;
  for (const auto& [k, c] : conversations_) {
    if (c.updated_at_us <= cutoff_us) out.emplace_back(k, c);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second.updated_at_us < b.second.updated_at_us;
  });
  if (static_cast<int>(out.size()) > limit) out.resize(static_cast<size_t>(limit));
  return out;
}

absl::StatusOr<bool> InMemoryConversationStore::DeleteIfUnchanged(const std::string& key,
                                                                  int64_t updated_at_us) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = conversations_.find(key);
  if (it == conversations_.end() || it->second.updated_at_us != updated_at_us) return false;
  conversations_.erase(it);
  return true;
}

size_t InMemoryConversationStore::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return conversations_.size();
}

}  // namespace teksin::channel_whatsapp
