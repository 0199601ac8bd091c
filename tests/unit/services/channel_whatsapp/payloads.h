// WhatsApp Business Cloud API webhook payloads as Meta sends them (one message or status per
// notification), for the unit and e2e tests of channel_whatsapp. Header-only; nlohmann only.
#pragma once

#include <string>

#include "nlohmann/json.hpp"

namespace teksin::testing::whatsapp {

inline constexpr char kBusinessAccountId[] = "102290129340398";
inline constexpr char kPhoneNumberId[] = "106540352242922";
inline constexpr char kDisplayNumber[] = "908502001850";

// entry[0].changes[0].value with the metadata, the sender's contact card and the given members.
inline nlohmann::json Envelope(nlohmann::json value_members) {
  nlohmann::json value = {{"messaging_product", "whatsapp"},
                          {"metadata",
                           {{"display_phone_number", kDisplayNumber},
                            {"phone_number_id", kPhoneNumberId}}}};
  for (auto& [k, v] : value_members.items()) value[k] = v;
  return {{"object", "whatsapp_business_account"},
          {"entry",
           {{{"id", kBusinessAccountId},
             {"changes", {{{"field", "messages"}, {"value", value}}}}}}}};
}

inline nlohmann::json Message(const std::string& from, const std::string& name,
                              const std::string& id, const std::string& type,
                              nlohmann::json content, long long timestamp = 1779433200) {
  nlohmann::json m = {{"from", from}, {"id", id}, {"timestamp", std::to_string(timestamp)},
                      {"type", type}};
  m[type] = std::move(content);
  return Envelope({{"contacts", {{{"profile", {{"name", name}}}, {"wa_id", from}}}},
                   {"messages", {m}}});
}

inline nlohmann::json Text(const std::string& from, const std::string& name, const std::string& id,
                           const std::string& body, long long ts = 1779433200) {
  return Message(from, name, id, "text", {{"body", body}}, ts);
}

inline nlohmann::json Location(const std::string& from, const std::string& name,
                               const std::string& id, double lat, double lon,
                               const std::string& place = "", const std::string& address = "",
                               long long ts = 1779433200) {
  nlohmann::json loc = {{"latitude", lat}, {"longitude", lon}};
  if (!place.empty()) loc["name"] = place;
  if (!address.empty()) loc["address"] = address;
  return Message(from, name, id, "location", loc, ts);
}

inline nlohmann::json Image(const std::string& from, const std::string& name, const std::string& id,
                            const std::string& media_id, const std::string& caption,
                            long long ts = 1779433200) {
  nlohmann::json img = {{"id", media_id},
                        {"mime_type", "image/jpeg"},
                        {"sha256", "d3b07384d113edec49eaa6238ad5ff00f6fb1b8e9e5d0b8b2a6a3a0b7f6e5c4d"}};
  if (!caption.empty()) img["caption"] = caption;
  return Message(from, name, id, "image", img, ts);
}

inline nlohmann::json ListReply(const std::string& from, const std::string& name,
                                const std::string& id, const std::string& row_id,
                                const std::string& title, long long ts = 1779433200) {
  return Message(from, name, id, "interactive",
                 {{"type", "list_reply"},
                  {"list_reply", {{"id", row_id}, {"title", title}, {"description", ""}}}},
                 ts);
}

inline nlohmann::json ButtonReply(const std::string& from, const std::string& name,
                                  const std::string& id, const std::string& button_id,
                                  const std::string& title, long long ts = 1779433200) {
  return Message(from, name, id, "interactive",
                 {{"type", "button_reply"}, {"button_reply", {{"id", button_id}, {"title", title}}}},
                 ts);
}

inline nlohmann::json Status(const std::string& recipient, const std::string& message_id,
                             const std::string& status, long long ts = 1779433260) {
  return Envelope({{"statuses",
                    {{{"id", message_id},
                      {"status", status},
                      {"timestamp", std::to_string(ts)},
                      {"recipient_id", recipient},
                      {"conversation",
                       {{"id", "c6b8a1f0e2d34d5b9a7e"}, {"origin", {{"type", "service"}}}}},
                      {"pricing",
                       {{"billable", true}, {"pricing_model", "CBP"}, {"category", "service"}}}}}}});
}

}  // namespace teksin::testing::whatsapp
