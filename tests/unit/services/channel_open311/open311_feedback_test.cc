// The Open311 feedback extension and what the request view learns from the case's later events
// (links, reopening, satisfaction, notes for the citizen, the staff's question); and the reply
// address the channel seals in the contact vault.
#include <string>

#include "channel/guards.h"
#include "channel_open311/open311_service.h"
#include "channel_open311/request_store.h"
#include "common/phone.h"
#include "events/in_memory.h"
#include "events/topics.h"
#include "gtest/gtest.h"
#include "support/envelopes.h"
#include "support/reference_data.h"

namespace teksin::channel_open311 {
namespace {

using ::teksin::testing::TrTime;

constexpr char kApiKey[] = "app-key-1f9c";
constexpr char kSecret[] = "citizen-key-secret";
constexpr char kVaultKey[] = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";
constexpr char kFeedbackTopic[] = "teksin.citizen.feedback.v1";

Params Submission() {
  return {{"api_key", kApiKey},          {"service_code", "yol-sokak"},
          {"lat", "36.918"},             {"long", "34.895"},
          {"description", "Sokağımızda büyük bir çukur var."},
          {"phone", "0532 123 45 67"},   {"device_id", "device-abc"}};
}

class Open311FeedbackTest : public ::testing::Test {
 protected:
  Open311FeedbackTest() {
    service_.SetGuards(&limiter_, &idempotency_);
    service_.SetVault(&vault_);
  }
  static Open311Options Options() {
    Open311Options o;
    o.api_keys = {kApiKey};
    o.citizen_key_secret = kSecret;
    o.feedback_limit_per_hour = 5;
    return o;
  }
  v1::Case Submit(Params p = Submission()) {
    auto a = service_.Submit(p);
    EXPECT_TRUE(a.ok()) << a.status();
    auto out = publisher_.Published("teksin.channel.open311.contacts.v1");
    return out.back().envelope.contact_received().requested_case();
  }
  absl::Status Project(v1::Envelope e) {
    return service_.Handle(teksin::testing::Consumed("teksin.routing.decisions.v1", std::move(e)));
  }
  void Resolve(const v1::Case& c, const std::string& event_id = "resolved-1") {
    clock_.Advance(absl::Hours(1));
    ASSERT_TRUE(Project(teksin::testing::CaseResolvedEnv(event_id, clock_.Now(), c, "task-1")).ok());
  }
  RequestView View(const std::string& code) {
    auto v = service_.Find(code);
    EXPECT_TRUE(v.ok() && v->has_value());
    return v.ok() && v->has_value() ? **v : RequestView();
  }
  Params Feedback(const std::string& action, const std::string& rating = "",
                  const std::string& comment = "", const std::string& phone = "+90 532 123 4567") {
    Params p = {{"api_key", kApiKey}, {"action", action}, {"phone", phone}};
    if (!rating.empty()) p.emplace("rating", rating);
    if (!comment.empty()) p.emplace("comment", comment);
    return p;
  }

