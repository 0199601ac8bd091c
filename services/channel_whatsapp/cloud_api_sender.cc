#include "channel_whatsapp/cloud_api_sender.h"

#include <regex>

#include "absl/strings/str_cat.h"
#include "httplib.h"

namespace teksin::channel_whatsapp {

absl::StatusOr<std::unique_ptr<CloudApiSender>> CloudApiSender::Create(CloudApiOptions options) {
  static const std::regex kUrl(R"(^(https?://[^/?#]+)(/[^?#]*)?$)");
  std::smatch m;
  if (!std::regex_match(options.base_url, m, kUrl)) {
    return absl::InvalidArgumentError(
        absl::StrCat("WHATSAPP_API_BASE_URL \"", options.base_url,
                     "\" is not http(s)://host[:port][/path]"));
  }
  std::unique_ptr<CloudApiSender> s(new CloudApiSender());
  s->origin_ = m[1];
  s->path_prefix_ = m[2];
  while (!s->path_prefix_.empty() && s->path_prefix_.back() == '/') s->path_prefix_.pop_back();
  s->options_ = std::move(options);
  return s;
}

absl::Status CloudApiSender::Send(const OutgoingReply& reply) {
  const std::string& number =
      reply.phone_number_id.empty() ? options_.default_phone_number_id : reply.phone_number_id;
  if (number.empty()) {
    return absl::FailedPreconditionError(
        "no business phone number id (WHATSAPP_PHONE_NUMBER_ID, or the notification's metadata)");
  }
  httplib::Client client(origin_);
  const time_t secs = options_.timeout_ms / 1000;
  const time_t usecs = (options_.timeout_ms % 1000) * 1000;
  client.set_connection_timeout(secs, usecs);
  client.set_read_timeout(secs, usecs);
  client.set_write_timeout(secs, usecs);
  httplib::Headers headers;
  if (!options_.access_token.empty()) {
    headers.emplace("Authorization", "Bearer " + options_.access_token);
  }
  const std::string path =
      absl::StrCat(path_prefix_, "/", options_.version, "/", number, "/messages");
  const std::string body = CloudApiBody(reply.to, reply.reply)
                               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  auto res = client.Post(path, headers, body, "application/json");
  if (!res) {
    return absl::UnavailableError(
        absl::StrCat("Cloud API unreachable: ", httplib::to_string(res.error())));
  }
  if (res->status >= 200 && res->status < 300) return absl::OkStatus();
  // Only Meta's error code and type: the message text may quote the recipient.
  std::string detail;
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_object()) {
    const auto& e = j["error"];
    int64_t code = e.contains("code") && e["code"].is_number_integer() ? e["code"].get<int64_t>() : 0;
    std::string type = e.contains("type") && e["type"].is_string() ? e["type"].get<std::string>() : "";
    detail = absl::StrCat(" (error code ", code, ", ", type, ")");
  }
  std::string what = absl::StrCat("Cloud API answered HTTP ", res->status, detail);
  if (res->status == 429 || res->status >= 500) return absl::UnavailableError(what);
  return absl::FailedPreconditionError(what);
}

}  // namespace teksin::channel_whatsapp
