// The webhook over HTTP: GET <path> answers Meta's subscription handshake, POST <path> takes
// signed notifications. WebhookEndpoint holds the decisions (status codes, bodies) so unit tests
// exercise them without sockets; RegisterWebhookRoutes is the cpp-httplib glue.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "channel_whatsapp/whatsapp_service.h"
#include "metrics/registry.h"

namespace httplib {
class Server;
}

namespace teksin::channel_whatsapp {

struct HttpResult {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

struct WebhookOptions {
  std::string verify_token;
  std::string app_secret;
  size_t max_body_bytes = 256 * 1024;
};

class WebhookEndpoint {
 public:
  WebhookEndpoint(WhatsAppService& service, metrics::Registry& registry, WebhookOptions options);

  // hub.mode, hub.verify_token, hub.challenge: 200 with the challenge as text/plain, else 403.
  HttpResult Verify(const std::string& mode, const std::string& token, const std::string& challenge);
  // 401 without a valid X-Hub-Signature-256, 413 when too large, 400 when not a notification,
  // 503 when Redis or Kafka failed (Meta delivers again), else 200. Nothing is acted on unless
  // the signature is valid and the whole body parses.
  HttpResult Notify(const std::optional<std::string>& signature, std::string_view body);

  size_t max_body_bytes() const { return options_.max_body_bytes; }

 private:
  WhatsAppService& service_;
  WebhookOptions options_;
  metrics::Family<metrics::Counter>* signature_failures_;
  metrics::Family<metrics::Counter>* rejected_;
  metrics::Family<metrics::Counter>* notifications_;
};

void RegisterWebhookRoutes(httplib::Server& server, const std::string& path,
                           WebhookEndpoint& endpoint);

}  // namespace teksin::channel_whatsapp
