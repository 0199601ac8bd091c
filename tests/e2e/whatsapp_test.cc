// The WhatsApp tip line as Meta drives it: signed webhook notifications replayed against
// channel_whatsapp (real Kafka and Redis), with intake, routing, analytics and the Open311 status
// view running. Cases are registered and routed and counted under the "whatsapp" channel; the
// citizen's replies, with the tracking code, reach a local recorder standing in for the Cloud API;
// refused and repeated deliveries create nothing.
#include <atomic>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "e2e/cloud_api_recorder.h"
#include "e2e/e2e_suite.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "unit/services/channel_whatsapp/payloads.h"

namespace teksin::testing {
namespace {

namespace wa = teksin::testing::whatsapp;

// The text of a reply (a text message's body or a list's body).
std::string BodyText(const nlohmann::json& b) {
  if (b.value("type", "") == "text") return b["text"].value("body", "");
  if (b.value("type", "") == "interactive") return b["interactive"]["body"].value("text", "");
  return "";
}

std::string TrackingCodeIn(const std::string& text) {
  static const std::regex kCode("Takip kodunuz: ([0-9A-Z]{5}-[0-9A-Z]{5})");
  std::smatch m;
  return std::regex_search(text, m, kCode) ? std::string(m[1]) : "";
}

// A string member of the Open311 view ("" when absent or null).
std::string Str(const nlohmann::json& j, const std::string& key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

struct Citizen {
  std::string wa_id, name;
};

class WhatsAppE2e {
 public:
  explicit WhatsAppE2e(E2eSuite& suite) : suite_(suite) {}
  HttpAnswer PostRaw(const std::string& body, const std::string& signature) {
    httplib::Client client("127.0.0.1", suite_.http_port("whatsapp"));
    client.set_read_timeout(30, 0);
    httplib::Headers headers;
    if (!signature.empty()) headers.emplace("X-Hub-Signature-256", signature);
    auto r = client.Post("/webhooks/whatsapp", headers, body, "application/json");
    HttpAnswer a;
    if (r) {
      a.status = r->status;
      a.body = r->body;
    }
    return a;
  }
  HttpAnswer Post(const nlohmann::json& payload) {
    const std::string body = payload.dump();
    return PostRaw(body, "sha256=" + common::HmacSha256Hex(kWhatsAppAppSecret, body));
  }
  void PostOk(const nlohmann::json& payload) {
    HttpAnswer a = Post(payload);
    ASSERT_EQ(a.status, 200) << a.body;
  }
  std::string NextId() { return absl::StrCat("wamid.HBgMOTA1MzIxMTEyMjMzFQIAEhgg", ++seq_, "E2E"); }
  long long Now() const { return static_cast<long long>(time(nullptr)); }

 private:
  E2eSuite& suite_;
  int seq_ = 0;
};

TEST(WhatsApp, TipsBecomeRoutedCasesCountedUnderWhatsAppAndCitizensGetTheirTrackingCodes) {
  E2eSuite suite("wa");
  CloudApiRecorder recorder;
  suite.StartRouting();
  suite.WaitHealthy("routing-1");
  // The channel creates its contacts topic before intake subscribes to every channel's topic.
  // Conversations idle for 10 s are abandoned (24 h in production), swept every second.
  suite.StartWhatsApp(recorder.url(), {{"WHATSAPP_PHONE_NUMBER_ID", "fallback-id"},
                                       {"WHATSAPP_CONVERSATION_TTL_SECONDS", "10"},
                                       {"WHATSAPP_SWEEP_INTERVAL_SECONDS", "1"}});
  suite.WaitHealthy("whatsapp");
  suite.StartIntake();
  suite.StartAnalytics();
  suite.StartOpen311();  // its status view shows any channel's case by tracking code
  for (const char* k : {"intake-1", "analytics-1", "open311"}) suite.WaitHealthy(k);
  WhatsAppE2e meta(suite);
  const int port = suite.http_port("whatsapp");

  // Meta's subscription handshake.
  HttpAnswer v = HttpGet(port, std::string("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=") +
                                   kWhatsAppVerifyToken + "&hub.challenge=1158201444");
  EXPECT_EQ(v.status, 200);
  EXPECT_EQ(v.body, "1158201444");
  EXPECT_EQ(HttpGet(port, "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1")
                .status,
            403);

  std::mt19937_64 rng(185);
  const Citizen ayse{"905321112233", "Ayşe Yılmaz"};
  const Citizen mehmet{"905059876543", "Mehmet Demir"};
  const Citizen zeynep{"905441234567", "Zeynep Kaya"};
  const Citizen ali{"905367778899", "Ali Çelik"};
  const Citizen hatice{"905387654321", "Hatice Şahin"};

  // Hatice says hello and never writes again: after the idle time, a contact answered on the spot.
  meta.PostOk(wa::Text(hatice.wa_id, hatice.name, meta.NextId(), "Merhaba", meta.Now()));

  // Refused deliveries first: a bad signature, none at all, a malformed body, an oversized one.
  {
    const std::string body = wa::Text(ayse.wa_id, ayse.name, meta.NextId(), "Çukur var", meta.Now()).dump();
    HttpAnswer a = meta.PostRaw(body, "sha256=" + common::HmacSha256Hex("not-the-secret", body));
    EXPECT_EQ(a.status, 401) << a.body;
    EXPECT_EQ(meta.PostRaw(body, "").status, 401);
    const std::string bad = R"({"object":"whatsapp_business_account","entry":[{"changes":"x"}]})";
    a = meta.PostRaw(bad, "sha256=" + common::HmacSha256Hex(kWhatsAppAppSecret, bad));
    EXPECT_EQ(a.status, 400);
    EXPECT_NE(a.body.find("changes"), std::string::npos) << a.body;
    const std::string big(300 * 1024, ' ');
    EXPECT_EQ(meta.PostRaw(big, "sha256=" + common::HmacSha256Hex(kWhatsAppAppSecret, big)).status, 413);
  }

  // Ayşe: a text, the category from the list, then her location in Tarsus.
  auto tarsus = suite.districts().RandomPointIn("Tarsus", rng);
  ASSERT_TRUE(tarsus.has_value());
  meta.PostOk(wa::Text(ayse.wa_id, ayse.name, meta.NextId(),
                       "Sokağımızda büyük bir çukur var, araçlar zarar görüyor.", meta.Now()));
  ASSERT_TRUE(WaitUntil([&] { return recorder.To(ayse.wa_id).size() == 1; }, std::chrono::seconds(10)));
  auto list = recorder.To(ayse.wa_id)[0].body;
  ASSERT_EQ(list.value("type", ""), "interactive") << list.dump();
  bool offered = false;
  for (const auto& row : list["interactive"]["action"]["sections"][0]["rows"]) {
    offered = offered || row["id"] == "c:yol-sokak";
  }
  EXPECT_TRUE(offered) << list.dump();
  meta.PostOk(wa::ListReply(ayse.wa_id, ayse.name, meta.NextId(), "c:yol-sokak",
                            "Sokak/kaldırım bozukluğu", meta.Now()));
  const nlohmann::json ayse_location =
      wa::Location(ayse.wa_id, ayse.name, meta.NextId(), tarsus->lat, tarsus->lon,
                   "Şehitmustafa Mahallesi", "Tarsus, Mersin", meta.Now());
  meta.PostOk(ayse_location);
  // Meta delivers the same message again (twice): no second case, no second reply.
  meta.PostOk(ayse_location);
  meta.PostOk(ayse_location);

  // Mehmet: an interactive button first, then the problem, a category, and a district typed.
  meta.PostOk(wa::Text(mehmet.wa_id, mehmet.name, meta.NextId(), "Merhaba", meta.Now()));
  meta.PostOk(wa::Text(mehmet.wa_id, mehmet.name, meta.NextId(), "Caddede su borusu patladı, su akıyor",
                       meta.Now()));
  meta.PostOk(wa::ButtonReply(mehmet.wa_id, mehmet.name, meta.NextId(), "m:all", "Başka bir konu",
                              meta.Now()));
  meta.PostOk(wa::ListReply(mehmet.wa_id, mehmet.name, meta.NextId(), "c:su-ariza",
                            "Boru patlağı, sızıntı", meta.Now()));
  meta.PostOk(wa::Text(mehmet.wa_id, mehmet.name, meta.NextId(), "AKDENİZ", meta.Now()));

  // Zeynep: a photo with a caption, the category, her location in Mezitli.
  auto mezitli = suite.districts().RandomPointIn("Mezitli", rng);
  ASSERT_TRUE(mezitli.has_value());
  meta.PostOk(wa::Image(zeynep.wa_id, zeynep.name, meta.NextId(), "1479538249438227",
                        "Çöp konteyneri taştı, üç gündür çöp alınmadı", meta.Now()));
  meta.PostOk(wa::ListReply(zeynep.wa_id, zeynep.name, meta.NextId(), "c:cop-alinmadi",
                            "Çöp alınmadı", meta.Now()));
  meta.PostOk(wa::Location(zeynep.wa_id, zeynep.name, meta.NextId(), mezitli->lat, mezitli->lon, "",
                           "", meta.Now()));

  // Ali changes his mind: a contact answered on the spot, no case.
  meta.PostOk(wa::Text(ali.wa_id, ali.name, meta.NextId(), "Otobüs durağında tabela yok", meta.Now()));
  meta.PostOk(wa::Text(ali.wa_id, ali.name, meta.NextId(), "iptal", meta.Now()));

  // Delivery statuses of our replies: acknowledged, nothing else.
  meta.PostOk(wa::Status(ayse.wa_id, "wamid.out", "delivered", meta.Now()));
  meta.PostOk(wa::Status(ayse.wa_id, "wamid.out", "read", meta.Now()));

  // Each citizen's last reply carries a tracking code; the case behind it is routed.
  struct Expect {
    Citizen who;
    std::string district, owner;
  };
  const std::vector<Expect> expected = {
      {ayse, "Tarsus", suite.rules().Decide("yol-sokak", "Tarsus").owner.id},
      {mehmet, "Akdeniz", suite.rules().Decide("su-ariza", "Akdeniz").owner.id},
      {zeynep, "Mezitli", suite.rules().Decide("cop-alinmadi", "Mezitli").owner.id}};
  std::set<std::string> codes;
  for (const auto& e : expected) {
    std::string code;
    ASSERT_TRUE(WaitUntil([&] {
      auto replies = recorder.To(e.who.wa_id);
      code = replies.empty() ? "" : TrackingCodeIn(BodyText(replies.back().body));
      return !code.empty();
    }, std::chrono::seconds(20))) << e.who.name << " got no tracking code";
    codes.insert(code);
    const std::string agency = suite.rules().FindOwner(e.owner)->name;
    bool routed = WaitUntil([&] {
      return Str(suite.Request(code), "agency_responsible") == agency;
    }, std::chrono::seconds(60));
    ASSERT_TRUE(routed) << code << " not routed to " << e.owner << ": " << suite.Request(code);
    EXPECT_EQ(Str(suite.Request(code), "district"), e.district);
  }
  EXPECT_EQ(codes.size(), 3u);

  // Analytics: three cases and five contacts (the cases, Ali's and Hatice's) on the whatsapp
  // channel, nothing from the refused or repeated deliveries.
  nlohmann::json s;
  ASSERT_TRUE(WaitUntil([&] {
    s = suite.Summary();
    return JsonInt(s, "cases_routed") == 3 && JsonInt(s, "contacts") == 5;
  }, std::chrono::seconds(60))) << s.dump();
  std::this_thread::sleep_for(std::chrono::seconds(3));  // anything extra would show by now
  s = suite.Summary();
  EXPECT_EQ(JsonInt(s, "contacts"), 5);
  EXPECT_EQ(JsonInt(s, "cases_registered"), 3);
  EXPECT_EQ(JsonInt(s, "cases_rejected"), 0);
  EXPECT_EQ(JsonInt(s, "cases_routed"), 3);
  nlohmann::json channel;
  for (const auto& row : s["by_channel"]) {
    if (row["key"] == "whatsapp") channel = row;
  }
  ASSERT_FALSE(channel.is_null()) << s.dump();
  EXPECT_EQ(JsonInt(channel, "contacts"), 5);
  EXPECT_EQ(JsonInt(channel, "cases"), 3);
  EXPECT_EQ(JsonInt(channel, "routed"), 3);

  // What the Cloud API received: the right endpoint and token, one tracking-code reply per case.
  auto calls = recorder.calls();
  ASSERT_FALSE(calls.empty());
  int with_code = 0;
  for (const auto& c : calls) {
    EXPECT_EQ(c.path, absl::StrCat("/v22.0/", wa::kPhoneNumberId, "/messages"));
    EXPECT_EQ(c.authorization, absl::StrCat("Bearer ", kWhatsAppAccessToken));
    EXPECT_EQ(c.body.value("messaging_product", ""), "whatsapp");
    if (!TrackingCodeIn(BodyText(c.body)).empty()) ++with_code;
  }
  EXPECT_EQ(with_code, 3);
  EXPECT_EQ(recorder.To(ayse.wa_id).size(), 3u);  // list, location question, tracking code
  auto ali_replies = recorder.To(ali.wa_id);
  ASSERT_FALSE(ali_replies.empty());
  EXPECT_NE(BodyText(ali_replies.back().body).find("iptal edildi"), std::string::npos);

  // The channel's figures, in valid exposition format.
  HttpAnswer m = HttpGet(port, "/metrics");
  ASSERT_EQ(m.status, 200);
  bool ok = false;
  std::string out = PromtoolCheck(m.body, &ok);
  EXPECT_TRUE(ok) << out;
  for (const char* series : {"teksin_channel_whatsapp_cases_published_total 3",
                             "teksin_channel_whatsapp_duplicates_total 2",
                             "teksin_channel_whatsapp_messages_received_total{type=\"image\"} 1",
                             "teksin_channel_whatsapp_signature_failures_total{reason=\"mismatch\"} 1",
                             "teksin_channel_whatsapp_signature_failures_total{reason=\"missing\"} 1",
                             "teksin_channel_whatsapp_statuses_total{status=\"read\"} 1",
                             "teksin_channel_whatsapp_conversations_abandoned_total 1",
                             "teksin_channel_whatsapp_contacts_published_total{outcome=\"answered_on_spot\"} 2"}) {
    EXPECT_NE(m.body.find(series), std::string::npos) << series << "\n" << m.body;
  }

  // Phone numbers and names stay in the channel: not in any log, not even inside message ids
  // (a "wamid." id is base64 of a structure holding the sender's number).
  for (const std::string key : {"whatsapp", "intake-1", "routing-1", "analytics-1", "open311"}) {
    std::string log = suite.process(key).LogTail(1 << 20);
    EXPECT_EQ(log.find("wamid"), std::string::npos) << key;
    for (const auto& c : {ayse, mehmet, zeynep, ali, hatice}) {
      EXPECT_EQ(log.find(c.wa_id.substr(2)), std::string::npos) << key;
      EXPECT_EQ(log.find(c.name), std::string::npos) << key;
    }
  }
}

}  // namespace
}  // namespace teksin::testing
