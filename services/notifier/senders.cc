#include "notifier/senders.h"

#include <fstream>
#include <regex>

#include "absl/strings/str_cat.h"
#include "channel_whatsapp/cloud_api_sender.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace teksin::notifier {
namespace {

const std::regex& UrlPattern() {
  static const std::regex kUrl(R"(^(https?://[^/?#]+)(/[^?#]*)?$)");
  return kUrl;
}

// A JSON POST to a gateway, with the outcome mapped to transient or permanent.
class HttpGatewaySender : public Sender {
 public:
  HttpGatewaySender(std::string name, HttpGatewayOptions options)
      : name_(std::move(name)), options_(std::move(options)) {
    std::smatch m;
    if (std::regex_match(options_.url, m, UrlPattern())) {
      origin_ = m[1];
      path_ = m[2].matched && !std::string(m[2]).empty() ? std::string(m[2]) : "/";
    }
  }
  std::string name() const override { return name_; }
  bool CanReach(const vault::ContactAddress& to) const override {
    return name_ == "sms" ? !to.phone_e164.empty() : !to.push_token.empty();
  }
  absl::Status Send(const vault::ContactAddress& to, const Message& m) override {
    nlohmann::json body;
    if (name_ == "sms") {
      body = {{"to", to.phone_e164}, {"text", m.text}, {"reference", m.notification_id}};
    } else {
      body = {{"device_token", to.push_token},
              {"title", "Teksin"},
              {"body", m.text},
              {"data", {{"case_id", m.case_id}, {"tracking_code", m.tracking_code}}},
              {"reference", m.notification_id}};
    }
    httplib::Client client(origin_);
    const time_t secs = options_.timeout_ms / 1000;
    const time_t usecs = (options_.timeout_ms % 1000) * 1000;
    client.set_connection_timeout(secs, usecs);
    client.set_read_timeout(secs, usecs);
    client.set_write_timeout(secs, usecs);
    httplib::Headers headers{{"Idempotency-Key", m.notification_id}};
    if (!options_.token.empty()) headers.emplace("Authorization", "Bearer " + options_.token);
    auto res = client.Post(path_, headers,
                           body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                           "application/json");
    if (!res) {
      return absl::UnavailableError(
          absl::StrCat(name_, " gateway unreachable: ", httplib::to_string(res.error())));
    }
    if (res->status >= 200 && res->status < 300) return absl::OkStatus();
    // The status only: a gateway's error text may quote the number.
    std::string what = absl::StrCat(name_, " gateway answered HTTP ", res->status);
    if (res->status == 429 || res->status >= 500 || res->status == 408) {
      return absl::UnavailableError(what);
    }
    return absl::FailedPreconditionError(what);
  }

 private:
  std::string name_;
  HttpGatewayOptions options_;
  std::string origin_, path_;
};

class WhatsAppSender : public Sender {
 public:
  explicit WhatsAppSender(std::unique_ptr<channel_whatsapp::CloudApiSender> api)
      : api_(std::move(api)) {}
  std::string name() const override { return "whatsapp"; }
  bool CanReach(const vault::ContactAddress& to) const override { return !to.whatsapp_id.empty(); }
  absl::Status Send(const vault::ContactAddress& to, const Message& m) override {
    channel_whatsapp::OutgoingReply r;
    r.to = to.whatsapp_id;
    r.phone_number_id = to.phone_number_id;  // empty: the configured default
    r.reply = channel_whatsapp::Reply::Text(m.text);
    return api_->Send(r);
  }

 private:
  std::unique_ptr<channel_whatsapp::CloudApiSender> api_;
};

class RecorderSender : public Sender {
 public:
  explicit RecorderSender(std::string path) : path_(std::move(path)) {}
  std::string name() const override { return "recorder"; }
  bool CanReach(const vault::ContactAddress& to) const override { return !to.empty(); }
  absl::Status Send(const vault::ContactAddress& to, const Message& m) override {
    std::string via = !to.whatsapp_id.empty() ? "whatsapp" : !to.push_token.empty() ? "push" : "sms";
    std::string addr = !to.whatsapp_id.empty() ? to.whatsapp_id
                       : !to.push_token.empty() ? to.push_token
                                                : to.phone_e164;
    nlohmann::json line = {{"notification_id", m.notification_id}, {"case_id", m.case_id},
                           {"tracking_code", m.tracking_code}, {"template_id", m.template_id},
                           {"via", via}, {"to", MaskAddress(addr)}, {"text", m.text}};
    std::lock_guard<std::mutex> lock(mu_);
    std::ofstream out(path_, std::ios::app);
    if (!out) return absl::UnavailableError(absl::StrCat("cannot append to ", path_));
    out << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    out.flush();
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path_));
    return absl::OkStatus();
  }

 private:
  std::string path_;
  std::mutex mu_;
};

}  // namespace

std::string MaskAddress(const std::string& a) {
  if (a.size() <= 8) return std::string(a.size(), '*');
  return a.substr(0, 6) + std::string(a.size() - 8, '*') + a.substr(a.size() - 2);
}

absl::Status CheckGatewayUrl(const std::string& /*variable*/, const std::string& url) {
  if (!std::regex_match(url, UrlPattern())) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", url, "\" is not http(s)://host[:port][/path]"));
  }
  return absl::OkStatus();
}

std::unique_ptr<Sender> NewSmsSender(HttpGatewayOptions o) {
  return std::make_unique<HttpGatewaySender>("sms", std::move(o));
}
std::unique_ptr<Sender> NewPushSender(HttpGatewayOptions o) {
  return std::make_unique<HttpGatewaySender>("push", std::move(o));
}

absl::StatusOr<std::unique_ptr<Sender>> NewWhatsAppSender(WhatsAppSenderOptions o) {
  channel_whatsapp::CloudApiOptions api;
  api.base_url = o.base_url;
  api.version = o.version;
  api.access_token = o.access_token;
  api.default_phone_number_id = o.phone_number_id;
  api.timeout_ms = o.timeout_ms;
  auto s = channel_whatsapp::CloudApiSender::Create(api);
  if (!s.ok()) return s.status();
  return std::unique_ptr<Sender>(new WhatsAppSender(std::move(*s)));
}

std::unique_ptr<Sender> NewRecorderSender(std::string path) {
  return std::make_unique<RecorderSender>(std::move(path));
}

Sender* SenderSet::Choose(const vault::ContactAddress& to) const {
  if (recorder_) return recorder_->CanReach(to) ? recorder_.get() : nullptr;
  for (Sender* s : {whatsapp_.get(), push_.get(), sms_.get()}) {
    if (s && s->CanReach(to)) return s;
  }
  return nullptr;
}

}  // namespace teksin::notifier
