// RecordFeedback: the operator records what a caller says about their resolved case; and the
// caller's number sealed in the contact vault when a case is registered.
#include <string>

#include "channel/guards.h"
#include "channel_callcenter/callcenter_service.h"
#include "channel_callcenter/case_index.h"
#include "common/ids.h"
#include "common/phone.h"
#include "events/in_memory.h"
#include "events/topics.h"
#include "gtest/gtest.h"
#include "support/envelopes.h"
#include "support/reference_data.h"

namespace teksin::channel_callcenter {
namespace {

using ::teksin::testing::TrTime;

constexpr char kSecret[] = "citizen-key-secret-0123456789";
constexpr char kVaultKey[] = "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf";
constexpr char kFeedbackTopic[] = "teksin.citizen.feedback.v1";

class CallCenterFeedbackTest : public ::testing::Test {
 protected:
  CallCenterFeedbackTest() { service_.SetVault(&vault_); }
  static CallCenterOptions Options() {
    CallCenterOptions o;
    o.citizen_key_secret = kSecret;
    o.rate_limit = 1000;
    return o;
  }
  v1::LogContactResponse Register(const std::string& key, const std::string& phone) {
    v1::RegisterCaseRequest r;
    r.set_idempotency_key(key);
    r.set_operator_id("op-melike");
    r.set_caller_phone(phone);
    r.set_category("yol-sokak");
    r.set_text("Sokakta derin bir çukur var.");
    r.mutable_location()->set_has_coordinates(true);
    r.mutable_location()->set_lat(36.918);
    r.mutable_location()->set_lon(34.895);
    auto a = service_.RegisterCase(r);
    EXPECT_TRUE(a.ok()) << a.status();
    return a.ok() ? a->response : v1::LogContactResponse();
  }
  v1::Case CaseOf(const v1::LogContactResponse& a) {
    for (const auto& e : publisher_.All()) {
      if (e.envelope.has_contact_received() &&
          e.envelope.contact_received().requested_case().case_id() == a.case_id()) {
        return e.envelope.contact_received().requested_case();
      }
    }
    return v1::Case();
  }
  void Resolve(const v1::Case& c) {
    clock_.Advance(absl::Hours(2));
    ASSERT_TRUE(service_.Handle(teksin::testing::Consumed(
        "teksin.routing.decisions.v1",
        teksin::testing::CaseResolvedEnv("res-" + c.case_id(), clock_.Now(), c, "task-1"))).ok());
  }
  v1::RecordFeedbackRequest Feedback(const std::string& code, v1::FeedbackKind kind, int rating = 0,
                                     const std::string& comment = "",
                                     const std::string& phone = "0532 123 45 67") {
    v1::RecordFeedbackRequest r;
    r.set_tracking_code(code);
    r.set_caller_phone(phone);
    r.set_kind(kind);
    r.set_rating(rating);
    r.set_comment(comment);
    r.set_operator_id("op-melike");
    return r;
  }

