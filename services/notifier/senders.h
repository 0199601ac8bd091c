// Where a notification goes: one interface, four senders. WhatsApp (the Cloud API, through the
// WhatsApp channel's sender), SMS and app push (generic HTTP gateways, JSON contracts in the
// README), and a recorder that appends to a file (tests and dry runs). The choice follows the
// address the channel left in the contact vault.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "vault/contact_vault.h"

namespace teksin::notifier {

struct Message {
  std::string notification_id;  // the NotificationSent event id: the gateways' idempotency key
  std::string case_id;
  std::string tracking_code;
  std::string template_id;  // e.g. "case_resolved.tr"
  std::string text;
};

class Sender {
 public:
  virtual ~Sender() = default;
  virtual std::string name() const = 0;  // "whatsapp", "sms", "push", "recorder"
  virtual bool CanReach(const vault::ContactAddress& to) const = 0;
  // Unavailable for failures worth retrying (network, timeout, 429, 5xx); another error for a
  // refusal that will not change (4xx): FailedPrecondition with the gateway's status.
  virtual absl::Status Send(const vault::ContactAddress& to, const Message& message) = 0;
};

struct HttpGatewayOptions {
  std::string url;    // http(s)://host[:port]/path, POSTed to
  std::string token;  // bearer token; may be empty (local gateways)
  int timeout_ms = 10000;
};

// SMS: POST <url> {"to": "+905321234567", "text": "...", "reference": "<notification id>"}.
std::unique_ptr<Sender> NewSmsSender(HttpGatewayOptions options);
// Push: POST <url> {"device_token": "...", "title": "Teksin", "body": "...",
//                   "data": {"case_id": "...", "tracking_code": "..."}, "reference": "..."}.
std::unique_ptr<Sender> NewPushSender(HttpGatewayOptions options);
// Validates the URL: InvalidArgument when it is not http(s)://host[:port][/path] (the caller
// names `variable`).
absl::Status CheckGatewayUrl(const std::string& variable, const std::string& url);

struct WhatsAppSenderOptions {
  std::string base_url = "https://graph.facebook.com";
  std::string version = "v22.0";
  std::string access_token;
  std::string phone_number_id;  // the business number, when the vault names none
  int timeout_ms = 10000;
};
absl::StatusOr<std::unique_ptr<Sender>> NewWhatsAppSender(WhatsAppSenderOptions options);

// Appends one JSON line per message to `path`: the case, the template, the text, and the
// address masked ("+90532*****67"), never the whole number. Reaches every address.
std::unique_ptr<Sender> NewRecorderSender(std::string path);

// The masked form of an address for the recorder and for reasons: first 6 and last 2 kept.
std::string MaskAddress(const std::string& address);

// Picks the sender for an address: WhatsApp for a WhatsApp id; else push for a device token;
// else SMS for a phone number (each only when configured). With a recorder set, it takes every
// message (dry run). nullptr: no configured sender reaches the address.
class SenderSet {
 public:
  void SetRecorder(std::unique_ptr<Sender> s) { recorder_ = std::move(s); }
  void SetWhatsApp(std::unique_ptr<Sender> s) { whatsapp_ = std::move(s); }
  void SetSms(std::unique_ptr<Sender> s) { sms_ = std::move(s); }
  void SetPush(std::unique_ptr<Sender> s) { push_ = std::move(s); }
  Sender* Choose(const vault::ContactAddress& to) const;
  bool empty() const { return !recorder_ && !whatsapp_ && !sms_ && !push_; }

 private:
  std::unique_ptr<Sender> recorder_, whatsapp_, sms_, push_;
};

}  // namespace teksin::notifier
