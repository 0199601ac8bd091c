// The citizen hears back, and answers: the notifier tells a WhatsApp citizen and an Open311
// citizen about their cases (a local Cloud API recorder and a local SMS gateway recorder stand in
// for Meta and the operator), and each citizen's feedback on the resolved case reaches
// <p>.citizen.feedback.v1 through their own channel — every service a process, real Kafka and
// Redis. Where routing acts on the feedback, the case closes with the rating or opens again.
#include <functional>
#include <random>
#include <regex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/crypto.h"
#include "e2e/cloud_api_recorder.h"
#include "e2e/e2e_suite.h"
#include "e2e/notification_watch.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "unit/services/channel_whatsapp/payloads.h"

namespace teksin::testing {
namespace {

namespace wa = teksin::testing::whatsapp;
using std::chrono::seconds;

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return c;
}

std::string BodyText(const nlohmann::json& b) {
  if (b.value("type", "") == "text") return b["text"].value("body", "");
  if (b.value("type", "") == "interactive") return b["interactive"]["body"].value("text", "");
  return "";
}

// The first message to `to` whose text contains every one of `parts` ("" when none yet).
std::string MessageWith(CloudApiRecorder& r, const std::string& to, const std::vector<std::string>& parts,
                        CloudApiRecorder::Call* call = nullptr) {
  for (const auto& c : r.To(to)) {
    std::string text = c.body.contains("text") && c.body["text"].is_string()
                           ? c.body["text"].get<std::string>()  // SMS gateway body
                           : BodyText(c.body);
    bool all = !text.empty();
    for (const auto& p : parts) all = all && text.find(p) != std::string::npos;
    if (all) {
      if (call) *call = c;
      return text;
    }
  }
  return "";
}

// Claims and resolves the task of `tracking` at `unit`; with a `question`, staff first ask the
// citizen and `asked` runs (to check what the citizen got) before the resolution.
void Resolve(E2eSuite& suite, const std::string& unit, const std::string& tracking,
             const std::string& text, const std::string& question = "",
             const std::function<void()>& asked = nullptr) {
  auto staff = suite.Staff(unit);
  std::string task_id;
  v1::ListTasksRequest list;
  list.set_unit_id(unit);
  ASSERT_TRUE(WaitUntil([&] {
    v1::ListTasksResponse resp;
    if (!staff->ListTasks(Ctx().get(), list, &resp).ok()) return false;
    for (const auto& t : resp.tasks()) {
      if (t.tracking_code() == tracking && t.status() == v1::TASK_STATUS_QUEUED) task_id = t.task_id();
    }
    return !task_id.empty();
  }, seconds(60))) << "no queued task for " << tracking << " at " << unit;
  v1::Task out;
  v1::ClaimTaskRequest claim;
  claim.set_unit_id(unit);
  claim.set_task_id(task_id);
  claim.set_staff_id("personel-1");
  ASSERT_TRUE(staff->ClaimTask(Ctx().get(), claim, &out).ok());
  if (!question.empty()) {
    v1::AskCitizenRequest ask;
    ask.set_unit_id(unit);
    ask.set_task_id(task_id);
    ask.set_staff_id("personel-1");
    ask.set_question(question);
    grpc::Status st = staff->AskCitizen(Ctx().get(), ask, &out);
    ASSERT_TRUE(st.ok()) << st.error_message();
    if (asked) asked();
  }
  v1::ResolveTaskRequest res;
  res.set_unit_id(unit);
  res.set_task_id(task_id);
  res.set_staff_id("personel-1");
  res.set_resolution_code("repaired");
  res.set_resolution_text(text);
  ASSERT_TRUE(staff->ResolveTask(Ctx().get(), res, &out).ok());
}

// How many events of `topic_part` a service's consumer handled (its events_handled_total, ok).
double Handled(int port, const std::string& topic_part) {
  HttpAnswer m = HttpGet(port, "/metrics");
  double total = 0;
  std::istringstream in(m.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("teksin_", 0) != 0 || line.find("_events_handled_total{") == std::string::npos) continue;
    if (line.find(topic_part) == std::string::npos || line.find("result=\"ok\"") == std::string::npos) continue;
    total += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return total;
}

HttpAnswer PostSigned(int port, const nlohmann::json& payload) {
  const std::string body = payload.dump();
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(30, 0);
  httplib::Headers h{{"X-Hub-Signature-256", "sha256=" + common::HmacSha256Hex(kWhatsAppAppSecret, body)}};
  auto r = client.Post("/webhooks/whatsapp", h, body, "application/json");
  HttpAnswer a;
  if (r) {
    a.status = r->status;
    a.body = r->body;
  }
  return a;
}

TEST(NotifierFeedback, WhatsAppCitizenHearsOfTheResolutionAndRatesIt) {
  E2eSuite suite("nfwa");
  CloudApiRecorder meta;  // the Cloud API for the channel's replies and the notifier's messages
  const std::string unit = suite.rules().Decide("yol-sokak", "Tarsus").owner.id;
  suite.StartRouting();
  suite.StartWhatsApp(meta.url(), {{"WHATSAPP_PHONE_NUMBER_ID", "biz-185"}});
  suite.WaitHealthy("routing-1");
  suite.WaitHealthy("whatsapp");
  suite.StartIntake();
  suite.StartWorker(unit);
  suite.StartOpen311();
  suite.StartNotifier({{"NOTIFIER_WHATSAPP_API_BASE_URL", meta.url()},
                       {"NOTIFIER_WHATSAPP_ACCESS_TOKEN", "notifier-token"},
                       {"NOTIFIER_WHATSAPP_PHONE_NUMBER_ID", "biz-185"}});
  for (const char* k : {"intake-1", "open311", "notifier"}) suite.WaitHealthy(k);
  suite.WaitHealthy("worker-" + unit + "-1");
  TopicWatch watch(suite.infra(), {suite.prefix() + ".citizen.feedback.v1",
                                   suite.prefix() + ".notifications.v1"});
  const int port = suite.http_port("whatsapp");
  const std::string ayse = "905321112233";
  int seq = 0;
  auto id = [&] { return absl::StrCat("wamid.HBgMOTA1MzIxMTEyMjMzFQIAEhgNF", ++seq, "E2E"); };
  const long long now = static_cast<long long>(time(nullptr));

  std::mt19937_64 rng(4);
  auto tarsus = suite.districts().RandomPointIn("Tarsus", rng);
  ASSERT_TRUE(tarsus.has_value());
  ASSERT_EQ(PostSigned(port, wa::Text(ayse, "Ayşe Yılmaz", id(), "Sokağımızda büyük bir çukur var.", now)).status, 200);
  ASSERT_EQ(PostSigned(port, wa::ListReply(ayse, "Ayşe Yılmaz", id(), "c:yol-sokak", "Sokak/kaldırım bozukluğu", now)).status, 200);
  ASSERT_EQ(PostSigned(port, wa::Location(ayse, "Ayşe Yılmaz", id(), tarsus->lat, tarsus->lon, "", "", now)).status, 200);
  std::string tracking;
  ASSERT_TRUE(WaitUntil([&] {
    static const std::regex kCode("Takip kodunuz: ([0-9A-Z]{5}-[0-9A-Z]{5})");
    std::smatch m;
    for (const auto& c : meta.To(ayse)) {
      std::string t = BodyText(c.body);
      if (std::regex_search(t, m, kCode)) tracking = m[1];
    }
    return !tracking.empty();
  }, seconds(30)));
  nlohmann::json view;

  // Routed: the notifier tells her who has it (WhatsApp, through the same Cloud API).
  const std::string owner_name = suite.rules().FindOwner(unit)->name;
  ASSERT_TRUE(WaitUntil([&] { return !MessageWith(meta, ayse, {tracking, owner_name}).empty(); },
                        seconds(60)))
      << "no routed notice; calls: " << meta.calls().size();

  Resolve(suite, unit, tracking, "Çukur asfaltla kapatıldı.");
  CloudApiRecorder::Call resolved_call;
  std::string resolved;
  ASSERT_TRUE(WaitUntil([&] {
    resolved = MessageWith(meta, ayse, {tracking, "çözüldü"}, &resolved_call);
    return !resolved.empty();
  }, seconds(60)));
  EXPECT_EQ(resolved, "Teksin: " + tracking + " numaralı başvurunuz çözüldü. Çukur asfaltla kapatıldı. "
                      "Memnuniyetinizi 1-5 arası bir rakamla yanıtlayabilir, sorun devam ediyorsa "
                      "\"tekrar aç\", çözüldüyse \"tamam\" yazabilirsiniz.");
  // From the business number she wrote to (the webhook's metadata), not the configured fallback.
  EXPECT_EQ(resolved_call.path, std::string("/v22.0/") + wa::kPhoneNumberId + "/messages");
  EXPECT_EQ(resolved_call.authorization, "Bearer notifier-token");
  EXPECT_EQ(resolved_call.body.value("messaging_product", ""), "whatsapp");

  // Each notice recorded as NotificationSent, keyed by the case, with no phone number in it.
  std::string notified_case;
  ASSERT_TRUE(WaitUntil([&] {
    for (const auto& e : watch.Seen()) {
      if (e.envelope.has_notification_sent() &&
          e.envelope.notification_sent().template_id() == "case_resolved.tr") {
        notified_case = e.envelope.notification_sent().case_id();
        EXPECT_EQ(e.envelope.notification_sent().status(), v1::NOTIFICATION_STATUS_SENT);
        EXPECT_EQ(e.envelope.notification_sent().sender(), "whatsapp");
        EXPECT_EQ(e.envelope.notification_sent().channel(), v1::CHANNEL_WHATSAPP);
        EXPECT_EQ(e.key, notified_case);
        EXPECT_EQ(e.envelope.SerializeAsString().find(ayse), std::string::npos);
        return true;
      }
    }
    return false;
  }, seconds(30)));

  // The channel's projection has seen the resolution (routed + resolved) before she answers.
  ASSERT_TRUE(WaitUntil([&] { return Handled(port, "routing.decisions") >= 2; }, seconds(30)));
  // She answers "4": CitizenFeedback RATE 4 for her case.
  ASSERT_EQ(PostSigned(port, wa::Text(ayse, "Ayşe Yılmaz", id(), "4", now)).status, 200);
  v1::Envelope fb;
  ASSERT_TRUE(WaitUntil([&] {
    for (const auto& e : watch.Seen()) {
      if (e.envelope.has_citizen_feedback()) fb = e.envelope;
    }
    return fb.has_citizen_feedback();
  }, seconds(30)));
  EXPECT_EQ(fb.citizen_feedback().kind(), v1::FEEDBACK_KIND_RATE);
  EXPECT_EQ(fb.citizen_feedback().rating(), 4);
  EXPECT_EQ(fb.citizen_feedback().tracking_code(), tracking);
  EXPECT_EQ(fb.citizen_feedback().case_id(), notified_case);
  EXPECT_EQ(fb.citizen_feedback().channel(), v1::CHANNEL_WHATSAPP);
  EXPECT_FALSE(fb.citizen_feedback().citizen_key().empty());
  EXPECT_EQ(fb.source(), "channel_whatsapp");
  EXPECT_TRUE(WaitUntil([&] { return !MessageWith(meta, ayse, {"(4/5)", tracking}).empty(); }, seconds(30)));

  // Routing closes the case with her rating; the Open311 view shows it.
  ASSERT_TRUE(WaitUntil([&] {
    view = suite.Request(tracking);
    return view.is_object() && view.value("detailed_status", "") == "closed";
  }, seconds(60))) << view.dump();
  EXPECT_TRUE(view["satisfaction"].is_number() && view["satisfaction"].get<int>() == 4) << view.dump();
}

TEST(NotifierFeedback, Open311CitizenGetsAnSmsAndReopensTheCase) {
  E2eSuite suite("nfo3");
  CloudApiRecorder sms;  // a local SMS gateway: records every POST
  const std::string unit = suite.rules().Decide("yol-sokak", "Tarsus").owner.id;
  suite.StartRouting();
  suite.StartOpen311();
  suite.WaitHealthy("routing-1");
  suite.WaitHealthy("open311");
  suite.StartIntake();
  suite.StartWorker(unit);
  suite.StartNotifier({{"NOTIFIER_SMS_GATEWAY_URL", sms.url() + "/v1/sms"},
                       {"NOTIFIER_SMS_GATEWAY_TOKEN", "sms-token"}});
  for (const char* k : {"intake-1", "notifier"}) suite.WaitHealthy(k);
  suite.WaitHealthy("worker-" + unit + "-1");
  TopicWatch watch(suite.infra(), {suite.prefix() + ".citizen.feedback.v1"});

  std::mt19937_64 rng(7);
  auto p = suite.districts().RandomPointIn("Tarsus", rng);
  ASSERT_TRUE(p.has_value());
  const std::string tracking = suite.Submit("yol-sokak", p->lat, p->lon,
                                            "Okul önündeki yolda derin bir çukur var.", "0532 444 55 66");
  ASSERT_FALSE(tracking.empty());
  const int port = suite.open311_port();
  const std::string path = "/open311/v2/requests/" + tracking + "/feedback.json";
  auto feedback = [&](std::vector<std::pair<std::string, std::string>> form) {
    form.emplace_back("api_key", kApiKey);
    return HttpPostForm(port, path, form);
  };
  // Not resolved yet: 409 with the reason.
  ASSERT_TRUE(WaitUntil([&] {
    const std::string st = suite.Request(tracking).value("detailed_status", "");
    return st == "routed" || st == "forwarded";
  }, seconds(60)));
  HttpAnswer early = feedback({{"action", "confirm"}, {"phone", "0532 444 55 66"}});
  EXPECT_EQ(early.status, 409) << early.body;
  EXPECT_NE(early.body.find("resolved"), std::string::npos) << early.body;

  // Staff ask first: the question reaches the citizen by SMS and shows in GET.
  const std::string question = "Çukur okulun hangi kapısının önünde? Kapı numarası verebilir misiniz?";
  Resolve(suite, unit, tracking, "Çukur dolduruldu ve asfaltlandı.", question, [&] {
    EXPECT_TRUE(WaitUntil([&] {
      return MessageWith(sms, "+905324445566", {tracking}) != "" &&
             !MessageWith(sms, "+905324445566", {"ekibimizin bir sorusu var: " + question}).empty();
    }, seconds(60))) << "SMS gateway calls: " << sms.calls().size();
    nlohmann::json v;
    EXPECT_TRUE(WaitUntil([&] {
      v = suite.Request(tracking);
      return v.is_object() && v.value("detailed_status", "") == "waiting_for_citizen";
    }, seconds(30))) << v.dump();
    EXPECT_EQ(v.value("status_notes", ""), question);
  });
  std::string text;
  CloudApiRecorder::Call call;
  ASSERT_TRUE(WaitUntil([&] {
    text = MessageWith(sms, "+905324445566", {tracking, "çözüldü"}, &call);
    return !text.empty();
  }, seconds(60))) << "SMS gateway calls: " << sms.calls().size();
  EXPECT_EQ(text, "Teksin: " + tracking + " numaralı başvurunuz çözüldü. Çukur dolduruldu ve "
                  "asfaltlandı. Değerlendirmek ya da yeniden açtırmak için Teksin uygulamasını "
                  "kullanabilir veya Alo 185'i arayabilirsiniz.");
  EXPECT_EQ(call.path, "/v1/sms");
  EXPECT_EQ(call.authorization, "Bearer sms-token");
  EXPECT_EQ(call.body.value("reference", "").size(), 32u);

  ASSERT_TRUE(WaitUntil([&] { return suite.Request(tracking).value("detailed_status", "") == "resolved"; },
                        seconds(30)));
  // The citizen's answers: refused for another phone, without a comment, for an unknown request.
  HttpAnswer other = feedback({{"action", "reopen"}, {"comment", "Çözülmedi"}, {"phone", "0505 000 11 22"}});
  EXPECT_EQ(other.status, 403) << other.body;
  HttpAnswer bare = feedback({{"action", "reopen"}, {"phone", "0532 444 55 66"}});
  EXPECT_EQ(bare.status, 400) << bare.body;
  EXPECT_NE(bare.body.find("comment"), std::string::npos);
  HttpAnswer unknown = HttpPostForm(port, "/open311/v2/requests/AAAAA-BBBBB/feedback.json",
                                    {{"api_key", kApiKey}, {"action", "confirm"}, {"phone", "0532 444 55 66"}});
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  // Reopen, as XML.
  HttpAnswer ok = HttpPostForm(port, "/open311/v2/requests/" + tracking + "/feedback.xml",
                               {{"api_key", kApiKey}, {"action", "reopen"},
                                {"comment", "Çukur yine açıldı, yağmurdan sonra çöktü."},
                                {"phone", "+90 532 444 55 66"}});
  ASSERT_EQ(ok.status, 202) << ok.body;
  EXPECT_NE(ok.body.find("<status>accepted</status>"), std::string::npos) << ok.body;
  EXPECT_NE(ok.body.find("<action>reopen</action>"), std::string::npos) << ok.body;

  v1::Envelope fb;
  ASSERT_TRUE(WaitUntil([&] {
    for (const auto& e : watch.Seen()) {
      if (e.envelope.has_citizen_feedback()) fb = e.envelope;
    }
    return fb.has_citizen_feedback();
  }, seconds(30)));
  EXPECT_EQ(fb.citizen_feedback().kind(), v1::FEEDBACK_KIND_REOPEN);
  EXPECT_EQ(fb.citizen_feedback().comment(), "Çukur yine açıldı, yağmurdan sonra çöktü.");
  EXPECT_EQ(fb.citizen_feedback().tracking_code(), tracking);
  EXPECT_EQ(fb.citizen_feedback().channel(), v1::CHANNEL_WEB);
  EXPECT_EQ(fb.source(), "channel_open311");
  EXPECT_EQ(fb.SerializeAsString().find("5324445566"), std::string::npos);

  // Routing reopens it (CaseReopened, and CaseRouted with reason "reopened"): open again in GET,
  // back at the unit, and the citizen is told.
  nlohmann::json view;
  ASSERT_TRUE(WaitUntil([&] {
    view = suite.Request(tracking);
    return view.is_object() && view.value("status", "") == "open" &&
           view.value("detailed_status", "") == "reopened";
  }, seconds(60))) << view.dump();
  ASSERT_TRUE(WaitUntil([&] { return !MessageWith(sms, "+905324445566", {tracking, "yeniden açıldı"}).empty(); },
                        seconds(60)));
}

}  // namespace
}  // namespace teksin::testing