  common::FakeClock clock_{TrTime(2026, 5, 22, 10, 0)};
  events::Topics topics_{"teksin"};
  events::InMemoryEventPublisher publisher_;
  InMemoryCaseIndex index_;
  channel::InMemoryRateLimiter limiter_;
  channel::InMemoryIdempotencyStore idempotency_;
  metrics::Registry registry_;
  vault::InMemoryContactVault vault_{*vault::ContactCipher::FromKeyText(kVaultKey)};
  CallCenterService service_{teksin::testing::RealCatalogue(), teksin::testing::RealDistricts(),
                             index_, limiter_, idempotency_, topics_, publisher_, clock_,
                             registry_, Options()};
};

TEST_F(CallCenterFeedbackTest, TheCallersNumberIsSealedForNotifications) {
  auto a = Register("call-0001-abcd", "0532 123 45 67");
  auto to = vault_.Get(a.case_id());
  ASSERT_TRUE(to.ok() && to->has_value());
  EXPECT_EQ((*to)->phone_e164, "+905321234567");
  EXPECT_EQ((*to)->language, "tr");
  for (const auto& e : publisher_.All()) {
    EXPECT_EQ(e.envelope.SerializeAsString().find("5321234567"), std::string::npos);
  }
}

TEST_F(CallCenterFeedbackTest, RateTheCallersResolvedCaseOnce) {
  auto a = Register("call-0002-abcd", "0532 123 45 67");
  v1::Case c = CaseOf(a);
  ASSERT_FALSE(c.case_id().empty());
  // Not resolved yet.
  auto early = service_.RecordFeedback(Feedback(a.tracking_code(), v1::FEEDBACK_KIND_CONFIRM));
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition) << early.status();
  Resolve(c);
  // Read out in lower case with spaces: still the code.
  std::string spoken = a.tracking_code();
  for (auto& ch : spoken) ch = static_cast<char>(std::tolower(ch));
  auto out = service_.RecordFeedback(Feedback(spoken, v1::FEEDBACK_KIND_RATE, 5, "Çok hızlıydı"));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->case_id(), a.case_id());
  EXPECT_EQ(out->tracking_code(), a.tracking_code());
  auto fb = publisher_.Published(kFeedbackTopic);
  ASSERT_EQ(fb.size(), 1u);
  EXPECT_EQ(fb[0].key, a.case_id());
  EXPECT_EQ(fb[0].envelope.event_id(), out->feedback_event_id());
  const auto& f = fb[0].envelope.citizen_feedback();
  EXPECT_EQ(f.kind(), v1::FEEDBACK_KIND_RATE);
  EXPECT_EQ(f.rating(), 5);
  EXPECT_EQ(f.comment(), "Çok hızlıydı");
  EXPECT_EQ(f.channel(), v1::CHANNEL_CALL_CENTER);
  EXPECT_EQ(f.citizen_key(), common::CitizenKey(kSecret, "+905321234567"));
  // The same answer again: the same event id; another answer for the same resolution: refused.
  auto again = service_.RecordFeedback(Feedback(a.tracking_code(), v1::FEEDBACK_KIND_RATE, 5));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->feedback_event_id(), out->feedback_event_id());
  auto other = service_.RecordFeedback(
      Feedback(a.tracking_code(), v1::FEEDBACK_KIND_REOPEN, 0, "Hâlâ çukur var"));
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(CallCenterFeedbackTest, AnotherCallersCodeIsNotFoundAndBadInputIsRefused) {
  auto a = Register("call-0003-abcd", "0532 123 45 67");
  Resolve(CaseOf(a));
  const std::string code = a.tracking_code();
  auto status = [&](const v1::RecordFeedbackRequest& r) { return service_.RecordFeedback(r).status().code(); };
  EXPECT_EQ(status(Feedback(code, v1::FEEDBACK_KIND_CONFIRM, 0, "", "0505 987 65 43")),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(status(Feedback("7KQ2M-X9D4F", v1::FEEDBACK_KIND_CONFIRM)), absl::StatusCode::kNotFound);
  EXPECT_EQ(status(Feedback("not-a-code", v1::FEEDBACK_KIND_CONFIRM)), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status(Feedback(code, v1::FEEDBACK_KIND_UNSPECIFIED)), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status(Feedback(code, v1::FEEDBACK_KIND_RATE)), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status(Feedback(code, v1::FEEDBACK_KIND_RATE, 6)), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status(Feedback(code, v1::FEEDBACK_KIND_REOPEN)), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status(Feedback(code, v1::FEEDBACK_KIND_REOPEN, 3, "x")), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status(Feedback(code, v1::FEEDBACK_KIND_CONFIRM, 0, "", "")), absl::StatusCode::kInvalidArgument);
  v1::RecordFeedbackRequest nobody = Feedback(code, v1::FEEDBACK_KIND_CONFIRM);
  nobody.clear_operator_id();
  EXPECT_EQ(status(nobody), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(publisher_.Published(kFeedbackTopic).empty());
  // Reopen with what is still wrong: accepted.
  auto ok = service_.RecordFeedback(Feedback(code, v1::FEEDBACK_KIND_REOPEN, 0, "Çukur yine açıldı"));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(publisher_.Published(kFeedbackTopic).at(0).envelope.citizen_feedback().kind(),
            v1::FEEDBACK_KIND_REOPEN);
}

}  // namespace
}  // namespace teksin::channel_callcenter
