// Feedback on the tip line after a resolution: the reply words, the resolved-case projection and
// the CitizenFeedback the channel publishes; and the contact vault entry written at acceptance.
#include "channel_whatsapp/feedback.h"

#include "common/ids.h"
#include "events/envelope.h"
#include "services/channel_whatsapp/fixture.h"

namespace teksin::channel_whatsapp {
namespace {

namespace wa = teksin::testing::whatsapp;
constexpr char kVaultKey[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

TEST(ParseFeedback, TurkishRepliesFoldedAndTrimmed) {
  for (const char* s : {"4", " 4 ", "4!", "4 ⭐"}) {
    auto f = ParseFeedback(s);
    ASSERT_TRUE(f.has_value()) << s;
    EXPECT_EQ(f->kind, v1::FEEDBACK_KIND_RATE);
    EXPECT_EQ(f->rating, 4);
  }
  EXPECT_EQ(ParseFeedback("1")->rating, 1);
  EXPECT_EQ(ParseFeedback("5")->rating, 5);
  for (const char* s : {"tekrar aç", "TEKRAR AÇ", "Tekrar ac", "çözülmedi", "ÇÖZÜLMEDİ!", "cozulmedi",
                        "yeniden aç"}) {
    auto f = ParseFeedback(s);
    ASSERT_TRUE(f.has_value()) << s;
    EXPECT_EQ(f->kind, v1::FEEDBACK_KIND_REOPEN) << s;
  }
  for (const char* s : {"teşekkürler", "TEŞEKKÜRLER", "Tesekkurler.", "tamam", "Tamam 👍", "sağolun"}) {
    auto f = ParseFeedback(s);
    ASSERT_TRUE(f.has_value()) << s;
    EXPECT_EQ(f->kind, v1::FEEDBACK_KIND_CONFIRM) << s;
  }
  for (const char* s : {"0", "6", "45", "merhaba", "tamam ama çukur hâlâ orada", ""}) {
    EXPECT_FALSE(ParseFeedback(s).has_value()) << s;
  }
}

class FeedbackTest : public WhatsAppFixture {
 protected:
  FeedbackTest() {
    service_.SetFeedback(&resolved_);
    service_.SetVault(&vault_);
  }
  events::ConsumedEvent Decision(std::function<void(v1::Envelope&)> fill, const std::string& id) {
    events::EnvelopeMeta m;
    m.event_id = id;
    m.source = "routing";
    m.occurred_at = clock_.Now();
    events::ConsumedEvent e;
    e.envelope = events::NewEnvelope(m);
    fill(e.envelope);
    events::StampType(e.envelope);
    return e;
  }
  v1::Case TheCase() {
    auto contacts = Contacts();
    EXPECT_EQ(contacts.size(), 1u);
    return contacts.back().envelope.contact_received().requested_case();
  }
  void Resolve(const v1::Case& c) {
    ASSERT_TRUE(projection_.Handle(Decision([&](v1::Envelope& e) {
      *e.mutable_case_resolved()->mutable_case_() = c;
      e.mutable_case_resolved()->set_resolution_text("Çukur kapatıldı.");
    }, common::DerivedId(c.case_id(), "resolved"))).ok());
  }
  std::vector<events::OutgoingEvent> Feedback() { return publisher_.Published("teksin.citizen.feedback.v1"); }

  InMemoryResolvedCaseStore resolved_;
  vault::InMemoryContactVault vault_{*vault::ContactCipher::FromKeyText(kVaultKey)};
  ResolvedCaseProjection projection_{resolved_, absl::Hours(24 * 30)};
};

TEST_F(FeedbackTest, TheReplyAddressIsSealedInTheVaultWhenTheCaseIsAccepted) {
  ReportPothole();
  v1::Case c = TheCase();
  auto to = vault_.Get(c.case_id());
  ASSERT_TRUE(to.ok() && to->has_value()) << to.status();
  EXPECT_EQ((*to)->whatsapp_id, kWaId);
  EXPECT_EQ((*to)->language, "tr");
  EXPECT_EQ(vault_.records()[c.case_id()].find(kWaId), std::string::npos);
}

TEST_F(FeedbackTest, ARatingAfterTheResolutionIsPublishedOnceAndAnswered) {
  ReportPothole();
  v1::Case c = TheCase();
  // Before the resolution "4" is just a message: it starts a new conversation.
  Resolve(c);
  const nlohmann::json four = wa::Text(kWaId, kProfileName, NextId(), "4");
  PostOk(four);
  PostOk(four);  // Meta delivers it again
  auto fb = Feedback();
  ASSERT_EQ(fb.size(), 1u);
  EXPECT_EQ(fb[0].key, c.case_id());
  const auto& f = fb[0].envelope.citizen_feedback();
  EXPECT_EQ(f.kind(), v1::FEEDBACK_KIND_RATE);
  EXPECT_EQ(f.rating(), 4);
  EXPECT_EQ(f.case_id(), c.case_id());
  EXPECT_EQ(f.tracking_code(), c.tracking_code());
  EXPECT_EQ(f.citizen_key(), CitizenKey());
  EXPECT_EQ(f.channel(), v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(fb[0].envelope.SerializeAsString().find(kWaId), std::string::npos);
  EXPECT_EQ(LastReply().reply.body, "Değerlendirmeniz için teşekkür ederiz (4/5). " + c.tracking_code() +
                                        " numaralı başvurunuz kapatılıyor.");
  EXPECT_EQ(Metric("teksin_channel_whatsapp_feedback_published_total{kind=\"rate\"}"), 1);
  // Answered: a second "5" is an ordinary message again (no second feedback).
  PostOk(wa::Text(kWaId, kProfileName, NextId(), "5"));
  EXPECT_EQ(Feedback().size(), 1u);
}

TEST_F(FeedbackTest, ReopenAndConfirmWordsAndOnlyTheCitizensOwnCase) {
  ReportPothole();
  v1::Case c = TheCase();
  Resolve(c);
  // Another citizen saying "tekrar aç" reopens nothing.
  PostOk(wa::Text("905059876543", "Mehmet", NextId(), "tekrar aç"));
  EXPECT_TRUE(Feedback().empty());
  PostOk(wa::Text(kWaId, kProfileName, NextId(), "TEKRAR AÇ"));
  auto fb = Feedback();
  ASSERT_EQ(fb.size(), 1u);
  EXPECT_EQ(fb[0].envelope.citizen_feedback().kind(), v1::FEEDBACK_KIND_REOPEN);
  EXPECT_EQ(fb[0].envelope.citizen_feedback().comment(), "TEKRAR AÇ");
  EXPECT_NE(LastReply().reply.body.find("yeniden açılmasını"), std::string::npos);
  // Resolved again later (a new resolution): "teşekkürler" confirms.
  clock_.Advance(absl::Hours(48));
  Resolve(c);
  PostOk(wa::Text(kWaId, kProfileName, NextId(), "Teşekkürler"));
  fb = Feedback();
  ASSERT_EQ(fb.size(), 2u);
  EXPECT_EQ(fb[1].envelope.citizen_feedback().kind(), v1::FEEDBACK_KIND_CONFIRM);
  EXPECT_NE(fb[0].envelope.event_id(), fb[1].envelope.event_id());
}

TEST_F(FeedbackTest, ProjectionForgetsClosedAndReopenedCasesAndIgnoresOtherChannels) {
  ReportPothole();
  v1::Case c = TheCase();
  Resolve(c);
  ASSERT_TRUE(projection_.Handle(Decision([&](v1::Envelope& e) {
    *e.mutable_case_closed()->mutable_case_() = c;
  }, "closed-1")).ok());
  EXPECT_FALSE(resolved_.Get(CitizenKey())->has_value());
  Resolve(c);
  ASSERT_TRUE(projection_.Handle(Decision([&](v1::Envelope& e) {
    *e.mutable_case_reopened()->mutable_case_() = c;
  }, "reopened-1")).ok());
  EXPECT_FALSE(resolved_.Get(CitizenKey())->has_value());
  v1::Case web = c;
  web.set_channel(v1::CHANNEL_WEB);
  Resolve(web);
  EXPECT_FALSE(resolved_.Get(CitizenKey())->has_value());
  // A conversation in progress is not interrupted by a number: "2" picks a list row there.
  Resolve(c);
  PostOk(wa::Text(kWaId, kProfileName, NextId(), "Kaldırım taşları kırık."));
  PostOk(wa::Text(kWaId, kProfileName, NextId(), "2"));
  EXPECT_TRUE(Feedback().empty());
}

}  // namespace
}  // namespace teksin::channel_whatsapp
