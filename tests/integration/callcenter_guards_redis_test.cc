// The call centre's LogContact guards against a real redis-server: RedisContactGuards answers as
// libs/channel's RedisRateLimiter and RedisIdempotencyStore and the RedisCaseIndex one after the
// other, on the same keys, in one round trip before the checks and one after publishing.
#include <memory>
#include <string>

#include "channel/guards.h"
#include "channel_callcenter/contact_guards.h"
#include "channel_callcenter/redis_case_index.h"
#include "gtest/gtest.h"
#include "redis/client.h"
#include "support/redis_fixture.h"
#include "support/suite_harness.h"

namespace teksin::channel_callcenter {
namespace {

class ContactGuardsRedisTest : public testing::RedisFixture<> {
 protected:
  void SetUp() override {
    RedisFixture::SetUp();
    if (HasFatalFailure()) return;
    prefix_ = testing::UniquePrefix("ccguard") + ":cc";
    limiter_ = std::make_unique<channel::RedisRateLimiter>(*client_, prefix_);
    idempotency_ = std::make_unique<channel::RedisIdempotencyStore>(*client_, prefix_);
    index_ = std::make_unique<RedisCaseIndex>(*client_, prefix_.substr(0, prefix_.size() - 3));
    guards_ = std::make_unique<RedisContactGuards>(*client_, prefix_, *index_);
  }
  // Round trips so far (the client's latency histogram counts one per command or script).
  int RoundTrips() {
    const std::string text = registry_.Render();
    const std::string name = "teksin_test_redis_command_duration_seconds_count ";
    auto at = text.find(name);
    return at == std::string::npos ? 0 : std::stoi(text.substr(at + name.size()));
  }
  std::string prefix_;
  std::unique_ptr<channel::RedisRateLimiter> limiter_;
  std::unique_ptr<channel::RedisIdempotencyStore> idempotency_;
  std::unique_ptr<RedisCaseIndex> index_;
  std::unique_ptr<RedisContactGuards> guards_;
};

TEST_F(ContactGuardsRedisTest, OneRoundTripAnswersAsTheLimiterAndTheStoreOnTheirKeys) {
  const absl::Time now = absl::FromUnixSeconds(1780000000);  // 40 s into its minute
  const absl::Duration minute = absl::Minutes(1);
  // The script is loaded by the first call on a server (a second round trip, once).
  (void)guards_->Admit("op:warm-up", 3, minute, now, "");
  // No answer remembered yet; the first hit of the window.
  const int before = RoundTrips();
  ContactAdmission a = guards_->Admit("op:melike", 3, minute, now, "contact:op:melike:key-0001");
  EXPECT_EQ(RoundTrips() - before, 1);
  ASSERT_TRUE(a.rate.ok()) << a.rate.status();
  EXPECT_TRUE(a.rate->allowed);
  ASSERT_TRUE(a.remembered.ok());
  EXPECT_FALSE(a.remembered->has_value());
  // The store's answer is the guards' answer, and the limiter's hits count with the guards'.
  ASSERT_TRUE(idempotency_->Remember("contact:op:melike:key-0001", "answer-1", absl::Hours(1)).ok());
  ASSERT_TRUE(limiter_->Hit("op:melike", 3, minute, now).ok());  // the second hit
  ContactAdmission b = guards_->Admit("op:melike", 3, minute, now, "contact:op:melike:key-0001");
  ASSERT_TRUE(b.rate.ok());
  EXPECT_TRUE(b.rate->allowed);  // the third
  ASSERT_TRUE(b.remembered.ok());
  EXPECT_EQ(b.remembered->value_or(""), "answer-1");
  // The fourth is over the limit, with the seconds left in the minute, as the limiter says.
  ContactAdmission c = guards_->Admit("op:melike", 3, minute, now, "");
  ASSERT_TRUE(c.rate.ok());
  EXPECT_FALSE(c.rate->allowed);
  EXPECT_EQ(c.rate->retry_after_seconds, 20);
  ASSERT_TRUE(c.remembered.ok());
  EXPECT_FALSE(c.remembered->has_value());  // not asked
  auto d = limiter_->Hit("op:melike", 3, minute, now);
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->allowed);
  EXPECT_EQ(d->retry_after_seconds, 20);
  // Another operator, and the next window, start again; the counter expires after its window.
  EXPECT_TRUE(guards_->Admit("desk:tarsus-1", 3, minute, now, "").rate->allowed);
  EXPECT_TRUE(guards_->Admit("op:melike", 3, minute, now + absl::Seconds(20), "").rate->allowed);
  auto ttl = client_->Command({"TTL", prefix_ + ":rl:op:melike:" + std::to_string(1780000000 / 60)});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->integer, 0);
  EXPECT_LE(ttl->integer, 61);
}

