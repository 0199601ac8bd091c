// Every channel keeps accepting while intake and routing are down: cases sent to Open311, the
// WhatsApp webhook and the call centre wait in Kafka, and when intake and routing come back every
// one of them is registered and routed.
#include <mutex>
#include <regex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "e2e/cloud_api_recorder.h"
#include "e2e/e2e_suite.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "unit/services/channel_whatsapp/payloads.h"

namespace teksin::testing {
namespace {

namespace wa = teksin::testing::whatsapp;

// The tracking codes in the replies the channel sent.
std::vector<std::string> TrackingCodes(CloudApiRecorder& recorder) {
  static const std::regex kCode("([0-9A-Z]{5}-[0-9A-Z]{5})");
  std::vector<std::string> out;
  for (const auto& call : recorder.calls()) {
    std::string text = call.body.dump();
    std::smatch m;
    if (std::regex_search(text, m, kCode)) out.push_back(m[1]);
  }
  return out;
}

TEST(ChannelsOutage, EveryChannelAcceptsWhileIntakeAndRoutingAreDownAndNothingIsLost) {
  E2eSuite suite("outage");
  CloudApiRecorder recorder;
  suite.StartRouting();
  suite.WaitHealthy("routing-1");
  suite.StartIntake();
  suite.StartAnalytics();
  suite.StartOpen311();
  suite.StartCallCenter();
  suite.StartWhatsApp(recorder.url());
  for (const char* k : {"intake-1", "analytics-1", "open311", "callcenter", "whatsapp"}) suite.WaitHealthy(k);

  // Intake and routing go down.
  EXPECT_EQ(suite.process("intake-1").Stop(), 0);
  EXPECT_EQ(suite.process("routing-1").Stop(), 0);

  std::mt19937_64 rng(11);
  std::vector<std::string> tracking;
  // Open311: four requests.
  for (int i = 0; i < 4; ++i) {
    auto pt = suite.districts().RandomPointIn(i % 2 ? "Tarsus" : "Akdeniz", rng);
    ASSERT_TRUE(pt);
    int status = 0;
    std::string code = suite.Submit("cop-alinmadi", pt->lat, pt->lon, absl::StrCat("Çöp alınmadı ", i),
                                    absl::StrCat("0533 222 11 ", 10 + i), &status);
    ASSERT_EQ(status, 201);
    tracking.push_back(code);
  }
  // The call centre: three registered cases and one question answered on the spot.
  auto cc = suite.CallCenter();
  for (int i = 0; i < 4; ++i) {
    v1::LogContactRequest req;
    req.set_idempotency_key(absl::StrCat("outage-call-", i));
    req.set_outcome(i == 3 ? v1::CONTACT_OUTCOME_ANSWERED_ON_SPOT : v1::CONTACT_OUTCOME_CASE_REQUESTED);
    req.set_channel(v1::CHANNEL_CALL_CENTER);
    req.set_operator_id("op-12");
    req.set_caller_phone(absl::StrCat("0534 333 44 ", 10 + i));
    req.set_category("su-ariza");
    req.set_text("Su borusu patladı");
    req.mutable_location()->set_district("Mezitli");
    v1::LogContactResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    grpc::Status st = cc->LogContact(&ctx, req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    if (i < 3) tracking.push_back(resp.tracking_code());
  }
  // WhatsApp: two citizens report with text, category and location; both get a tracking code.
  auto post = [&](const nlohmann::json& payload) {
    const std::string body = payload.dump();
    httplib::Client client("127.0.0.1", suite.http_port("whatsapp"));
    httplib::Headers h{{"X-Hub-Signature-256", "sha256=" + common::HmacSha256Hex(kWhatsAppAppSecret, body)}};
    auto r = client.Post("/webhooks/whatsapp", h, body, "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  };
  int seq = 0;
  long long now = static_cast<long long>(time(nullptr));
  for (const std::string from : {"905351112201", "905351112202"}) {
    auto pt = suite.districts().RandomPointIn("Toroslar", rng);
    ASSERT_TRUE(pt);
    post(wa::Text(from, "Vatandaş", absl::StrCat("wamid.outage", ++seq), "Sokak lambası yanmıyor", now));
    post(wa::ListReply(from, "Vatandaş", absl::StrCat("wamid.outage", ++seq), "c:sokak-lambasi",
                       "Sokak lambası yanmıyor", now));
    post(wa::Location(from, "Vatandaş", absl::StrCat("wamid.outage", ++seq), pt->lat, pt->lon, "", "", now));
  }
  ASSERT_TRUE(WaitUntil([&] { return TrackingCodes(recorder).size() == 2; }, std::chrono::seconds(30)));
  for (const auto& c : TrackingCodes(recorder)) tracking.push_back(c);
  ASSERT_EQ(tracking.size(), 9u);

  // Analytics counts the contacts now; nothing is registered while intake is down.
  nlohmann::json s;
  ASSERT_TRUE(WaitUntil([&] {
    s = suite.Summary();
    return JsonInt(s, "contacts") == 10;
  }, std::chrono::seconds(30))) << s.dump();
  EXPECT_EQ(JsonInt(s, "cases_registered"), 0);

  // Intake and routing come back and catch up.
  suite.StartRouting();
  suite.StartIntake();
  ASSERT_TRUE(WaitUntil([&] {
    s = suite.Summary();
    return JsonInt(s, "cases_routed") >= 9;
  }, std::chrono::seconds(90))) << s.dump();
  EXPECT_EQ(JsonInt(s, "contacts"), 10);
  EXPECT_EQ(JsonInt(s, "answered_on_spot"), 1);
  EXPECT_EQ(JsonInt(s, "cases_registered"), 9);
  EXPECT_EQ(JsonInt(s, "cases_routed"), 9);
  std::map<std::string, int64_t> cases_by_channel;
  for (const auto& row : s["by_channel"]) cases_by_channel[row["key"]] = JsonInt(row, "cases");
  EXPECT_EQ(cases_by_channel["web"], 4);
  EXPECT_EQ(cases_by_channel["call_center"], 3);
  EXPECT_EQ(cases_by_channel["whatsapp"], 2);
  // Every case is found by its tracking code, routed.
  for (const auto& code : tracking) {
    bool found = WaitUntil([&] { return !suite.Request(code).value("agency_responsible", "").empty(); },
                           std::chrono::seconds(30));
    EXPECT_TRUE(found) << code << ": " << suite.Request(code).dump();
  }
}

}  // namespace
}  // namespace teksin::testing
