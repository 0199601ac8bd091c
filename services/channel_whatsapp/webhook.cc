#include "channel_whatsapp/webhook.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/phone.h"
#include "nlohmann/json.hpp"

namespace teksin::channel_whatsapp {
namespace {

using nlohmann::json;

absl::Status Bad(const std::string& where, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", what));
}

// A member that must be a non-empty string.
absl::StatusOr<std::string> RequiredString(const json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string() || it->get<std::string>().empty()) {
    return Bad(where, absl::StrCat("\"", key, "\" must be a non-empty string"));
  }
  return it->get<std::string>();
}

// An optional string member; a member of another type is an error.
absl::Status OptionalString(const json& obj, const char* key, const std::string& where,
                            std::string* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_string()) return Bad(where, absl::StrCat("\"", key, "\" must be a string"));
  *out = it->get<std::string>();
  return absl::OkStatus();
}

absl::StatusOr<const json*> RequiredObject(const json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_object()) {
    return Bad(where, absl::StrCat("\"", key, "\" must be an object"));
  }
  return &*it;
}

// Meta sends coordinates as numbers; a string holding a number is tolerated.
bool Coordinate(const json& obj, const char* key, double lo, double hi, double* out) {
  auto it = obj.find(key);
  if (it == obj.end()) return false;
  double v = 0;
  if (it->is_number()) {
    v = it->get<double>();
  } else if (!it->is_string() || !absl::SimpleAtod(it->get<std::string>(), &v)) {
    return false;
  }
  if (!std::isfinite(v) || v < lo || v > hi) return false;
  *out = v;
  return true;
}

