#include "channel_whatsapp/whatsapp_http.h"


#include "common/crypto.h"
#include "common/log.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace teksin::channel_whatsapp {
namespace {

HttpResult Json(int status, const std::string& key, const std::string& value) {
  HttpResult r;
  r.status = status;
  r.body = nlohmann::json{{key, value}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

std::string EscapeRegex(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string_view(".^$|()[]{}*+?\\").find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace

WebhookEndpoint::WebhookEndpoint(WhatsAppService& service, metrics::Registry& registry,
                                 WebhookOptions options)
    : service_(service), options_(std::move(options)) {
  signature_failures_ = &registry.AddCounter(
      "teksin_channel_whatsapp_signature_failures_total",
      "Notifications refused for a missing or wrong X-Hub-Signature-256", {"reason"});
  rejected_ = &registry.AddCounter("teksin_channel_whatsapp_webhook_rejected_total",
                                   "Webhook requests refused, by reason", {"reason"});
  notifications_ = &registry.AddCounter("teksin_channel_whatsapp_notifications_total",
                                        "Signed, well-formed notifications, by result", {"result"});
}

HttpResult WebhookEndpoint::Verify(const std::string& mode, const std::string& token,
                                   const std::string& challenge) {
  if (mode != "subscribe" || token.empty() ||
      !common::ConstantTimeEquals(token, options_.verify_token)) {
    rejected_->With({"verification"}).Inc();
    common::LogWarn("webhook verification refused", {{"mode", mode.substr(0, 32)}});
    return Json(403, "error", "verification failed");
  }
  if (challenge.empty() || challenge.size() > 1024) {
    rejected_->With({"verification"}).Inc();
    return Json(400, "error", "hub.challenge is missing or too long");
  }
  common::LogInfo("webhook verified by Meta");
  HttpResult r;
  r.body = challenge;
  r.content_type = "text/plain";
  return r;
}

HttpResult WebhookEndpoint::Notify(const std::optional<std::string>& signature,
                                   std::string_view body) {
  if (body.size() > options_.max_body_bytes) {
    rejected_->With({"too_large"}).Inc();
    return Json(413, "error", "the body is too large");
  }
  if (!signature || signature->empty()) {
    signature_failures_->With({"missing"}).Inc();
    common::LogWarn("notification without X-Hub-Signature-256 refused");
    return Json(401, "error", "X-Hub-Signature-256 is required");
  }
  if (!SignatureValid(options_.app_secret, *signature, body)) {
    signature_failures_->With({"mismatch"}).Inc();
    common::LogWarn("notification with a wrong signature refused");
    return Json(401, "error", "X-Hub-Signature-256 does not match the body");
  }
  auto notification = ParseNotification(body);
  if (!notification.ok()) {
    rejected_->With({"malformed"}).Inc();
    common::LogWarn("malformed notification refused",
                    {{"error", std::string(notification.status().message())}});
    return Json(400, "error", std::string(notification.status().message()));
  }
  absl::Status s = service_.Handle(*notification);
  if (!s.ok()) {
    notifications_->With({"retry"}).Inc();
    return Json(503, "error", "temporarily unavailable; deliver again");
  }
  notifications_->With({"ok"}).Inc();
  return Json(200, "status", "ok");
}

void RegisterWebhookRoutes(httplib::Server& server, const std::string& path,
                           WebhookEndpoint& endpoint) {
  const std::string pattern = EscapeRegex(path);
  server.Get(pattern, [&endpoint](const httplib::Request& req, httplib::Response& res) {
    HttpResult r = endpoint.Verify(req.get_param_value("hub.mode"),
                                   req.get_param_value("hub.verify_token"),
                                   req.get_param_value("hub.challenge"));
    res.status = r.status;
    res.set_content(r.body, r.content_type);
  });
  server.Post(pattern, [&endpoint](const httplib::Request& req, httplib::Response& res) {
    std::optional<std::string> signature;
    if (req.has_header("X-Hub-Signature-256")) signature = req.get_header_value("X-Hub-Signature-256");
    HttpResult r = endpoint.Notify(signature, req.body);
    res.status = r.status;
    res.set_content(r.body, r.content_type);
  });
}

}  // namespace teksin::channel_whatsapp
