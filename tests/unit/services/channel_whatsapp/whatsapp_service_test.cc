// The tip line end to end on in-memory doubles: signed notifications in, ContactReceived on
// teksin.channel.whatsapp.contacts.v1 and replies out; retries, rate limits, failures of the
// Cloud API and of Kafka, abandoned conversations, and personal data kept inside the channel.
#include "channel_whatsapp/whatsapp_service.h"

#include <mutex>
#include <thread>

#include "common/ids.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/channel_whatsapp/fixture.h"
#include "support/status.h"

namespace teksin::channel_whatsapp {
namespace {

namespace wa = teksin::testing::whatsapp;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::SizeIs;

class WhatsAppServiceTest : public WhatsAppFixture {};

TEST_F(WhatsAppServiceTest, ADialoguePublishesOneCaseRequestAndRepliesWithItsTrackingCode) {
  ReportPothole();
  auto contacts = Contacts();
  ASSERT_THAT(contacts, SizeIs(1));
  const auto& out = contacts[0];
  EXPECT_EQ(out.topic, kContactsTopic);
  EXPECT_EQ(out.key, CitizenKey());
  const v1::Envelope& env = out.envelope;
  EXPECT_EQ(env.event_type(), "teksin.v1.ContactReceived");
  EXPECT_EQ(env.source(), "channel_whatsapp");
  EXPECT_EQ(env.partition_key(), CitizenKey());
  const auto& contact = env.contact_received();
  EXPECT_EQ(contact.channel(), v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(contact.outcome(), v1::CONTACT_OUTCOME_CASE_REQUESTED);
  EXPECT_FALSE(contact.contact_id().empty());
  // The message id embeds the sender's number; only its keyed reference leaves the channel.
  EXPECT_THAT(contact.idempotency_key(), MatchesRegex("wm_[0-9a-f]{24}"));
  const v1::Case& c = contact.requested_case();
  EXPECT_THAT(c.case_id(), MatchesRegex("[0-9a-f]{32}"));
  EXPECT_EQ(env.correlation_id(), c.case_id());
  std::string normalized;
  EXPECT_TRUE(common::NormalizeTrackingCode(c.tracking_code(), &normalized));
  EXPECT_EQ(c.channel(), v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(c.category(), "yol-sokak");
  EXPECT_EQ(c.text(), "Sokağımızda büyük bir çukur var, araçlar zarar görüyor.");
  EXPECT_TRUE(c.location().has_coordinates());
  EXPECT_DOUBLE_EQ(c.location().lat(), 36.9180);
  EXPECT_DOUBLE_EQ(c.location().lon(), 34.8950);
  EXPECT_EQ(c.location().address(), "Şehitmustafa Mahallesi, Tarsus, Mersin");
  EXPECT_EQ(c.citizen_key(), CitizenKey());
  EXPECT_EQ(c.language(), "tr");
  EXPECT_EQ(c.status(), v1::CASE_STATUS_RECEIVED);
  // Received when the citizen wrote the first message (Meta's timestamp).
  EXPECT_EQ(common::FromProto(c.received_at()), absl::FromUnixSeconds(1779433200));

  // Three answers: the list, the location question, and the tracking code.
  ASSERT_THAT(sender_.sent, SizeIs(3));
  EXPECT_EQ(sender_.sent[0].reply.kind, Reply::Kind::kList);
  const OutgoingReply& last = LastReply();
  EXPECT_EQ(last.to, kWaId);
  EXPECT_EQ(last.phone_number_id, wa::kPhoneNumberId);
  EXPECT_EQ(last.citizen_key, CitizenKey());
  EXPECT_THAT(last.reply.body, HasSubstr(c.tracking_code()));
  EXPECT_EQ(conversations_.size(), 0u);  // the conversation ended with the case
  EXPECT_EQ(Metric("teksin_channel_whatsapp_cases_published_total"), 1);
  EXPECT_EQ(Metric("teksin_channel_whatsapp_messages_received_total{type=\"text\"}"), 1);
  EXPECT_EQ(Metric("teksin_channel_whatsapp_messages_received_total{type=\"interactive\"}"), 1);
  EXPECT_EQ(Metric("teksin_channel_whatsapp_messages_received_total{type=\"location\"}"), 1);
  EXPECT_EQ(Metric("teksin_channel_whatsapp_replies_sent_total"), 3);

  // The next message starts a new conversation with new ids.
  const std::string case_id = c.case_id(), event_id = env.event_id();
  ReportPothole();
  auto again = Contacts();
  ASSERT_THAT(again, SizeIs(2));
  EXPECT_NE(again[1].envelope.contact_received().requested_case().case_id(), case_id);
  EXPECT_NE(again[1].envelope.event_id(), event_id);
}

TEST_F(WhatsAppServiceTest, ARedeliveredMessageChangesNothingAndGetsNoSecondReply) {
  const auto first = wa::Text(kWaId, kProfileName, NextId(), "Çöp konteyneri taştı, çöp alınmadı");
  PostOk(first);
  PostOk(first);
  EXPECT_THAT(sender_.sent, SizeIs(1));
  PostOk(wa::ListReply(kWaId, kProfileName, NextId(), "c:cop-alinmadi", "Çöp alınmadı"));
  const auto last = wa::Text(kWaId, kProfileName, NextId(), "Erdemli");
  PostOk(last);
  PostOk(last);
  PostOk(last);
  ASSERT_THAT(Contacts(), SizeIs(1));
  EXPECT_EQ(Contacts()[0].envelope.contact_received().requested_case().text(),
            "Çöp konteyneri taştı, çöp alınmadı");  // not twice
  EXPECT_THAT(sender_.sent, SizeIs(3));
  EXPECT_EQ(Metric("teksin_channel_whatsapp_duplicates_total"), 3);
}

TEST_F(WhatsAppServiceTest, OneNotificationWithSeveralMessagesHandlesEachInOrder) {
  auto batch = wa::Text(kWaId, kProfileName, NextId(), "Sokak lambası yanmıyor");
  auto& msgs = batch["entry"][0]["changes"][0]["value"]["messages"];
  auto second = wa::ListReply(kWaId, kProfileName, NextId(), "c:sokak-lambasi", "Sokak lambası");
  auto third = wa::Text(kWaId, kProfileName, NextId(), "Mezitli");
  msgs.push_back(second["entry"][0]["changes"][0]["value"]["messages"][0]);
  msgs.push_back(third["entry"][0]["changes"][0]["value"]["messages"][0]);
  PostOk(batch);
  ASSERT_THAT(Contacts(), SizeIs(1));
  EXPECT_EQ(Contacts()[0].envelope.contact_received().requested_case().location().district(), "Mezitli");
}

TEST_F(WhatsAppServiceTest, AnImageWithACaptionBecomesTheDescriptionAndTheMediaReference) {
  PostOk(wa::Image(kWaId, kProfileName, NextId(), "1479538249438227",
                   "Parktaki salıncak kırık, çocuklar yaralanabilir"));
  PostOk(wa::ListReply(kWaId, kProfileName, NextId(), "c:oyun-alani", "Kırık oyun aleti"));
  PostOk(wa::Location(kWaId, kProfileName, NextId(), 36.7846, 34.5287));
  ASSERT_THAT(Contacts(), SizeIs(1));
  const auto c = Contacts()[0].envelope.contact_received().requested_case();
  EXPECT_EQ(c.text(), "Parktaki salıncak kırık, çocuklar yaralanabilir");
  EXPECT_EQ(c.media_url(), "whatsapp-media:1479538249438227");
  EXPECT_EQ(c.category(), "oyun-alani");
}

TEST_F(WhatsAppServiceTest, OverTheRateLimitThereIsOnePoliteNoticeAndNothingPublished) {
  for (int i = 0; i < 20; ++i) {
    PostOk(wa::Text(kWaId, kProfileName, NextId(), "Su yok " + std::to_string(i)));
  }
  size_t before = sender_.sent.size();
  for (int i = 0; i < 5; ++i) {
    HttpResult r = Post(wa::Text(kWaId, kProfileName, NextId(), "Hâlâ su yok"));
    EXPECT_EQ(r.status, 200);  // Meta is always answered
  }
  ASSERT_EQ(sender_.sent.size(), before + 1);
  EXPECT_THAT(LastReply().reply.body, HasSubstr("çok sayıda mesaj"));
  EXPECT_EQ(Metric("teksin_channel_whatsapp_rate_limited_total"), 5);
  auto conv = conversations_.Get(CitizenKey());
  ASSERT_OK(conv);
  EXPECT_THAT((*conv)->text, Not(HasSubstr("Hâlâ")));
  // Another citizen is not limited.
  PostOk(wa::Text("905551112233", "Mehmet", NextId(), "Su yok"));
  EXPECT_EQ(sender_.sent.size(), before + 2);
  // The next window: the citizen is heard again.
  clock_.Advance(absl::Minutes(2));
  PostOk(wa::ListReply(kWaId, kProfileName, NextId(), "c:su-kesintisi", "Su kesintisi"));
  PostOk(wa::Text(kWaId, kProfileName, NextId(), "Toroslar"));
  EXPECT_THAT(Contacts(), SizeIs(1));
}

TEST_F(WhatsAppServiceTest, CloudApiFailuresAreCountedAndNeverLoseTheCase) {
  sender_.fail_all = true;
  ReportPothole();
  EXPECT_THAT(Contacts(), SizeIs(1));
  EXPECT_THAT(sender_.sent, IsEmpty());
  EXPECT_EQ(sender_.attempts, 6);  // three replies, two tries each (retryable)
  EXPECT_EQ(Metric("teksin_channel_whatsapp_replies_failed_total"), 3);
  EXPECT_EQ(Metric("teksin_channel_whatsapp_reply_retries_total"), 3);
}

TEST_F(WhatsAppServiceTest, CancellingIsAContactAnsweredOnTheSpot) {
  PostOk(wa::Text(kWaId, kProfileName, NextId(), "Otobüs gelmedi"));
  PostOk(wa::Text(kWaId, kProfileName, NextId(), "iptal"));
  ASSERT_THAT(Contacts(), SizeIs(1));
  const auto contact = Contacts()[0].envelope.contact_received();
  EXPECT_EQ(contact.outcome(), v1::CONTACT_OUTCOME_ANSWERED_ON_SPOT);
  EXPECT_EQ(contact.channel(), v1::CHANNEL_WHATSAPP);
  EXPECT_FALSE(contact.has_requested_case());
  EXPECT_EQ(Contacts()[0].key, CitizenKey());
  EXPECT_EQ(conversations_.size(), 0u);
  EXPECT_THAT(LastReply().reply.body, HasSubstr("iptal edildi"));
  // "iptal" with nothing open publishes nothing.
  PostOk(wa::Text(kWaId, kProfileName, NextId(), "iptal"));
  EXPECT_THAT(Contacts(), SizeIs(1));
}

TEST_F(WhatsAppServiceTest, AnAbandonedConversationIsSweptOnceAsAnsweredOnTheSpot) {
  PostOk(wa::Text(kWaId, kProfileName, NextId(), "Merhaba"));
  PostOk(wa::Text("905551112233", "Mehmet", NextId(), "Kaldırım işgali var"));
  clock_.Advance(absl::Hours(20));
  PostOk(wa::Text("905551112233", "Mehmet", NextId(), "Dükkan önü"));  // still talking
  ASSERT_OK(service_.SweepAbandoned());
  EXPECT_THAT(Contacts(), IsEmpty());
  clock_.Advance(absl::Hours(5));
  auto n = service_.SweepAbandoned();
  ASSERT_OK(n);
  EXPECT_EQ(*n, 1);
  ASSERT_THAT(Contacts(), SizeIs(1));
  EXPECT_EQ(Contacts()[0].key, CitizenKey());
  EXPECT_EQ(Contacts()[0].envelope.contact_received().outcome(), v1::CONTACT_OUTCOME_ANSWERED_ON_SPOT);
  n = service_.SweepAbandoned();
  EXPECT_EQ(*n, 0);
  EXPECT_THAT(Contacts(), SizeIs(1));
  EXPECT_EQ(conversations_.size(), 1u);
  EXPECT_EQ(Metric("teksin_channel_whatsapp_conversations_abandoned_total"), 1);
}

TEST_F(WhatsAppServiceTest, ConversationsOfDifferentCitizensDoNotMix) {
  const std::string other = "905551112233";
  PostOk(wa::Text(kWaId, kProfileName, NextId(), "Sokak lambası yanmıyor"));
  PostOk(wa::Text(other, "Mehmet", NextId(), "Kanalizasyon taştı"));
  PostOk(wa::ListReply(other, "Mehmet", NextId(), "c:kanal-tasma", "Kanalizasyon taşması"));
  PostOk(wa::ListReply(kWaId, kProfileName, NextId(), "c:sokak-lambasi", "Sokak lambası"));
  PostOk(wa::Text(other, "Mehmet", NextId(), "Silifke"));
  PostOk(wa::Text(kWaId, kProfileName, NextId(), "Anamur"));
  auto contacts = Contacts();
  ASSERT_THAT(contacts, SizeIs(2));
  const auto& a = contacts[0].envelope.contact_received().requested_case();
  const auto& b = contacts[1].envelope.contact_received().requested_case();
  EXPECT_EQ(a.category(), "kanal-tasma");
  EXPECT_EQ(a.location().district(), "Silifke");
  EXPECT_EQ(a.citizen_key(), common::CitizenKey(kCitizenSecret, "+905551112233"));
  EXPECT_EQ(b.category(), "sokak-lambasi");
  EXPECT_EQ(b.location().district(), "Anamur");
  EXPECT_NE(a.tracking_code(), b.tracking_code());
}

TEST_F(WhatsAppServiceTest, ForeignNumbersAreKeyedAsPlusDigits) {
  const std::string german = "4915112345678";
  PostOk(wa::Text(german, "Hans", NextId(), "Plajda çöp var"));
  PostOk(wa::ListReply(german, "Hans", NextId(), "c:sahil-temizlik", "Sahil"));
  PostOk(wa::Text(german, "Hans", NextId(), "Erdemli"));
  ASSERT_THAT(Contacts(), SizeIs(1));
  EXPECT_EQ(Contacts()[0].key, common::CitizenKey(kCitizenSecret, "+4915112345678"));
}

TEST_F(WhatsAppServiceTest, PhoneNumbersAndNamesNeverReachLogsMetricsOrEvents) {
  ::testing::internal::CaptureStderr();
  ReportPothole();
  PostOk(wa::Text(kWaId, kProfileName, NextId(), "Bir sorun daha"));
  PostOk(wa::Text(kWaId, kProfileName, NextId(), "iptal"));
  // Failures log too: a broker outage, the Cloud API down, a malformed body, a bad signature.
  publisher_.FailNext(1);
  PostOk(wa::Text(kWaId, kProfileName, NextId(), "Su kesildi"));
  PostOk(wa::ListReply(kWaId, kProfileName, NextId(), "c:su-kesintisi", "Su kesintisi"));
  sender_.fail_all = true;
  EXPECT_EQ(Post(wa::Text(kWaId, kProfileName, NextId(), "Akdeniz")).status, 503);
  const std::string body = wa::Text(kWaId, kProfileName, NextId(), "x").dump();
  EXPECT_EQ(endpoint_.Notify(std::string("sha256=") + std::string(64, '0'), body).status, 401);
  auto broken = wa::Text(kWaId, kProfileName, NextId(), "x");
  broken["entry"][0]["changes"][0]["value"]["messages"][0].erase("id");
  EXPECT_EQ(Post(broken).status, 400);
  for (int i = 0; i < 25; ++i) Post(wa::Text(kWaId, kProfileName, NextId(), "tekrar"));
  std::string logs = ::testing::internal::GetCapturedStderr();

  ASSERT_FALSE(logs.empty());
  EXPECT_THAT(logs, HasSubstr(CitizenKey()));  // the citizen is known by the key
  std::string published;
  for (const auto& e : publisher_.All()) published += e.key + e.envelope.SerializeAsString() + e.envelope.DebugString();
  ASSERT_FALSE(published.empty());
  const std::string metrics = registry_.Render();
  // "wamid." ids carry the number in base64 ("OTA1MzIxMjM0NTY3" is "905321234567").
  for (const std::string secret : {"5321234567", "532 123", "Ayşe", "Yılmaz", kCitizenSecret,
                                   "wamid", "OTA1MzIxMjM0NTY3"}) {
    EXPECT_THAT(logs, Not(HasSubstr(secret))) << secret;
    EXPECT_THAT(published, Not(HasSubstr(secret))) << secret;
    EXPECT_THAT(metrics, Not(HasSubstr(secret))) << secret;
  }
}

TEST(CloudApiBody, TextAndListMessagesAsTheCloudApiExpectsThem) {
  auto text = CloudApiBody("905321234567", Reply::Text("Takip kodunuz: 7KQ2M-X9D4F"));
  EXPECT_EQ(text["messaging_product"], "whatsapp");
  EXPECT_EQ(text["to"], "905321234567");
  EXPECT_EQ(text["type"], "text");
  EXPECT_EQ(text["text"]["body"], "Takip kodunuz: 7KQ2M-X9D4F");

  Reply list;
  list.kind = Reply::Kind::kList;
  list.body = "Bildiriminiz hangi konuyla ilgili?";
  list.button = "Konu seçin";
  list.footer = "Liste açılmıyorsa numarasını yazın";
  list.sections = {{"Önerilen konular", {{"c:yol-sokak", "Sokak/kaldırım bozukluğu", ""},
                                         {"m:all", "Başka bir konu", "Tüm konu başlıkları"}}}};
  auto j = CloudApiBody("905321234567", list);
  EXPECT_EQ(j["type"], "interactive");
  EXPECT_EQ(j["interactive"]["type"], "list");
  EXPECT_EQ(j["interactive"]["body"]["text"], "Bildiriminiz hangi konuyla ilgili?");
  EXPECT_EQ(j["interactive"]["footer"]["text"], "Liste açılmıyorsa numarasını yazın");
  EXPECT_EQ(j["interactive"]["action"]["button"], "Konu seçin");
  const auto& rows = j["interactive"]["action"]["sections"][0]["rows"];
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["id"], "c:yol-sokak");
  EXPECT_FALSE(rows[0].contains("description"));
  EXPECT_EQ(rows[1]["description"], "Tüm konu başlıkları");
}

// Replies to one citizen leave in the order they were made, even with several workers.
class OrderedSender : public ReplySender {
 public:
  absl::Status Send(const OutgoingReply& r) override {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    std::lock_guard<std::mutex> lock(mu);
    bodies[r.citizen_key].push_back(r.reply.body);
    return absl::OkStatus();
  }
  std::mutex mu;
  std::map<std::string, std::vector<std::string>> bodies;
};

TEST(ReplyDispatcher, KeepsEachCitizensOrderAcrossWorkersAndDrainsOnStop) {
  OrderedSender sender;
  metrics::Registry registry;
  DispatcherOptions options;
  options.workers = 3;
  ReplyDispatcher dispatcher(sender, registry, options);
  for (int i = 0; i < 40; ++i) {
    for (const char* ck : {"ck1_a", "ck1_b", "ck1_c"}) {
      dispatcher.Dispatch({"9055", "pn", ck, Reply::Text(std::to_string(i))});
    }
  }
  dispatcher.Stop();
  for (const char* ck : {"ck1_a", "ck1_b", "ck1_c"}) {
    const auto& got = sender.bodies[ck];
    ASSERT_EQ(got.size(), 40u) << ck;
    for (int i = 0; i < 40; ++i) EXPECT_EQ(got[static_cast<size_t>(i)], std::to_string(i));
  }
}

}  // namespace
}  // namespace teksin::channel_whatsapp
