// The WhatsApp Business Cloud API webhook as Meta sends it: the subscription handshake (GET),
// the X-Hub-Signature-256 check over the raw body, and the notification payload parsed into
// plain structs. No sockets here: whatsapp_http.cc glues this to cpp-httplib.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace teksin::channel_whatsapp {

// One message a citizen sent. Only what the dialogue needs is kept: the sender's profile name
// (contacts[].profile.name) is personal data and is never read.
struct InboundMessage {
  std::string id;               // "wamid...." — the idempotency key
  std::string from;             // the sender's WhatsApp id (international number, no '+')
  std::string type;             // text, location, image, interactive, or anything else
  int64_t timestamp = 0;        // seconds since the epoch, as Meta stamps it; 0 when absent
  std::string phone_number_id;  // the business number it was sent to (metadata)

  std::string text;  // text.body

  bool has_location = false;
  double latitude = 0, longitude = 0;
  std::string location_name, location_address;

  std::string media_id, mime_type, caption;  // image

  std::string interactive_type;  // button_reply or list_reply
  std::string reply_id, reply_title;
};

// A delivery status of a message we sent (sent, delivered, read, failed): acknowledged, ignored.
struct StatusUpdate {
  std::string id;
  std::string status;
};

struct Notification {
  std::vector<InboundMessage> messages;
  std::vector<StatusUpdate> statuses;
  int ignored_changes = 0;  // changes of fields other than "messages"
};

// Parses the body of a notification. InvalidArgument with the reason when the body is not JSON or
// does not have the shape Meta documents (so nothing of it is acted on).
absl::StatusOr<Notification> ParseNotification(std::string_view body);

// "sha256=<hex>" is HMAC-SHA256 of the raw body under the app secret; compared in constant time.
// Upper- or lower-case hex is accepted.
bool SignatureValid(std::string_view app_secret, std::string_view header, std::string_view body);
// The header value Meta would send for `body`: for tests and tools.
std::string SignatureHeader(std::string_view app_secret, std::string_view body);

// What logs, Redis keys and events use instead of a WhatsApp message id: the id ("wamid.…") is
// base64 of a structure that contains the sender's phone number. "wm_" + 24 hex characters of
// HMAC-SHA256 under the citizen key secret; the same id always gives the same reference.
std::string MessageRef(std::string_view secret, std::string_view wamid);

// The sender's WhatsApp id as E.164: Turkish numbers ("905321234567", or a national form) become
// "+905321234567" exactly as NormalizeTurkishPhone gives them; others "+<digits>" (8..15 digits).
absl::StatusOr<std::string> WhatsAppIdToE164(std::string_view wa_id);

}  // namespace teksin::channel_whatsapp