absl::Status ParseMessage(const json& m, const std::string& where, InboundMessage* out) {
  if (!m.is_object()) return Bad(where, "a message must be an object");
  auto id = RequiredString(m, "id", where);
  if (!id.ok()) return id.status();
  out->id = *id;
  auto from = RequiredString(m, "from", where);
  if (!from.ok()) return from.status();
  out->from = *from;
  auto type = RequiredString(m, "type", where);
  if (!type.ok()) return type.status();
  out->type = *type;
  if (auto it = m.find("timestamp"); it != m.end()) {
    int64_t ts = 0;
    if (it->is_number_integer()) {
      ts = it->get<int64_t>();
    } else if (!it->is_string() || !absl::SimpleAtoi(it->get<std::string>(), &ts)) {
      return Bad(where, "\"timestamp\" must be seconds since the epoch");
    }
    out->timestamp = ts;
  }
  if (out->type == "text") {
    auto text = RequiredObject(m, "text", where);
    if (!text.ok()) return text.status();
    auto body = (*text)->find("body");
    if (body == (*text)->end() || !body->is_string()) {
      return Bad(where, "a text message needs text.body");
    }
    out->text = body->get<std::string>();
  } else if (out->type == "location") {
    auto loc = RequiredObject(m, "location", where);
    if (!loc.ok()) return loc.status();
    if (!Coordinate(**loc, "latitude", -90, 90, &out->latitude) ||
        !Coordinate(**loc, "longitude", -180, 180, &out->longitude)) {
      return Bad(where, "a location message needs latitude and longitude in degrees");
    }
    out->has_location = true;
    if (auto s = OptionalString(**loc, "name", where, &out->location_name); !s.ok()) return s;
    if (auto s = OptionalString(**loc, "address", where, &out->location_address); !s.ok()) return s;
  } else if (out->type == "image") {
    auto img = RequiredObject(m, "image", where);
    if (!img.ok()) return img.status();
    auto media = RequiredString(**img, "id", where + ".image");
    if (!media.ok()) return media.status();
    out->media_id = *media;
    if (auto s = OptionalString(**img, "mime_type", where, &out->mime_type); !s.ok()) return s;
    if (auto s = OptionalString(**img, "caption", where, &out->caption); !s.ok()) return s;
  } else if (out->type == "interactive") {
    auto inter = RequiredObject(m, "interactive", where);
    if (!inter.ok()) return inter.status();
    auto itype = RequiredString(**inter, "type", where + ".interactive");
    if (!itype.ok()) return itype.status();
    out->interactive_type = *itype;
    if (*itype == "button_reply" || *itype == "list_reply") {
      auto reply = RequiredObject(**inter, itype->c_str(), where + ".interactive");
      if (!reply.ok()) return reply.status();
      auto rid = RequiredString(**reply, "id", where + ".interactive." + *itype);
      if (!rid.ok()) return rid.status();
      out->reply_id = *rid;
      if (auto s = OptionalString(**reply, "title", where, &out->reply_title); !s.ok()) return s;
    }
    // Other interactive replies (flows, address forms) are kept as type only: not supported.
  } else if (out->type == "button") {
    // A quick-reply button of a template message: its text is what the citizen "said".
    if (auto it = m.find("button"); it != m.end() && it->is_object()) {
      if (auto s = OptionalString(*it, "text", where, &out->text); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Notification> ParseNotification(std::string_view body) {
  json doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded()) return absl::InvalidArgumentError("the body is not valid JSON");
  if (!doc.is_object()) return absl::InvalidArgumentError("the body is not a JSON object");
  auto object = doc.find("object");
  if (object == doc.end() || !object->is_string() ||
      object->get<std::string>() != "whatsapp_business_account") {
    return absl::InvalidArgumentError("\"object\" must be \"whatsapp_business_account\"");
  }
  auto entries = doc.find("entry");
  if (entries == doc.end() || !entries->is_array()) {
    return absl::InvalidArgumentError("\"entry\" must be an array");
  }
  Notification n;
  for (size_t e = 0; e < entries->size(); ++e) {
    const json& entry = (*entries)[e];
    const std::string ew = absl::StrCat("entry[", e, "]");
    if (!entry.is_object()) return Bad(ew, "must be an object");
    auto changes = entry.find("changes");
    if (changes == entry.end() || !changes->is_array()) return Bad(ew, "\"changes\" must be an array");
    for (size_t c = 0; c < changes->size(); ++c) {
      const json& change = (*changes)[c];
      const std::string cw = absl::StrCat(ew, ".changes[", c, "]");
      if (!change.is_object()) return Bad(cw, "must be an object");
      auto field = RequiredString(change, "field", cw);
      if (!field.ok()) return field.status();
      if (*field != "messages") {
        ++n.ignored_changes;  // account updates, templates, ...: not this service's business
        continue;
      }
      auto value = RequiredObject(change, "value", cw);
      if (!value.ok()) return value.status();
      const json& v = **value;
      const std::string vw = cw + ".value";
      std::string product;
      if (auto s = OptionalString(v, "messaging_product", vw, &product); !s.ok()) return s;
      if (!product.empty() && product != "whatsapp") {
        return Bad(vw, "\"messaging_product\" must be \"whatsapp\"");
      }
      std::string phone_number_id;
      if (auto md = v.find("metadata"); md != v.end()) {
        if (!md->is_object()) return Bad(vw, "\"metadata\" must be an object");
        if (auto s = OptionalString(*md, "phone_number_id", vw + ".metadata", &phone_number_id); !s.ok()) {
          return s;
        }
      }
      if (auto ms = v.find("messages"); ms != v.end() && !ms->is_null()) {
        if (!ms->is_array()) return Bad(vw, "\"messages\" must be an array");
        for (size_t i = 0; i < ms->size(); ++i) {
          InboundMessage m;
          absl::Status s = ParseMessage((*ms)[i], absl::StrCat(vw, ".messages[", i, "]"), &m);
          if (!s.ok()) return s;
          m.phone_number_id = phone_number_id;
          n.messages.push_back(std::move(m));
        }
      }
      if (auto ss = v.find("statuses"); ss != v.end() && !ss->is_null()) {
        if (!ss->is_array()) return Bad(vw, "\"statuses\" must be an array");
        for (size_t i = 0; i < ss->size(); ++i) {
          const json& st = (*ss)[i];
          const std::string sw = absl::StrCat(vw, ".statuses[", i, "]");
          if (!st.is_object()) return Bad(sw, "must be an object");
          StatusUpdate u;
          if (auto s = OptionalString(st, "id", sw, &u.id); !s.ok()) return s;
          if (auto s = OptionalString(st, "status", sw, &u.status); !s.ok()) return s;
          n.statuses.push_back(std::move(u));
        }
      }
    }
  }
  return n;
}

std::string SignatureHeader(std::string_view app_secret, std::string_view body) {
  return absl::StrCat("sha256=", common::HmacSha256Hex(app_secret, body));
}

bool SignatureValid(std::string_view app_secret, std::string_view header, std::string_view body) {
  constexpr std::string_view kPrefix = "sha256=";
  std::string h(absl::StripAsciiWhitespace(std::string(header)));
  if (h.size() != kPrefix.size() + 64 || std::string_view(h).substr(0, kPrefix.size()) != kPrefix) {
    return false;
  }
  std::string given = absl::AsciiStrToLower(h.substr(kPrefix.size()));
  std::string expected = common::HmacSha256Hex(app_secret, body);
  return common::ConstantTimeEquals(given, expected);
}

std::string MessageRef(std::string_view secret, std::string_view wamid) {
  return absl::StrCat("wm_", common::HmacSha256Hex(secret, absl::StrCat("wamid:", std::string(wamid))).substr(0, 24));
}

absl::StatusOr<std::string> WhatsAppIdToE164(std::string_view wa_id) {
  std::string digits;
  for (char c : wa_id) {
    if (c == '+' && digits.empty()) continue;
    if (c < '0' || c > '9') return absl::InvalidArgumentError("a WhatsApp id is digits only");
  }
  for (char c : wa_id) {
    if (c != '+') digits.push_back(c);
  }
  if (digits.rfind("90", 0) == 0) {
    auto tr = common::NormalizeTurkishPhone(absl::StrCat("+", digits));
    if (tr.ok()) return *tr;
  }
  if (digits.size() < 8 || digits.size() > 15 || digits[0] == '0') {
    return absl::InvalidArgumentError("a WhatsApp id is an international number of 8 to 15 digits");
  }
  return absl::StrCat("+", digits);
}

}  // namespace teksin::channel_whatsapp
