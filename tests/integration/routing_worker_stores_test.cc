// The Redis read models of routing (the case state the citizen's feedback acts on) and of the
// department worker (numbered task changes, task history, deadline-alert leases) against a real
// redis-server.
#include "absl/strings/str_cat.h"
#include "department_worker/redis_task_store.h"
#include "gtest/gtest.h"
#include "redis/client.h"
#include "routing/redis_case_state.h"
#include "support/redis_fixture.h"
#include "support/suite_harness.h"

namespace teksin::testing {
namespace {

class RoutingWorkerStoresTest : public RedisFixture<> {
 protected:
  void SetUp() override {
    RedisFixture::SetUp();
    if (HasFatalFailure()) return;
    prefix_ = UniquePrefix("rwstores");
  }
  std::string prefix_;
};

TEST_F(RoutingWorkerStoresTest, CaseStateMovesOnlyToNewerAttemptsAndClosedIsFinal) {
  routing::RedisCaseStateStore store(*client_, prefix_, 1);
  auto none = store.Get("case-1");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());

  routing::CaseState resolved;
  resolved.attempt = 1;
  resolved.unit_id = "ilce-tarsus";
  resolved.task_id = "task-1";
  resolved.resolved_by = "tarsus-1";
  resolved.snapshot.set_case_id("case-1");
  resolved.snapshot.set_citizen_key("ck1_abc");
  resolved.snapshot.set_resolution_text("Yol asfaltlandı");
  ASSERT_TRUE(store.Resolved("case-1", resolved).ok());
  auto got = store.Get("case-1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->status, "resolved");
  EXPECT_EQ((*got)->unit_id, "ilce-tarsus");
  EXPECT_EQ((*got)->snapshot.resolution_text(), "Yol asfaltlandı");
  EXPECT_EQ((*got)->snapshot.citizen_key(), "ck1_abc");

  ASSERT_TRUE(store.Reopened("case-1", 2, "ilce-tarsus", "task-2").ok());
  ASSERT_TRUE(store.Reopened("case-1", 2, "ilce-tarsus", "task-2").ok());  // redelivered
  ASSERT_TRUE(store.Resolved("case-1", resolved).ok());                    // stale attempt 1
  got = store.Get("case-1");
  EXPECT_EQ((*got)->status, "routed");
  EXPECT_EQ((*got)->attempt, 2);
  EXPECT_EQ((*got)->task_id, "task-2");
  EXPECT_EQ((*got)->reopen_count, 1);

  resolved.attempt = 2;
  resolved.task_id = "task-2";
  ASSERT_TRUE(store.Resolved("case-1", resolved).ok());
  EXPECT_EQ((*store.Get("case-1"))->status, "resolved");
  ASSERT_TRUE(store.Closed("case-1").ok());
  resolved.attempt = 3;
  ASSERT_TRUE(store.Resolved("case-1", resolved).ok());
  ASSERT_TRUE(store.Reopened("case-1", 4, "ilce-tarsus", "task-4").ok());
  EXPECT_EQ((*store.Get("case-1"))->status, "closed");
  auto ttl = client_->Command({"TTL", prefix_ + ":rt:case:case-1"});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->integer, 0);
  EXPECT_LE(ttl->integer, 86400);
}

v1::TaskAssigned Task(const std::string& id) {
  v1::TaskAssigned a;
  a.set_task_id(id);
  a.mutable_case_()->set_case_id("case-" + id);
  a.mutable_case_()->set_priority(v1::PRIORITY_P3);
  a.mutable_case_()->mutable_deadline()->set_seconds(1780000000);
  a.mutable_case_()->mutable_owner()->set_unit_id("ilce-tarsus");
  a.set_attempt(1);
  return a;
}

department_worker::StatusChange Change(const std::string& id, v1::TaskStatus status,
                                       const std::string& actor, int64_t seq,
                                       const std::string& reason = "") {
  department_worker::StatusChange c;
  c.task_id = id;
  c.status = status;
  c.actor = actor;
  c.reason = reason;
  c.at = absl::FromUnixSeconds(1779990000 + seq);
  c.seq = seq;
  return c;
}

TEST_F(RoutingWorkerStoresTest, NumberedChangesApplyInOrderAndDecideRaces) {
  department_worker::RedisTaskStore store(*client_, prefix_, "ilce-tarsus");
  ASSERT_TRUE(store.PutAssigned(Task("t1"), absl::FromUnixSeconds(1779990000)).ok());
  auto a = store.Apply(Change("t1", v1::TASK_STATUS_CLAIMED, "ayse", 1));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->applied);
  ASSERT_TRUE(store.Apply(Change("t1", v1::TASK_STATUS_IN_PROGRESS, "ayse", 2)).value().applied);
  ASSERT_TRUE(
      store.Apply(Change("t1", v1::TASK_STATUS_WAITING_FOR_CITIZEN, "ayse", 3, "Adres?")).value().applied);
  // Back to in progress: allowed because it is newer, whatever the status.
  ASSERT_TRUE(store.Apply(Change("t1", v1::TASK_STATUS_IN_PROGRESS, "ayse", 4)).value().applied);
  // A second writer that read change 3 loses the race.
  auto lost = store.Apply(Change("t1", v1::TASK_STATUS_WAITING_FOR_CITIZEN, "mehmet", 4));
  ASSERT_TRUE(lost.ok());
  EXPECT_FALSE(lost->applied);
  EXPECT_EQ(lost->seq, 4);
  // Redelivered old changes change nothing.
  EXPECT_FALSE(store.Apply(Change("t1", v1::TASK_STATUS_CLAIMED, "ayse", 1)).value().applied);
  auto t = store.Get("t1");
  ASSERT_TRUE(t.ok() && t->has_value());
  EXPECT_EQ((*t)->status, v1::TASK_STATUS_IN_PROGRESS);
  EXPECT_EQ((*t)->seq, 4);
  EXPECT_EQ((*t)->claimed_by, "ayse");
  EXPECT_EQ((*t)->last_actor, "ayse");
  // Resolved is final even for a newer number.
  auto done = Change("t1", v1::TASK_STATUS_RESOLVED, "ayse", 5);
  done.resolution_code = "repaired";
  done.resolution_text = "Tamam";
  ASSERT_TRUE(store.Apply(done).value().applied);
  EXPECT_FALSE(store.Apply(Change("t1", v1::TASK_STATUS_IN_PROGRESS, "ayse", 6)).value().applied);
  t = store.Get("t1");
  EXPECT_EQ((*t)->status, v1::TASK_STATUS_RESOLVED);
  EXPECT_EQ((*t)->resolution_text, "Tamam");
  EXPECT_EQ((*t)->closed_by, "ayse");
  EXPECT_EQ(store.CountOpen().value(), 0);
  // Changes from before numbering (seq 0) still apply only forward.
  ASSERT_TRUE(store.PutAssigned(Task("t2"), absl::FromUnixSeconds(1779990000)).ok());
  ASSERT_TRUE(store.Apply(Change("t2", v1::TASK_STATUS_CLAIMED, "ali", 0)).value().applied);
  EXPECT_FALSE(store.Apply(Change("t2", v1::TASK_STATUS_QUEUED, "ali", 0)).value().applied);
}