TEST_F(ContactGuardsRedisTest, AnUnreachableServerFailsBothAnswers) {
  redis::RedisConfig rc;
  rc.url = "redis://127.0.0.1:" + std::to_string(testing::FreePort());
  rc.connect_timeout = std::chrono::milliseconds(200);
  auto down = redis::RedisClient::Create(rc, nullptr, "test");
  ASSERT_TRUE(down.ok());
  RedisCaseIndex index(**down, "x");
  RedisContactGuards guards(**down, prefix_, index);
  ContactAdmission a = guards.Admit("op:melike", 3, absl::Minutes(1), absl::Now(), "contact:x:y");
  EXPECT_FALSE(a.rate.ok());
  EXPECT_FALSE(a.remembered.ok());
  CaseUpdate u;
  u.record.case_id = "case-1";
  ContactRecorded r = guards.Record("contact:x:y", "answer", absl::Hours(1), &u);
  EXPECT_FALSE(r.indexed.ok());
  EXPECT_FALSE(r.remembered.ok());
}

TEST_F(ContactGuardsRedisTest, TheAnswerAndTheRegisteredCaseInOneRoundTrip) {
  CaseUpdate u;
  u.at_us = 1780000000000000;
  u.record.case_id = "case-g1";
  u.record.tracking_code = "7KQ2M-X9D4F";
  u.record.citizen_key = "ck-g1";
  u.record.category = "yol-sokak";
  u.record.channel = v1::CHANNEL_CALL_CENTER;
  u.record.received_us = u.at_us;
  u.record.status = v1::CASE_STATUS_RECEIVED;
  // After a script flush (a restarted server) the index script is loaded on the way.
  ASSERT_TRUE(client_->Command({"SCRIPT", "FLUSH"}).ok());
  ContactRecorded first = guards_->Record("contact:op:melike:key-0002", "answer-2",
                                          absl::Hours(1), &u);
  EXPECT_TRUE(first.indexed.ok()) << first.indexed;
  ASSERT_TRUE(first.remembered.ok());
  EXPECT_EQ(*first.remembered, "answer-2");
  auto stored = index_->Get("case-g1");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->status, v1::CASE_STATUS_RECEIVED);
  EXPECT_EQ((*stored)->tracking_code, "7KQ2M-X9D4F");
  // Loaded now: one round trip. A racer's answer stays first; the store sees the same key.
  u.record.case_id = "case-g2";
  const int before = RoundTrips();
  ContactRecorded second = guards_->Record("contact:op:melike:key-0002", "answer-other",
                                           absl::Hours(1), &u);
  EXPECT_EQ(RoundTrips() - before, 1);
  EXPECT_TRUE(second.indexed.ok());
  ASSERT_TRUE(second.remembered.ok());
  EXPECT_EQ(*second.remembered, "answer-2");
  EXPECT_TRUE(index_->Get("case-g2")->has_value());
  EXPECT_EQ(idempotency_->Get("contact:op:melike:key-0002")->value_or(""), "answer-2");
  auto ttl = client_->Command({"TTL", prefix_ + ":idem:contact:op:melike:key-0002"});
  EXPECT_GT(ttl->integer, 3500);
  // Without a case only the answer; an update without a case id is refused, the answer kept.
  EXPECT_EQ(*guards_->Record("contact:op:melike:key-0003", "answer-3", absl::Hours(1), nullptr)
                 .remembered,
            "answer-3");
  CaseUpdate bad;
  ContactRecorded refused = guards_->Record("contact:op:melike:key-0004", "answer-4",
                                            absl::Hours(1), &bad);
  EXPECT_EQ(refused.indexed.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*refused.remembered, "answer-4");
}

}  // namespace
}  // namespace teksin::channel_callcenter
