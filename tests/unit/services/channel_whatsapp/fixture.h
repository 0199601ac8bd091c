// The WhatsApp channel on in-memory doubles: conversations, idempotency, rate limits, the broker,
// a recording reply sender (sending inline), a fake clock and the real catalogue. Header-only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "channel/guards.h"
#include "channel_whatsapp/conversation.h"
#include "channel_whatsapp/reply.h"
#include "channel_whatsapp/webhook.h"
#include "channel_whatsapp/whatsapp_http.h"
#include "channel_whatsapp/whatsapp_service.h"
#include "common/phone.h"
#include "events/in_memory.h"
#include "events/topics.h"
#include "gtest/gtest.h"
#include "metrics/registry.h"
#include "support/paths.h"
#include "support/reference_data.h"
#include "services/channel_whatsapp/payloads.h"

namespace teksin::channel_whatsapp {

inline constexpr char kContactsTopic[] = "teksin.channel.whatsapp.contacts.v1";
inline constexpr char kAppSecret[] = "meta-app-secret-9f2c41";
inline constexpr char kVerifyToken[] = "teksin-verify-7d1e";
inline constexpr char kCitizenSecret[] = "citizen-key-secret-0123456789";
// A Mersin mobile number and the name on its WhatsApp profile: personal data that must never
// leave the channel.
inline constexpr char kWaId[] = "905321234567";
inline constexpr char kProfileName[] = "Ayşe Yılmaz";

// Records every reply; can be told to fail.
class RecordingSender : public ReplySender {
 public:
  absl::Status Send(const OutgoingReply& r) override {
    ++attempts;
    if (fail_all) return absl::UnavailableError("Cloud API answered HTTP 503");
    sent.push_back(r);
    return absl::OkStatus();
  }
  std::vector<OutgoingReply> sent;
  int attempts = 0;
  bool fail_all = false;
};

class WhatsAppFixture : public ::testing::Test {
 protected:
  WhatsAppOptions Options() {
    WhatsAppOptions o;
    o.citizen_key_secret = kCitizenSecret;
    o.rate_limit = 20;
    o.rate_window = absl::Seconds(60);
    o.abandon_after = absl::Hours(24);
    o.default_phone_number_id = "fallback-number-id";
    return o;
  }
  DispatcherOptions Inline() {
    DispatcherOptions d;
    d.workers = 0;
    d.attempts = 2;
    d.backoff_ms = 0;
    return d;
  }

  // Signs and posts a payload to the webhook endpoint.
  HttpResult Post(const nlohmann::json& payload) {
    std::string body = payload.dump();
    return endpoint_.Notify(SignatureHeader(kAppSecret, body), body);
  }
  HttpResult PostOk(const nlohmann::json& payload) {
    HttpResult r = Post(payload);
    EXPECT_EQ(r.status, 200) << r.body;
    return r;
  }
  std::string NextId() { return "wamid.HBgMOTA1MzIxMjM0NTY3FQIAEhg" + std::to_string(++seq_); }
  std::string CitizenKey() const {
    return common::CitizenKey(kCitizenSecret, "+905321234567");
  }
  std::vector<events::OutgoingEvent> Contacts() const { return publisher_.Published(kContactsTopic); }
  const OutgoingReply& LastReply() const {
    static OutgoingReply none;
    return sender_.sent.empty() ? none : sender_.sent.back();
  }
  // The value of one series, e.g. Metric("x_total") or Metric("x_total{type=\"text\"}"); 0 if absent.
  double Metric(const std::string& series) {
    std::string text = "\n" + registry_.Render();
    auto pos = text.find("\n" + series + " ");
    if (pos == std::string::npos) return 0;
    auto end = text.find('\n', pos + 1);
    std::string row = text.substr(pos + 1, end - pos - 1);
    return std::stod(row.substr(row.rfind(' ') + 1));
  }

  // The three messages of the usual dialogue: text, category from the list, location.
  void ReportPothole(const std::string& from = kWaId) {
    namespace wa = teksin::testing::whatsapp;
    PostOk(wa::Text(from, kProfileName, NextId(), "Sokağımızda büyük bir çukur var, araçlar zarar görüyor."));
    PostOk(wa::ListReply(from, kProfileName, NextId(), "c:yol-sokak", "Sokak/kaldırım bozukluğu"));
    PostOk(wa::Location(from, kProfileName, NextId(), 36.9180, 34.8950, "Şehitmustafa Mahallesi",
                        "Tarsus, Mersin"));
  }

  common::FakeClock clock_{teksin::testing::TrTime(2026, 5, 22, 10, 0)};
  events::Topics topics_{"teksin"};
  events::InMemoryEventPublisher publisher_;
  InMemoryConversationStore conversations_;
  channel::InMemoryIdempotencyStore idempotency_;
  channel::InMemoryRateLimiter limiter_;
  metrics::Registry registry_;
  RecordingSender sender_;
  ReplyDispatcher dispatcher_{sender_, registry_, Inline()};
  WhatsAppService service_{teksin::testing::RealCatalogue(), conversations_, idempotency_, limiter_,
                           topics_, publisher_, dispatcher_, clock_, registry_, Options()};
  WebhookEndpoint endpoint_{service_, registry_, {kVerifyToken, kAppSecret, 64 * 1024}};
  int seq_ = 0;
};

}  // namespace teksin::channel_whatsapp
