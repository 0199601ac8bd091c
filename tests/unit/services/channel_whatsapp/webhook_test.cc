// The webhook as Meta uses it: the subscription handshake, X-Hub-Signature-256 over the raw body,
// the notification payload's shape, and what each refusal publishes (nothing).
#include "channel_whatsapp/webhook.h"

#include "common/crypto.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/status.h"
#include "services/channel_whatsapp/fixture.h"

namespace teksin::channel_whatsapp {
namespace {

namespace wa = teksin::testing::whatsapp;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

TEST(Signature, IsHmacSha256OfTheRawBodyUnderTheAppSecret) {
  const std::string body = R"({"object":"whatsapp_business_account","entry":[]})";
  const std::string header = SignatureHeader("s3cret", body);
  EXPECT_EQ(header, "sha256=" + common::HmacSha256Hex("s3cret", body));
  EXPECT_TRUE(SignatureValid("s3cret", header, body));
  // Upper-case hex and surrounding blanks are accepted.
  std::string upper = "sha256=" + header.substr(7);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  upper.replace(0, 6, "sha256");
  EXPECT_TRUE(SignatureValid("s3cret", " " + upper + " ", body));
}

TEST(Signature, RefusesWrongSecretAlteredBodyAndBadForms) {
  const std::string body = R"({"object":"whatsapp_business_account","entry":[]})";
  const std::string header = SignatureHeader("s3cret", body);
  EXPECT_FALSE(SignatureValid("other", header, body));
  EXPECT_FALSE(SignatureValid("s3cret", header, body + " "));  // re-serialised JSON differs
  EXPECT_FALSE(SignatureValid("s3cret", header.substr(7), body));  // no "sha256="
  EXPECT_FALSE(SignatureValid("s3cret", "sha1=" + header.substr(7), body));
  EXPECT_FALSE(SignatureValid("s3cret", header.substr(0, header.size() - 1), body));
  EXPECT_FALSE(SignatureValid("s3cret", "", body));
}

TEST(ParseNotification, ReadsEveryMessageTypeTheDialogueUses) {
  auto n = ParseNotification(wa::Text(kWaId, kProfileName, "wamid.1", "Çöp alınmadı").dump());
  ASSERT_OK(n);
  ASSERT_THAT(n->messages, SizeIs(1));
  const auto& t = n->messages[0];
  EXPECT_EQ(t.id, "wamid.1");
  EXPECT_EQ(t.from, kWaId);
  EXPECT_EQ(t.type, "text");
  EXPECT_EQ(t.text, "Çöp alınmadı");
  EXPECT_EQ(t.timestamp, 1779433200);
  EXPECT_EQ(t.phone_number_id, wa::kPhoneNumberId);

  n = ParseNotification(wa::Location(kWaId, kProfileName, "wamid.2", 36.8121, 34.6415, "Forum Mersin",
                                     "Güvenevler, Yenişehir").dump());
  ASSERT_OK(n);
  EXPECT_TRUE(n->messages[0].has_location);
  EXPECT_DOUBLE_EQ(n->messages[0].latitude, 36.8121);
  EXPECT_DOUBLE_EQ(n->messages[0].longitude, 34.6415);
  EXPECT_EQ(n->messages[0].location_name, "Forum Mersin");
  EXPECT_EQ(n->messages[0].location_address, "Güvenevler, Yenişehir");

  n = ParseNotification(wa::Image(kWaId, kProfileName, "wamid.3", "1479538249438227", "Taşan konteyner").dump());
  ASSERT_OK(n);
  EXPECT_EQ(n->messages[0].media_id, "1479538249438227");
  EXPECT_EQ(n->messages[0].mime_type, "image/jpeg");
  EXPECT_EQ(n->messages[0].caption, "Taşan konteyner");

  n = ParseNotification(wa::ListReply(kWaId, kProfileName, "wamid.4", "c:su-ariza", "Boru patlağı").dump());
  ASSERT_OK(n);
  EXPECT_EQ(n->messages[0].interactive_type, "list_reply");
  EXPECT_EQ(n->messages[0].reply_id, "c:su-ariza");
  EXPECT_EQ(n->messages[0].reply_title, "Boru patlağı");

  n = ParseNotification(wa::ButtonReply(kWaId, kProfileName, "wamid.5", "m:all", "Başka").dump());
  ASSERT_OK(n);
  EXPECT_EQ(n->messages[0].interactive_type, "button_reply");
  EXPECT_EQ(n->messages[0].reply_id, "m:all");

  n = ParseNotification(wa::Status(kWaId, "wamid.out1", "delivered").dump());
  ASSERT_OK(n);
  EXPECT_THAT(n->messages, IsEmpty());
  ASSERT_THAT(n->statuses, SizeIs(1));
  EXPECT_EQ(n->statuses[0].status, "delivered");
}

TEST(ParseNotification, KeepsUnknownTypesAndSkipsOtherFields) {
  auto n = ParseNotification(
      wa::Message(kWaId, kProfileName, "wamid.6", "audio", {{"id", "55"}, {"mime_type", "audio/ogg"}}).dump());
  ASSERT_OK(n);
  EXPECT_EQ(n->messages[0].type, "audio");
  nlohmann::json other = {{"object", "whatsapp_business_account"},
                          {"entry", {{{"id", "1"}, {"changes", {{{"field", "account_update"},
                                                                 {"value", {{"event", "VERIFIED"}}}}}}}}}};
  n = ParseNotification(other.dump());
  ASSERT_OK(n);
  EXPECT_EQ(n->ignored_changes, 1);
  EXPECT_THAT(n->messages, IsEmpty());
}

TEST(ParseNotification, RefusesMalformedBodiesWithAReason) {
  auto reason = [](const std::string& body) {
    auto n = ParseNotification(body);
    return n.ok() ? std::string("accepted") : std::string(n.status().message());
  };
  EXPECT_EQ(reason("{not json"), "the body is not valid JSON");
  EXPECT_EQ(reason("[1,2]"), "the body is not a JSON object");
  EXPECT_THAT(reason(R"({"object":"page","entry":[]})"), HasSubstr("whatsapp_business_account"));
  EXPECT_THAT(reason(R"({"object":"whatsapp_business_account"})"), HasSubstr("\"entry\""));
  EXPECT_THAT(reason(R"({"object":"whatsapp_business_account","entry":[{"id":"1"}]})"),
              HasSubstr("\"changes\""));
  auto msg = wa::Text(kWaId, kProfileName, "wamid.7", "x");
  auto& m = msg["entry"][0]["changes"][0]["value"]["messages"][0];
  m.erase("from");
  EXPECT_THAT(reason(msg.dump()), HasSubstr("\"from\""));
  msg = wa::Text(kWaId, kProfileName, "wamid.7", "x");
  msg["entry"][0]["changes"][0]["value"]["messages"][0]["text"] = "not an object";
  EXPECT_THAT(reason(msg.dump()), HasSubstr("\"text\" must be an object"));
  msg = wa::Location(kWaId, kProfileName, "wamid.8", 120.0, 34.0);
  EXPECT_THAT(reason(msg.dump()), HasSubstr("latitude and longitude"));
  msg = wa::Image(kWaId, kProfileName, "wamid.9", "", "");
  EXPECT_THAT(reason(msg.dump()), HasSubstr("\"id\""));
  msg = wa::Text(kWaId, kProfileName, "wamid.10", "x");
  msg["entry"][0]["changes"][0]["value"]["messages"] = "oops";
  EXPECT_THAT(reason(msg.dump()), HasSubstr("\"messages\" must be an array"));
}

TEST(WhatsAppIdToE164, TurkishNumbersAsTheOtherChannelsKeyThemOthersWithAPlus) {
  EXPECT_EQ(*WhatsAppIdToE164("905321234567"), "+905321234567");
  EXPECT_EQ(*WhatsAppIdToE164("+905321234567"), "+905321234567");
  // The same person on the phone line: the same citizen key.
  EXPECT_EQ(common::CitizenKey("k", *WhatsAppIdToE164("905321234567")),
            common::CitizenKey("k", *common::NormalizeTurkishPhone("0532 123 45 67")));
  EXPECT_EQ(*WhatsAppIdToE164("4915112345678"), "+4915112345678");
  EXPECT_EQ(*WhatsAppIdToE164("12025550123"), "+12025550123");
  EXPECT_FALSE(WhatsAppIdToE164("abc").ok());
  EXPECT_FALSE(WhatsAppIdToE164("12345").ok());
  EXPECT_FALSE(WhatsAppIdToE164("0532123456789").ok());
}

class WebhookEndpointTest : public WhatsAppFixture {};

TEST_F(WebhookEndpointTest, VerificationEchoesTheChallengeOnlyForTheRightToken) {
  HttpResult r = endpoint_.Verify("subscribe", kVerifyToken, "1158201444");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "1158201444");
  EXPECT_EQ(r.content_type, "text/plain");
  EXPECT_EQ(endpoint_.Verify("subscribe", "wrong", "1158201444").status, 403);
  EXPECT_EQ(endpoint_.Verify("subscribe", "", "1158201444").status, 403);
  EXPECT_EQ(endpoint_.Verify("unsubscribe", kVerifyToken, "1158201444").status, 403);
  EXPECT_EQ(endpoint_.Verify("subscribe", std::string(kVerifyToken) + "x", "1").status, 403);
}

TEST_F(WebhookEndpointTest, UnsignedOrWronglySignedNotificationsAreRefusedAndPublishNothing) {
  const std::string body = wa::Text(kWaId, kProfileName, NextId(), "Çukur var").dump();
  HttpResult r = endpoint_.Notify(std::nullopt, body);
  EXPECT_EQ(r.status, 401);
  r = endpoint_.Notify(SignatureHeader("not-the-app-secret", body), body);
  EXPECT_EQ(r.status, 401);
  EXPECT_THAT(r.body, HasSubstr("does not match"));
  // Signed for another body (a replay with the text changed).
  r = endpoint_.Notify(SignatureHeader(kAppSecret, body), body + "\n");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(publisher_.size(), 0u);
  EXPECT_THAT(sender_.sent, IsEmpty());
  EXPECT_EQ(conversations_.size(), 0u);
  EXPECT_EQ(Metric("teksin_channel_whatsapp_signature_failures_total{reason=\"missing\"}"), 1);
  EXPECT_EQ(Metric("teksin_channel_whatsapp_signature_failures_total{reason=\"mismatch\"}"), 2);
}

TEST_F(WebhookEndpointTest, MalformedSignedBodiesAre400AndOversizedOnes413) {
  const std::string bad = R"({"object":"whatsapp_business_account","entry":"x"})";
  HttpResult r = endpoint_.Notify(SignatureHeader(kAppSecret, bad), bad);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(nlohmann::json::parse(r.body)["error"].get<std::string>(), HasSubstr("\"entry\" must be an array"));
  const std::string big(65 * 1024, ' ');
  EXPECT_EQ(endpoint_.Notify(SignatureHeader(kAppSecret, big), big).status, 413);
  EXPECT_EQ(publisher_.size(), 0u);
  EXPECT_THAT(sender_.sent, IsEmpty());
}

TEST_F(WebhookEndpointTest, StatusCallbacksAreAcceptedAndIgnored) {
  HttpResult r = Post(wa::Status(kWaId, "wamid.out.1", "read"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(publisher_.size(), 0u);
  EXPECT_THAT(sender_.sent, IsEmpty());
  EXPECT_EQ(Metric("teksin_channel_whatsapp_statuses_total{status=\"read\"}"), 1);
}

TEST_F(WebhookEndpointTest, ABrokerOutageIs503SoMetaDeliversAgainAndTheRetryCreatesOneCase) {
  namespace w = teksin::testing::whatsapp;
  PostOk(w::Text(kWaId, kProfileName, NextId(), "Sokakta su borusu patladı"));
  PostOk(w::ListReply(kWaId, kProfileName, NextId(), "c:su-ariza", "Boru patlağı, sızıntı"));
  const nlohmann::json last = w::Text(kWaId, kProfileName, NextId(), "Akdeniz");
  publisher_.FailNext(1);
  size_t replies_before = sender_.sent.size();
  EXPECT_EQ(Post(last).status, 503);
  EXPECT_EQ(sender_.sent.size(), replies_before);  // no tracking code before Kafka has the case
  EXPECT_EQ(Post(last).status, 200);               // Meta's retry of the same message
  EXPECT_EQ(Post(last).status, 200);               // and once more: a duplicate now
  auto contacts = Contacts();
  ASSERT_THAT(contacts, SizeIs(1));
  const auto& c = contacts[0].envelope.contact_received().requested_case();
  EXPECT_EQ(c.location().district(), "Akdeniz");
  EXPECT_THAT(LastReply().reply.body, HasSubstr(c.tracking_code()));
  EXPECT_EQ(sender_.sent.size(), replies_before + 1);
  EXPECT_EQ(Metric("teksin_channel_whatsapp_duplicates_total"), 1);
}

}  // namespace
}  // namespace teksin::channel_whatsapp