  common::FakeClock clock_{TrTime(2026, 5, 22, 10, 0)};
  events::Topics topics_{"teksin"};
  events::InMemoryEventPublisher publisher_;
  InMemoryRequestStore store_;
  channel::InMemoryRateLimiter limiter_;
  channel::InMemoryIdempotencyStore idempotency_;
  vault::InMemoryContactVault vault_{*vault::ContactCipher::FromKeyText(kVaultKey)};
  Open311Service service_{teksin::testing::RealCatalogue(), store_, topics_, publisher_, clock_,
                          Options()};
};

TEST_F(Open311FeedbackTest, PhoneAndDeviceAreSealedInTheVaultNotPublished) {
  v1::Case c = Submit();
  auto to = vault_.Get(c.case_id());
  ASSERT_TRUE(to.ok() && to->has_value());
  EXPECT_EQ((*to)->phone_e164, "+905321234567");
  EXPECT_EQ((*to)->push_token, "device-abc");
  EXPECT_EQ((*to)->language, "tr");
  for (const auto& e : publisher_.All()) {
    EXPECT_EQ(e.envelope.SerializeAsString().find("5321234567"), std::string::npos);
  }
  // Without a phone or device: nothing to store.
  Params anon = Submission();
  anon.erase("phone");
  anon.erase("device_id");
  v1::Case d = Submit(anon);
  EXPECT_FALSE(vault_.Get(d.case_id())->has_value());
}

TEST_F(Open311FeedbackTest, RateAResolvedRequestWithTheSamePhone) {
  v1::Case c = Submit();
  Resolve(c);
  auto a = service_.Feedback(c.tracking_code(), Feedback("rate", "4", "Hızlı çözüldü, teşekkürler"));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->service_request_id, c.tracking_code());
  EXPECT_EQ(a->rating, 4);
  auto out = publisher_.Published(kFeedbackTopic);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].key, c.case_id());
  const auto& f = out[0].envelope.citizen_feedback();
  EXPECT_EQ(f.kind(), v1::FEEDBACK_KIND_RATE);
  EXPECT_EQ(f.rating(), 4);
  EXPECT_EQ(f.comment(), "Hızlı çözüldü, teşekkürler");
  EXPECT_EQ(f.case_id(), c.case_id());
  EXPECT_EQ(f.tracking_code(), c.tracking_code());
  EXPECT_EQ(f.citizen_key(), common::CitizenKey(kSecret, "+905321234567"));
  EXPECT_EQ(f.channel(), v1::CHANNEL_MOBILE_APP);
  EXPECT_EQ(out[0].envelope.causation_id(), "resolved-1");
  // The same answer again (a retry) republishes the same event; another answer is refused.
  ASSERT_TRUE(service_.Feedback(c.tracking_code(), Feedback("rate", "4")).ok());
  out = publisher_.Published(kFeedbackTopic);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].envelope.event_id(), out[0].envelope.event_id());
  auto other = service_.Feedback(c.tracking_code(), Feedback("reopen", "", "Hâlâ çukur var"));
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(other.status().message().find("already given"), std::string::npos);
}

