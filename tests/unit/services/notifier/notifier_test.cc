#include <deque>
#include <fstream>
#include <sstream>

#include "common/ids.h"
#include "events/envelope.h"
#include "events/in_memory.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "notifier/notifier_service.h"

namespace teksin::notifier {
namespace {

constexpr char kKeyHex[] = "8f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Templates ShippedTemplates() {
  auto t = Templates::LoadFile(std::string(TEKSIN_CONFIG_DIR) + "/notification-templates.json");
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

// A sender that records what it was asked to send and answers from a script.
class FakeSender : public Sender {
 public:
  explicit FakeSender(std::string name) : name_(std::move(name)) {}
  std::string name() const override { return name_; }
  bool CanReach(const vault::ContactAddress& to) const override {
    if (name_ == "whatsapp") return !to.whatsapp_id.empty();
    if (name_ == "push") return !to.push_token.empty();
    if (name_ == "sms") return !to.phone_e164.empty();
    return !to.empty();
  }
  absl::Status Send(const vault::ContactAddress& to, const Message& m) override {
    sent.push_back({to, m});
    if (script.empty()) return absl::OkStatus();
    absl::Status s = script.front();
    script.pop_front();
    return s;
  }
  std::string name_;
  std::deque<absl::Status> script;
  std::vector<std::pair<vault::ContactAddress, Message>> sent;
};

TEST(Templates, ShippedFileRendersTurkishAndEnglish) {
  Templates t = ShippedTemplates();
  EXPECT_FALSE(t.version().empty());
  auto tr = t.Render("case_resolved", "tr",
                     {{"tracking_code", "7KQ2M-X9D4F"},
                      {"resolution", "Çukur asfaltla kapatıldı, çalışma tamamlandı."},
                      {"how_to_reply", t.HowToReply("whatsapp", "tr")}});
  ASSERT_TRUE(tr.ok());
  EXPECT_EQ(tr->rfind("Teksin: 7KQ2M-X9D4F numaralı başvurunuz çözüldü. "
                      "Çukur asfaltla kapatıldı, çalışma tamamlandı. Memnuniyetinizi 1-5", 0),
            0u)
      << *tr;
  EXPECT_NE(tr->find("\"tekrar aç\""), std::string::npos) << *tr;
  auto en = t.Render("case_routed", "en",
                     {{"tracking_code", "7KQ2M-X9D4F"}, {"owner", "Yol Bakım ve Onarım Dairesi Başkanlığı"},
                      {"deadline", "02.12.2026 17:00"}});
  ASSERT_TRUE(en.ok());
  EXPECT_EQ(*en, "Teksin: Your request 7KQ2M-X9D4F has been passed to Yol Bakım ve Onarım Dairesi "
                 "Başkanlığı. Due by: 02.12.2026 17:00");
  // A missing value leaves no double space; an unknown language is Turkish.
  auto bare = t.Render("case_resolved", "de", {{"tracking_code", "X"}});
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(*bare, "Teksin: X numaralı başvurunuz çözüldü.");
  EXPECT_EQ(t.Render("nope", "tr", {}).status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(t.HowToReply("sms", "en").find("Alo 185"), std::string::npos);
}

TEST(Templates, LoadRefusesIncompleteOrUnknownPlaceholders) {
  const std::string good = ReadFile(std::string(TEKSIN_CONFIG_DIR) + "/notification-templates.json");
  auto mutate = [&](auto f) {
    auto j = nlohmann::json::parse(good);
    f(j);
    return Templates::Parse(j.dump());
  };
  EXPECT_TRUE(mutate([](nlohmann::json&) {}).ok());
  auto missing_en = mutate([](nlohmann::json& j) { j["templates"]["case_resolved"].erase("en"); });
  EXPECT_NE(missing_en.status().message().find("templates.case_resolved.en is missing"), std::string::npos)
      << missing_en.status();
  auto missing = mutate([](nlohmann::json& j) { j["templates"].erase("case_waiting"); });
  EXPECT_NE(missing.status().message().find("case_waiting"), std::string::npos);
  auto unknown = mutate([](nlohmann::json& j) { j["templates"]["case_closed"]["tr"] = "Kapandı: {sebep}"; });
  EXPECT_NE(unknown.status().message().find("unknown placeholder {sebep}"), std::string::npos)
      << unknown.status();
  auto stray = mutate([](nlohmann::json& j) { j["templates"]["case_closed"]["tr"] = "Kapandı }"; });
  EXPECT_NE(stray.status().message().find("stray"), std::string::npos);
  auto open = mutate([](nlohmann::json& j) { j["templates"]["case_closed"]["tr"] = "Kapandı {reason"; });
  EXPECT_FALSE(open.ok());
  auto lang = mutate([](nlohmann::json& j) { j["templates"]["case_closed"]["de"] = "Geschlossen"; });
  EXPECT_NE(lang.status().message().find("not tr or en"), std::string::npos);
  auto hint = mutate([](nlohmann::json& j) { j["how_to_reply"].erase("sms"); });
  EXPECT_NE(hint.status().message().find("how_to_reply.sms.tr is missing"), std::string::npos) << hint.status();
  auto version = mutate([](nlohmann::json& j) { j.erase("version"); });
  EXPECT_NE(version.status().message().find("version"), std::string::npos);
  EXPECT_FALSE(Templates::Parse("[]").ok());
  EXPECT_EQ(Templates::LoadFile("/nonexistent/templates.json").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(SenderSet, ChoosesByAddressAndConfiguration) {
  vault::ContactAddress wa{"905321112233", "", "", "", "tr"};
  vault::ContactAddress phone_and_app{"", "+905321112233", "device-token-1", "", "tr"};
  vault::ContactAddress phone{"", "+905321112233", "", "", "tr"};
  SenderSet s;
  EXPECT_EQ(s.Choose(wa), nullptr);
  s.SetSms(std::make_unique<FakeSender>("sms"));
  EXPECT_EQ(s.Choose(wa), nullptr);  // no WhatsApp sender configured, and no phone
  EXPECT_EQ(s.Choose(phone_and_app)->name(), "sms");
  s.SetPush(std::make_unique<FakeSender>("push"));
  s.SetWhatsApp(std::make_unique<FakeSender>("whatsapp"));
  EXPECT_EQ(s.Choose(wa)->name(), "whatsapp");
  EXPECT_EQ(s.Choose(phone_and_app)->name(), "push");  // the app first when it has a token
  EXPECT_EQ(s.Choose(phone)->name(), "sms");
  EXPECT_EQ(s.Choose(vault::ContactAddress{}), nullptr);
  s.SetRecorder(std::make_unique<FakeSender>("recorder"));
  EXPECT_EQ(s.Choose(wa)->name(), "recorder");
  EXPECT_EQ(s.Choose(phone)->name(), "recorder");
  EXPECT_EQ(MaskAddress("+905321112233"), "+90532*****33");
}

class NotifierTest : public ::testing::Test {
 protected:
  NotifierTest()
      : templates_(ShippedTemplates()),
        vault_(*vault::ContactCipher::FromKeyText(kKeyHex)),
        clock_(absl::FromUnixSeconds(1795000000)) {
    auto wa = std::make_unique<FakeSender>("whatsapp");
    auto sms = std::make_unique<FakeSender>("sms");
    whatsapp_ = wa.get();
    sms_ = sms.get();
    senders_.SetWhatsApp(std::move(wa));
    senders_.SetSms(std::move(sms));
    options_.registered_channels = {v1::CHANNEL_CALL_CENTER};
    options_.attempts = 3;
    options_.backoff = absl::Milliseconds(200);
  }
  NotifierService& Service() {
    if (!service_) {
      service_ = std::make_unique<NotifierService>(
          templates_, vault_, senders_, log_, topics_, publisher_, clock_, registry_, options_,
          [this](absl::Duration d) { sleeps_.push_back(d); });
    }
    return *service_;
  }
  v1::Case Case(v1::Channel channel, const std::string& lang = "tr") {
    v1::Case c;
    c.set_case_id("case-" + std::to_string(++seq_));
    c.set_tracking_code("7KQ2M-X9D4" + std::to_string(seq_));
    c.set_channel(channel);
    c.set_language(lang);
    c.set_citizen_key("ck1_abc");
    c.mutable_owner()->set_unit_id("yol-bakim");
    c.mutable_owner()->set_name("Yol Bakım ve Onarım Dairesi Başkanlığı");
    c.mutable_owner()->set_kind(v1::OWNER_KIND_METROPOLITAN_DEPARTMENT);
    return c;
  }
  events::ConsumedEvent Resolved(const v1::Case& c, const std::string& text) {
    events::EnvelopeMeta m;
    m.event_id = common::DerivedId(c.case_id(), "resolved");
    m.source = "routing";
    m.correlation_id = c.case_id();
    m.occurred_at = clock_.Now();
    events::ConsumedEvent e;
    e.envelope = events::NewEnvelope(m);
    *e.envelope.mutable_case_resolved()->mutable_case_() = c;
    e.envelope.mutable_case_resolved()->set_resolution_text(text);
    events::StampType(e.envelope);
    return e;
  }
  events::ConsumedEvent Wrap(const std::string& id, std::function<void(v1::Envelope&)> fill) {
    events::EnvelopeMeta m;
    m.event_id = id;
    m.source = "test";
    m.occurred_at = clock_.Now();
    events::ConsumedEvent e;
    e.envelope = events::NewEnvelope(m);
    fill(e.envelope);
    events::StampType(e.envelope);
    return e;
  }
  std::vector<v1::NotificationSent> Sent() {
    std::vector<v1::NotificationSent> out;
    for (const auto& e : publisher_.Published(topics_.Notifications())) {
      out.push_back(e.envelope.notification_sent());
    }
    return out;
  }

  Templates templates_;
  vault::InMemoryContactVault vault_;
  SenderSet senders_;
  FakeSender* whatsapp_;
  FakeSender* sms_;
  InMemoryNotificationLog log_;
  events::Topics topics_{"t"};
  events::InMemoryEventPublisher publisher_;
  common::FakeClock clock_;
  metrics::Registry registry_;
  NotifierOptions options_;
  std::vector<absl::Duration> sleeps_;
  std::unique_ptr<NotifierService> service_;
  int seq_ = 0;
};

TEST_F(NotifierTest, ResolvedWhatsAppCaseIsSentOnceWithTheResolutionAndHowToReply) {
  v1::Case c = Case(v1::CHANNEL_WHATSAPP);
  ASSERT_TRUE(vault_.Put(c.case_id(), {"905321112233", "", "", "1029384756", "tr"}).ok());
  auto e = Resolved(c, "Çukur asfaltla kapatıldı.");
  ASSERT_TRUE(Service().Handle(e).ok());
  ASSERT_EQ(whatsapp_->sent.size(), 1u);
  const auto& [to, m] = whatsapp_->sent[0];
  EXPECT_EQ(to.whatsapp_id, "905321112233");
  EXPECT_EQ(to.phone_number_id, "1029384756");
  EXPECT_EQ(m.template_id, "case_resolved.tr");
  EXPECT_NE(m.text.find(c.tracking_code() + " numaralı başvurunuz çözüldü. Çukur asfaltla kapatıldı."),
            std::string::npos) << m.text;
  EXPECT_NE(m.text.find("1-5"), std::string::npos) << m.text;
  auto sent = Sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].status(), v1::NOTIFICATION_STATUS_SENT);
  EXPECT_EQ(sent[0].sender(), "whatsapp");
  EXPECT_EQ(sent[0].template_id(), "case_resolved.tr");
  EXPECT_EQ(sent[0].channel(), v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(sent[0].cause_event_id(), e.envelope.event_id());
  const auto first = publisher_.Published(topics_.Notifications())[0];
  EXPECT_EQ(first.key, c.case_id());
  EXPECT_EQ(first.envelope.event_id(), common::DerivedId(e.envelope.event_id(), "notify/case_resolved"));
  // No phone number anywhere in the event.
  EXPECT_EQ(first.envelope.SerializeAsString().find("905321112233"), std::string::npos);

  // Redelivered (twice), and after a restart (a new service, same log): never sent again; the
  // same event is republished (consumers dedupe by id).
  ASSERT_TRUE(Service().Handle(e).ok());
  service_.reset();
  ASSERT_TRUE(Service().Handle(e).ok());
  EXPECT_EQ(whatsapp_->sent.size(), 1u);
  auto all = publisher_.Published(topics_.Notifications());
  ASSERT_EQ(all.size(), 3u);
  for (const auto& o : all) {
    EXPECT_EQ(o.envelope.event_id(), first.envelope.event_id());
    EXPECT_EQ(o.envelope.notification_sent().status(), v1::NOTIFICATION_STATUS_SENT);
  }
}

TEST_F(NotifierTest, EnglishCaseByPhoneGoesBySmsWithTheSmsHint) {
  v1::Case c = Case(v1::CHANNEL_WEB, "en");
  ASSERT_TRUE(vault_.Put(c.case_id(), {"", "+905059876543", "", "", "en"}).ok());
  ASSERT_TRUE(Service().Handle(Resolved(c, "The pothole was filled.")).ok());
  ASSERT_EQ(sms_->sent.size(), 1u);
  EXPECT_EQ(sms_->sent[0].first.phone_e164, "+905059876543");
  EXPECT_EQ(sms_->sent[0].second.text,
            "Teksin: Your request " + c.tracking_code() +
                " has been resolved. The pothole was filled. To rate the answer or reopen the "
                "request, use the Teksin app or call Alo 185.");
  EXPECT_EQ(Sent()[0].template_id(), "case_resolved.en");
}

TEST_F(NotifierTest, NoAddressAndUnreadableAddressAreRecordedNotSent) {
  v1::Case c = Case(v1::CHANNEL_WEB);
  ASSERT_TRUE(Service().Handle(Resolved(c, "Tamam")).ok());
  v1::Case d = Case(v1::CHANNEL_WEB);
  ASSERT_TRUE(vault_.Put(d.case_id(), {"", "+905059876543", "", "", "tr"}).ok());
  vault_.records()[d.case_id()][12] ^= 0x04;  // tampered
  ASSERT_TRUE(Service().Handle(Resolved(d, "Tamam")).ok());
  v1::Case p = Case(v1::CHANNEL_MOBILE_APP);  // only a device token, and no push sender
  ASSERT_TRUE(vault_.Put(p.case_id(), {"", "", "device-token", "", "tr"}).ok());
  ASSERT_TRUE(Service().Handle(Resolved(p, "Tamam")).ok());
  EXPECT_TRUE(whatsapp_->sent.empty());
  EXPECT_TRUE(sms_->sent.empty());
  auto sent = Sent();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].status(), v1::NOTIFICATION_STATUS_NO_ADDRESS);
  EXPECT_EQ(sent[0].case_id(), c.case_id());
  EXPECT_EQ(sent[1].status(), v1::NOTIFICATION_STATUS_FAILED);
  EXPECT_EQ(sent[1].reason(), "the stored address cannot be opened");
  EXPECT_EQ(sent[2].status(), v1::NOTIFICATION_STATUS_FAILED);
  EXPECT_EQ(sent[2].reason(), "no configured sender reaches this address");
}

TEST_F(NotifierTest, TransientErrorsAreRetriedWithBackoffThenByTheConsumerAndPermanentOnesFail) {
  v1::Case c = Case(v1::CHANNEL_WHATSAPP);
  ASSERT_TRUE(vault_.Put(c.case_id(), {"905321112233", "", "", "", "tr"}).ok());
  auto e = Resolved(c, "Bitti.");
  for (int i = 0; i < 3; ++i) whatsapp_->script.push_back(absl::UnavailableError("HTTP 503"));
  absl::Status s = Service().Handle(e);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);  // the consumer retries the event
  EXPECT_EQ(whatsapp_->sent.size(), 3u);
  EXPECT_EQ(sleeps_, (std::vector<absl::Duration>{absl::Milliseconds(200), absl::Milliseconds(400)}));
  EXPECT_TRUE(Sent().empty());
  EXPECT_TRUE(log_.entries().empty());  // the claim was given back
  // The redelivery succeeds on its second attempt.
  whatsapp_->script.push_back(absl::UnavailableError("timeout"));
  ASSERT_TRUE(Service().Handle(e).ok());
  EXPECT_EQ(whatsapp_->sent.size(), 5u);
  ASSERT_EQ(Sent().size(), 1u);
  EXPECT_EQ(Sent()[0].status(), v1::NOTIFICATION_STATUS_SENT);

