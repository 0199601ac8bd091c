// The real reply sender: POST <base URL>/<version>/<phone_number_id>/messages with the access token
// as a bearer token, over cpp-httplib (HTTPS in production, plain HTTP to a local recorder in
// tests).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "channel_whatsapp/reply.h"

namespace teksin::channel_whatsapp {

struct CloudApiOptions {
  std::string base_url = "https://graph.facebook.com";  // scheme://host[:port][/path]
  std::string version = "v22.0";
  std::string access_token;
  std::string default_phone_number_id;  // when a notification names none
  int timeout_ms = 10000;
};

class CloudApiSender : public ReplySender {
 public:
  // InvalidArgument when the base URL is not http(s)://host[:port][/path].
  static absl::StatusOr<std::unique_ptr<CloudApiSender>> Create(CloudApiOptions options);
  absl::Status Send(const OutgoingReply& reply) override;

 private:
  CloudApiSender() = default;
  CloudApiOptions options_;
  std::string origin_;       // scheme://host[:port]
  std::string path_prefix_;  // "" or "/path"
};

}  // namespace teksin::channel_whatsapp