TEST_F(RoutingWorkerStoresTest, HistoryIsKeptOncePerEventInTimeOrder) {
  department_worker::RedisTaskStore store(*client_, prefix_, "ilce-tarsus");
  auto entry = [](const std::string& id, int64_t at, const std::string& kind) {
    v1::TaskHistoryEntry e;
    e.set_event_id(id);
    e.mutable_at()->set_seconds(at);
    e.set_kind(kind);
    return e;
  };
  ASSERT_TRUE(store.AddHistory("t1", entry("e2", 200, "note")).ok());
  ASSERT_TRUE(store.AddHistory("t1", entry("e1", 100, "status")).ok());
  ASSERT_TRUE(store.AddHistory("t1", entry("e1", 999, "status")).ok());  // the same event again
  auto h = store.History("t1");
  ASSERT_TRUE(h.ok()) << h.status();
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ((*h)[0].event_id(), "e1");
  EXPECT_EQ((*h)[0].at().seconds(), 100);
  EXPECT_EQ((*h)[1].kind(), "note");
}

TEST_F(RoutingWorkerStoresTest, AlertLeasesGoToOneInstanceAndExpire) {
  department_worker::RedisTaskStore a(*client_, prefix_, "yol-yapim");
  department_worker::RedisTaskStore b(*client_, prefix_, "yol-yapim");
  auto kind = v1::DEADLINE_ALERT_KIND_BREACHED;
  EXPECT_TRUE(a.TryClaimAlert("t1", kind, absl::Seconds(30)).value());
  EXPECT_FALSE(b.TryClaimAlert("t1", kind, absl::Seconds(30)).value());
  EXPECT_TRUE(b.TryClaimAlert("t1", v1::DEADLINE_ALERT_KIND_WARNING, absl::Seconds(30)).value());
  // A failed publish gives the lease back.
  ASSERT_TRUE(a.ReleaseAlert("t1", kind).ok());
  EXPECT_TRUE(b.TryClaimAlert("t1", kind, absl::Seconds(30)).value());
  ASSERT_TRUE(b.MarkAlertSent("t1", kind).ok());
  EXPECT_FALSE(a.TryClaimAlert("t1", kind, absl::Seconds(30)).value());
  auto ttl = client_->Command({"TTL", prefix_ + ":dw:yol-yapim:alert:t1:2"});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->integer, 300 * 86400);
  // A lease whose holder died expires (1 ms here) and another instance takes it.
  EXPECT_TRUE(a.TryClaimAlert("t2", kind, absl::Milliseconds(1)).value());
  EXPECT_TRUE(WaitUntil([&] { return b.TryClaimAlert("t2", kind, absl::Seconds(30)).value(); },
                        std::chrono::seconds(10)));
}

}  // namespace
}  // namespace teksin::testing