  // 4xx: FAILED with the reason, handled (no dead letter), never retried.
  v1::Case d = Case(v1::CHANNEL_WHATSAPP);
  ASSERT_TRUE(vault_.Put(d.case_id(), {"905321112234", "", "", "", "tr"}).ok());
  whatsapp_->script.push_back(absl::FailedPreconditionError("Cloud API answered HTTP 400 (error code 131026, )"));
  auto f = Resolved(d, "Bitti.");
  ASSERT_TRUE(Service().Handle(f).ok());
  ASSERT_TRUE(Service().Handle(f).ok());
  EXPECT_EQ(whatsapp_->sent.size(), 6u);
  auto sent = Sent();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[1].status(), v1::NOTIFICATION_STATUS_FAILED);
  EXPECT_EQ(sent[1].reason(), "Cloud API answered HTTP 400 (error code 131026, )");
  EXPECT_EQ(sent[2].status(), v1::NOTIFICATION_STATUS_FAILED);

  // Redis down before the claim: transient, nothing sent.
  log_.FailNext(1);
  v1::Case g = Case(v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(Service().Handle(Resolved(g, "x")).code(), absl::StatusCode::kUnavailable);
}

TEST_F(NotifierTest, AClaimLeftBySendingInterruptedIsNotSentAgain) {
  v1::Case c = Case(v1::CHANNEL_WHATSAPP);
  ASSERT_TRUE(vault_.Put(c.case_id(), {"905321112233", "", "", "", "tr"}).ok());
  auto e = Resolved(c, "Bitti.");
  // An earlier process claimed it and died before recording the outcome.
  ASSERT_TRUE(log_.Claim(common::DerivedId(e.envelope.event_id(), "notify/case_resolved"),
                         absl::Hours(1)).ok());
  ASSERT_TRUE(Service().Handle(e).ok());
  EXPECT_TRUE(whatsapp_->sent.empty());
  ASSERT_EQ(Sent().size(), 1u);
  EXPECT_EQ(Sent()[0].status(), v1::NOTIFICATION_STATUS_FAILED);
  EXPECT_EQ(Sent()[0].reason(), "interrupted while sending; not sent again");
}

TEST_F(NotifierTest, EveryStatusChangeHasItsTemplate) {
  v1::Case c = Case(v1::CHANNEL_CALL_CENTER);
  ASSERT_TRUE(vault_.Put(c.case_id(), {"", "+905321112233", "", "", "tr"}).ok());
  *c.mutable_deadline() = common::ToProto(absl::FromUnixSeconds(1795100400));  // 2026-11-19 15:00 UTC
  v1::Case web = Case(v1::CHANNEL_WEB);
  ASSERT_TRUE(vault_.Put(web.case_id(), {"", "+905321112299", "", "", "tr"}).ok());
  std::vector<events::ConsumedEvent> events;
  events.push_back(Wrap("e1", [&](v1::Envelope& e) { *e.mutable_case_registered()->mutable_case_() = c; }));
  events.push_back(Wrap("e1w", [&](v1::Envelope& e) { *e.mutable_case_registered()->mutable_case_() = web; }));
  events.push_back(Wrap("e2", [&](v1::Envelope& e) {
    *e.mutable_case_routed()->mutable_case_() = c;
    e.mutable_case_routed()->set_reason("rule");
  }));
  events.push_back(Wrap("e3", [&](v1::Envelope& e) {
    auto* t = e.mutable_task_status_changed();
    *t->mutable_case_() = c;
    t->set_case_id(c.case_id());
    t->set_status(v1::TASK_STATUS_WAITING_FOR_CITIZEN);
    t->set_reason("Çukurun tam olarak hangi sokakta olduğunu yazar mısınız?");
  }));
  events.push_back(Wrap("e3b", [&](v1::Envelope& e) {
    auto* t = e.mutable_task_status_changed();
    *t->mutable_case_() = c;
    t->set_status(v1::TASK_STATUS_CLAIMED);
  }));
  events.push_back(Wrap("e4", [&](v1::Envelope& e) {
    *e.mutable_case_reopened()->mutable_case_() = c;
  }));
  events.push_back(Wrap("e4b", [&](v1::Envelope& e) {
    *e.mutable_case_routed()->mutable_case_() = c;
    e.mutable_case_routed()->set_reason("reopened");
  }));
  events.push_back(Wrap("e5", [&](v1::Envelope& e) {
    *e.mutable_case_closed()->mutable_case_() = c;
    e.mutable_case_closed()->set_reason("confirmed by citizen");
  }));
  events.push_back(Wrap("e6", [&](v1::Envelope& e) {
    auto* l = e.mutable_case_linked();
    *l->mutable_case_() = c;
    l->set_case_id(c.case_id());
    l->set_kind(v1::LINK_KIND_DUPLICATE);
    l->set_linked_to_tracking_code("AAAAA-BBBBB");
  }));
  events.push_back(Wrap("e7", [&](v1::Envelope& e) {
    auto* r = e.mutable_case_rejected();
    *r->mutable_case_() = c;
    r->set_reason("Konum Mersin il sınırları dışında");
  }));
  events.push_back(Wrap("e8", [&](v1::Envelope& e) {
    *e.mutable_case_routed()->mutable_case_() = c;
    e.mutable_case_routed()->set_forwarded(true);
  }));
  for (const auto& e : events) ASSERT_TRUE(Service().Handle(e).ok());
  std::vector<std::string> texts;
  for (const auto& [to, m] : sms_->sent) texts.push_back(m.text);
  const std::string tc = c.tracking_code();
  ASSERT_EQ(texts.size(), 8u);  // web registration, CLAIMED and the reopened CaseRouted: nothing
  EXPECT_EQ(texts[0], "Teksin: Başvurunuz kaydedildi. Takip kodunuz: " + tc);
  EXPECT_EQ(texts[1], "Teksin: " + tc + " numaralı başvurunuz Yol Bakım ve Onarım Dairesi Başkanlığı "
                      "birimine iletildi. Son tarih: 19.11.2026 18:00");
  EXPECT_EQ(texts[2], "Teksin: " + tc + " numaralı başvurunuz için ekibimizin bir sorusu var: "
                      "Çukurun tam olarak hangi sokakta olduğunu yazar mısınız?");
  EXPECT_NE(texts[3].find("yeniden açıldı ve Yol Bakım"), std::string::npos) << texts[3];
  EXPECT_EQ(texts[4], "Teksin: " + tc + " numaralı başvurunuz kapatıldı: confirmed by citizen");
  EXPECT_NE(texts[5].find("(AAAAA-BBBBB)"), std::string::npos) << texts[5];
  EXPECT_NE(texts[5].find("takip kodunuz: " + tc), std::string::npos) << texts[5];
  EXPECT_EQ(texts[6], "Teksin: " + tc + " numaralı başvurunuz işleme alınamadı: Konum Mersin il sınırları dışında");
  EXPECT_NE(texts[7].find("yetkili kuruma"), std::string::npos) << texts[7];
  std::vector<std::string> ids;
  for (const auto& s : Sent()) ids.push_back(s.template_id());
  EXPECT_EQ(ids, (std::vector<std::string>{"case_registered.tr", "case_routed.tr", "case_waiting.tr",
                                           "case_reopened.tr", "case_closed.tr", "case_duplicate.tr",
                                           "case_rejected.tr", "case_forwarded.tr"}));
}

}  // namespace
}  // namespace teksin::notifier