TEST_F(Open311FeedbackTest, ClearErrors) {
  v1::Case c = Submit();
  const std::string id = c.tracking_code();
  auto code = [&](const Params& p, const std::string& which = "") {
    return service_.Feedback(which.empty() ? id : which, p).status().code();
  };
  // Not resolved yet: 409.
  EXPECT_EQ(code(Feedback("confirm")), absl::StatusCode::kFailedPrecondition);
  Resolve(c);
  Params no_key = Feedback("confirm");
  no_key.erase("api_key");
  EXPECT_EQ(code(no_key), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(code(Feedback("like")), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Feedback("rate")), absl::StatusCode::kInvalidArgument);        // no rating
  EXPECT_EQ(code(Feedback("rate", "6")), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Feedback("rate", "3.5")), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Feedback("reopen")), absl::StatusCode::kInvalidArgument);      // no comment
  EXPECT_EQ(code(Feedback("confirm", "", "", "")), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Feedback("confirm", "", "", "12")), absl::StatusCode::kInvalidArgument);
  // Another citizen's phone: 403, and nothing is published.
  EXPECT_EQ(code(Feedback("reopen", "", "çözülmedi", "0505 987 65 43")), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(code(Feedback("confirm"), "AAAAA-BBBBB"), absl::StatusCode::kNotFound);
  EXPECT_EQ(code(Feedback("confirm"), "not a code"), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(publisher_.Published(kFeedbackTopic).empty());
  // A request made without a phone cannot be answered for.
  Params anon = Submission();
  anon.erase("phone");
  v1::Case d = Submit(anon);
  Resolve(d, "resolved-2");
  EXPECT_EQ(code(Feedback("confirm"), d.tracking_code()), absl::StatusCode::kPermissionDenied);
  // Over the citizen's feedback limit: 429.
  for (int i = 0; i < 5; ++i) (void)service_.Feedback(id, Feedback("confirm"));  // this hour: 5
  EXPECT_EQ(code(Feedback("confirm")), absl::StatusCode::kResourceExhausted);
}

TEST_F(Open311FeedbackTest, TheViewShowsLinksReopeningSatisfactionNotesAndQuestions) {
  v1::Case c = Submit();
  const std::string id = c.tracking_code();
  // Staff ask the citizen something.
  clock_.Advance(absl::Minutes(5));
  v1::Envelope q = teksin::testing::Header("q-1", clock_.Now(), "department_worker", c.case_id());
  auto* t = q.mutable_task_status_changed();
  *t->mutable_case_() = c;
  t->set_case_id(c.case_id());
  t->set_status(v1::TASK_STATUS_WAITING_FOR_CITIZEN);
  t->set_reason("Çukur hangi sokakta, kapı numarası verebilir misiniz?");
  ASSERT_TRUE(Project(teksin::testing::Stamped(q)).ok());
  EXPECT_EQ(View(id)["detailed_status"], "waiting_for_citizen");
  EXPECT_EQ(View(id)["status_notes"], "Çukur hangi sokakta, kapı numarası verebilir misiniz?");
  // A note for the citizen (no case snapshot: found by case id); an internal note is not shown.
  clock_.Advance(absl::Minutes(5));
  v1::Envelope n = teksin::testing::Header("n-1", clock_.Now(), "department_worker", c.case_id());
  n.mutable_task_note_added()->set_case_id(c.case_id());
  n.mutable_task_note_added()->set_note("Ekibimiz yarın sabah bölgede olacak.");
  n.mutable_task_note_added()->set_visible_to_citizen(true);
  ASSERT_TRUE(Project(teksin::testing::Stamped(n)).ok());
  v1::Envelope internal = teksin::testing::Header("n-2", clock_.Now(), "department_worker", c.case_id());
  internal.mutable_task_note_added()->set_case_id(c.case_id());
  internal.mutable_task_note_added()->set_note("iç not");
  ASSERT_TRUE(Project(teksin::testing::Stamped(internal)).ok());
  EXPECT_EQ(View(id)["citizen_note"], "Ekibimiz yarın sabah bölgede olacak.");
  auto history = service_.History(id);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->back().status, "note");
  EXPECT_EQ(history->back().note, "Ekibimiz yarın sabah bölgede olacak.");
  // Resolved, then reopened: open again with the owner.
  Resolve(c);
  clock_.Advance(absl::Hours(1));
  v1::Envelope r = teksin::testing::Header("re-1", clock_.Now(), "routing", c.case_id());
  *r.mutable_case_reopened()->mutable_case_() = c;
  r.mutable_case_reopened()->mutable_case_()->mutable_owner()->set_name("Yol Bakım ve Onarım Dairesi Başkanlığı");
  r.mutable_case_reopened()->set_reason("Hâlâ çukur var");
  ASSERT_TRUE(Project(teksin::testing::Stamped(r)).ok());
  EXPECT_EQ(View(id)["status"], "open");
  EXPECT_EQ(View(id)["detailed_status"], "reopened");
  EXPECT_EQ(View(id)["agency_responsible"], "Yol Bakım ve Onarım Dairesi Başkanlığı");
  // The CaseRouted that comes with the reopening keeps it "reopened" (not "forwarded").
  v1::Envelope back = teksin::testing::CaseRoutedEnv("rr-1", clock_.Now(), c, "task-2", 2, true);
  back.mutable_case_routed()->set_reason("reopened");
  ASSERT_TRUE(Project(back).ok());
  EXPECT_EQ(View(id)["detailed_status"], "reopened");
  // Closed with the citizen's rating.
  clock_.Advance(absl::Hours(1));
  v1::Case rated = c;
  rated.set_satisfaction(4);
  ASSERT_TRUE(Project(teksin::testing::CaseClosedEnv("cl-1", clock_.Now(), rated, "confirmed by citizen")).ok());
  EXPECT_EQ(View(id)["satisfaction"], "4");
  EXPECT_EQ(View(id)["status_notes"], "confirmed by citizen");

  // A repeat: the second contact's own request shows which one it joined.
  v1::Case second = Submit();
  clock_.Advance(absl::Minutes(1));
  v1::Envelope l = teksin::testing::Header("l-1", clock_.Now(), "intake", second.case_id());
  auto* link = l.mutable_case_linked();
  *link->mutable_case_() = second;
  link->set_case_id(second.case_id());
  link->set_linked_to_case_id(c.case_id());
  link->set_linked_to_tracking_code(id);
  link->set_kind(v1::LINK_KIND_REPEAT);
  ASSERT_TRUE(Project(teksin::testing::Stamped(l)).ok());
  RequestView v = View(second.tracking_code());
  EXPECT_EQ(v["detailed_status"], "linked");
  EXPECT_EQ(v["repeat_of"], id);
  EXPECT_EQ(v["status"], "open");
}

}  // namespace
}  // namespace teksin::channel_open311
