// A unit's worker (here Yol Yapım, the metropolitan roads department) with an in-memory queue:
// what staff see and what every action publishes on teksin.department.updates.v1.
#include "department_worker/worker_service.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "department_worker/task_store.h"
#include "events/in_memory.h"
#include "events/topics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/envelopes.h"
#include "support/paths.h"
#include "support/status.h"

namespace teksin::department_worker {
namespace {

using ::teksin::testing::Consumed;
using ::teksin::testing::RegisteredCase;
using ::teksin::testing::SetOwner;
using ::teksin::testing::TaskAssignedEnv;
using ::teksin::testing::TaskChange;
using ::teksin::testing::TaskStatusChangedEnv;
using ::teksin::testing::TrTime;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kUnit[] = "yol-yapim";
constexpr char kTasksTopic[] = "teksin.routing.tasks.yol-yapim.v1";
constexpr char kUpdatesTopic[] = "teksin.department.updates.v1";

class WorkerServiceTest : public ::testing::Test {
 protected:
  // A task as routing assigns it to this unit.
  v1::Case CaseFor(const std::string& case_id, v1::Priority priority, absl::Time deadline,
                   const std::string& unit = kUnit) {
    v1::Case c = RegisteredCase(case_id, "yol-ana-arter", "Akdeniz", TrTime(2026, 5, 22, 9, 0));
    SetOwner(c, unit, v1::OWNER_KIND_METROPOLITAN_DEPARTMENT, "Yol Yapım Dairesi Başkanlığı");
    c.set_priority(priority);
    *c.mutable_deadline() = common::ToProto(deadline);
    c.set_status(v1::CASE_STATUS_ROUTED);
    return c;
  }
  absl::Status Assign(const std::string& task_id, const v1::Case& c, int attempt = 1) {
    return service_.Handle(Consumed(
        kTasksTopic, TaskAssignedEnv("assign-" + task_id, clock_.Now(), task_id, c,
                                     "R-yol-ana-arter", attempt)));
  }
  std::vector<std::string> OpenTaskIds(const v1::ListTasksRequest& req = {}) {
    std::vector<std::string> ids;
    auto resp = service_.ListTasks(req);
    EXPECT_OK(resp);
    if (resp.ok()) {
      for (const auto& t : resp->tasks()) ids.push_back(t.task_id());
    }
    return ids;
  }
  v1::TaskStatus StatusOf(const std::string& task_id) {
    auto t = service_.GetTask(task_id);
    EXPECT_OK(t);
    return t.ok() ? t->status() : v1::TASK_STATUS_UNSPECIFIED;
  }

  common::FakeClock clock_{TrTime(2026, 5, 22, 10, 0)};
  events::Topics topics_{"teksin"};
  events::InMemoryEventPublisher publisher_;
  InMemoryTaskStore store_;
  WorkerService service_{kUnit, store_, topics_, publisher_, clock_};
};

TEST_F(WorkerServiceTest, AssignedTaskAppearsInTheQueue) {
  ASSERT_OK(Assign("task-1", CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30))));
  auto resp = service_.ListTasks({});
  ASSERT_OK(resp);
  ASSERT_THAT(resp->tasks(), SizeIs(1));
  EXPECT_EQ(resp->total_open(), 1);
  const v1::Task& t = resp->tasks(0);
  EXPECT_EQ(t.task_id(), "task-1");
  EXPECT_EQ(t.case_id(), "case-1");
  EXPECT_EQ(t.tracking_code(), "7KQ2M-X9D4F");
  EXPECT_EQ(t.unit_id(), kUnit);
  EXPECT_EQ(t.status(), v1::TASK_STATUS_QUEUED);
  EXPECT_EQ(t.priority(), v1::PRIORITY_P3);
  EXPECT_EQ(common::FromProto(t.deadline()), TrTime(2026, 6, 1, 17, 30));
  EXPECT_EQ(common::FromProto(t.assigned_at()), TrTime(2026, 5, 22, 10, 0));
  EXPECT_EQ(t.category(), "yol-ana-arter");
  EXPECT_EQ(t.district(), "Akdeniz");
  EXPECT_EQ(t.rule_id(), "R-yol-ana-arter");
  EXPECT_EQ(t.attempt(), 1);
  EXPECT_EQ(t.claimed_by(), "");
  EXPECT_EQ(publisher_.size(), 0u);  // consuming publishes nothing
}

TEST_F(WorkerServiceTest, QueueIsOrderedByPriorityThenDeadline) {
  ASSERT_OK(Assign("p3-late", CaseFor("c1", v1::PRIORITY_P3, TrTime(2026, 6, 5, 17, 30))));
  ASSERT_OK(Assign("p2-latest", CaseFor("c2", v1::PRIORITY_P2, TrTime(2026, 6, 30, 17, 30))));
  ASSERT_OK(Assign("p3-early", CaseFor("c3", v1::PRIORITY_P3, TrTime(2026, 5, 26, 13, 0))));
  ASSERT_OK(Assign("p1", CaseFor("c4", v1::PRIORITY_P1, TrTime(2026, 5, 22, 11, 0))));
  EXPECT_THAT(OpenTaskIds(), ElementsAre("p1", "p2-latest", "p3-early", "p3-late"));

  v1::ListTasksRequest two;
  two.set_limit(2);
  EXPECT_THAT(OpenTaskIds(two), ElementsAre("p1", "p2-latest"));
  EXPECT_EQ(service_.ListTasks(two)->total_open(), 4);
}

TEST_F(WorkerServiceTest, ReplayedAssignmentIsStoredOnce) {
  v1::Case c = CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30));
  ASSERT_OK(Assign("task-1", c));
  ASSERT_OK(service_.Claim("task-1", "staff-1").status());
  ASSERT_OK(Assign("task-1", c));  // redelivered after the claim
  EXPECT_THAT(OpenTaskIds(), ElementsAre("task-1"));
  EXPECT_EQ(StatusOf("task-1"), v1::TASK_STATUS_CLAIMED);
}

TEST_F(WorkerServiceTest, ClaimPublishesTheChangeAndShowsWhoHasIt) {
  ASSERT_OK(Assign("task-1", CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30))));
  clock_.Advance(absl::Minutes(30));
  auto claimed = service_.Claim("task-1", "staff-7");
  ASSERT_OK(claimed);
  EXPECT_EQ(claimed->status(), v1::TASK_STATUS_CLAIMED);
  EXPECT_EQ(claimed->claimed_by(), "staff-7");
  EXPECT_EQ(common::FromProto(claimed->updated_at()), TrTime(2026, 5, 22, 10, 30));

  auto out = publisher_.Published(kUpdatesTopic);
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].key, "case-1");
  const v1::Envelope& e = out[0].envelope;
  EXPECT_EQ(e.event_type(), "teksin.v1.TaskStatusChanged");
  EXPECT_EQ(e.source(), "department_worker");
  EXPECT_EQ(e.correlation_id(), "case-1");
  EXPECT_EQ(common::FromProto(e.occurred_at()), TrTime(2026, 5, 22, 10, 30));
  const v1::TaskStatusChanged& ch = e.task_status_changed();
  EXPECT_EQ(ch.task_id(), "task-1");
  EXPECT_EQ(ch.case_id(), "case-1");
  EXPECT_EQ(ch.unit_id(), kUnit);
  EXPECT_EQ(ch.status(), v1::TASK_STATUS_CLAIMED);
  EXPECT_EQ(ch.previous(), v1::TASK_STATUS_QUEUED);
  EXPECT_EQ(ch.actor(), "staff-7");
  EXPECT_EQ(ch.attempt(), 1);
  EXPECT_EQ(ch.case_().status(), v1::CASE_STATUS_IN_PROGRESS);

  auto got = service_.GetTask("task-1");
  ASSERT_OK(got);
  EXPECT_EQ(got->status(), v1::TASK_STATUS_CLAIMED);
  EXPECT_EQ(got->claimed_by(), "staff-7");
}

TEST_F(WorkerServiceTest, SecondStaffMemberCannotClaimTheSameTask) {
  ASSERT_OK(Assign("task-1", CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30))));
  ASSERT_OK(service_.Claim("task-1", "staff-7"));
  auto second = service_.Claim("task-1", "staff-8");
  EXPECT_CODE(second, absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("staff-7"));
  EXPECT_THAT(publisher_.All(), SizeIs(1));
  EXPECT_EQ(service_.GetTask("task-1")->claimed_by(), "staff-7");
}

TEST_F(WorkerServiceTest, OnlyTheClaimantCanResolveOrReject) {
  ASSERT_OK(Assign("task-1", CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30))));
  ASSERT_OK(service_.Claim("task-1", "staff-7"));
  EXPECT_CODE(service_.Resolve("task-1", "staff-8", "repaired", ""),
              absl::StatusCode::kFailedPrecondition);
  EXPECT_CODE(service_.Reject("task-1", "staff-8", "not ours"),
              absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(publisher_.All(), SizeIs(1));
}

TEST_F(WorkerServiceTest, ResolveRequiresAResolutionCode) {
  ASSERT_OK(Assign("task-1", CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30))));
  ASSERT_OK(service_.Claim("task-1", "staff-7"));
  EXPECT_CODE(service_.Resolve("task-1", "staff-7", "", "Onarıldı"),
              absl::StatusCode::kInvalidArgument);
  EXPECT_CODE(service_.Resolve("task-1", "staff-7", "   ", "Onarıldı"),
              absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(publisher_.All(), SizeIs(1));
  EXPECT_EQ(StatusOf("task-1"), v1::TASK_STATUS_CLAIMED);
}

TEST_F(WorkerServiceTest, RejectRequiresAReason) {
  ASSERT_OK(Assign("task-1", CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30))));
  EXPECT_CODE(service_.Reject("task-1", "staff-7", ""), absl::StatusCode::kInvalidArgument);
  EXPECT_CODE(service_.Reject("task-1", "staff-7", " \n"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(publisher_.size(), 0u);
  EXPECT_EQ(StatusOf("task-1"), v1::TASK_STATUS_QUEUED);
}

TEST_F(WorkerServiceTest, ActionsNeedAStaffId) {
  ASSERT_OK(Assign("task-1", CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30))));
  EXPECT_CODE(service_.Claim("task-1", ""), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(publisher_.size(), 0u);
}

TEST_F(WorkerServiceTest, ResolvedTaskLeavesTheOpenList) {
  ASSERT_OK(Assign("task-1", CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30))));
  ASSERT_OK(Assign("task-2", CaseFor("case-2", v1::PRIORITY_P3, TrTime(2026, 6, 2, 17, 30))));
  ASSERT_OK(service_.Claim("task-1", "staff-7"));
  clock_.Advance(absl::Hours(3));
  auto resolved = service_.Resolve("task-1", "staff-7", "repaired", "Çukur asfaltla kapatıldı");
  ASSERT_OK(resolved);
  EXPECT_EQ(resolved->status(), v1::TASK_STATUS_RESOLVED);

  auto out = publisher_.Published(kUpdatesTopic);
  ASSERT_THAT(out, SizeIs(2));
  const v1::TaskStatusChanged& ch = out[1].envelope.task_status_changed();
  EXPECT_EQ(ch.status(), v1::TASK_STATUS_RESOLVED);
  EXPECT_EQ(ch.previous(), v1::TASK_STATUS_CLAIMED);
  EXPECT_EQ(ch.resolution_code(), "repaired");
  EXPECT_EQ(ch.resolution_text(), "Çukur asfaltla kapatıldı");
  EXPECT_EQ(ch.case_().status(), v1::CASE_STATUS_RESOLVED);

  EXPECT_THAT(OpenTaskIds(), ElementsAre("task-2"));
  EXPECT_EQ(service_.ListTasks({})->total_open(), 1);
  EXPECT_EQ(StatusOf("task-1"), v1::TASK_STATUS_RESOLVED);
  // Nothing more can happen to it.
  EXPECT_CODE(service_.Claim("task-1", "staff-8"), absl::StatusCode::kFailedPrecondition);
  EXPECT_CODE(service_.Reject("task-1", "staff-7", "late"), absl::StatusCode::kFailedPrecondition);
}

TEST_F(WorkerServiceTest, RejectedTaskPublishesTheReasonAndLeavesTheQueue) {
  ASSERT_OK(Assign("task-1", CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30)), 1));
  auto rejected = service_.Reject("task-1", "staff-7", "Ara sokak: ilçe belediyesinin işi");
  ASSERT_OK(rejected);
  auto out = publisher_.Published(kUpdatesTopic);
  ASSERT_THAT(out, SizeIs(1));
  const v1::TaskStatusChanged& ch = out[0].envelope.task_status_changed();
  EXPECT_EQ(ch.status(), v1::TASK_STATUS_REJECTED);
  EXPECT_EQ(ch.reason(), "Ara sokak: ilçe belediyesinin işi");
  EXPECT_EQ(ch.attempt(), 1);  // routing counts the bounce from here
  EXPECT_EQ(ch.case_().status(), v1::CASE_STATUS_REJECTED);
  EXPECT_THAT(OpenTaskIds(), IsEmpty());
}

TEST_F(WorkerServiceTest, UnknownTaskIsNotFound) {
  EXPECT_CODE(service_.GetTask("nope"), absl::StatusCode::kNotFound);
  EXPECT_CODE(service_.Claim("nope", "staff-7"), absl::StatusCode::kNotFound);
  EXPECT_EQ(publisher_.size(), 0u);
}

TEST_F(WorkerServiceTest, TaskForAnotherUnitIsAPermanentError) {
  absl::Status s =
      Assign("task-1", CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30), "ulasim"));
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(common::IsPermanent(s)) << s;
  EXPECT_THAT(OpenTaskIds(), IsEmpty());
}

TEST_F(WorkerServiceTest, OtherUnitsUpdatesAreIgnored) {
  ASSERT_OK(Assign("task-1", CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30))));
  TaskChange other;
  other.task_id = "task-1";  // even with a clashing id
  other.unit_id = "ulasim";
  other.status = v1::TASK_STATUS_RESOLVED;
  v1::Case c = CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30));
  EXPECT_OK(service_.Handle(
      Consumed(kUpdatesTopic, TaskStatusChangedEnv("upd-x", clock_.Now(), c, other))));
  EXPECT_EQ(StatusOf("task-1"), v1::TASK_STATUS_QUEUED);
}

TEST_F(WorkerServiceTest, UnexpectedPayloadIsAPermanentError) {
  v1::Case c = CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30));
  absl::Status s = service_.Handle(
      Consumed(kTasksTopic, teksin::testing::CaseRegisteredEnv("reg-1", clock_.Now(), c)));
  EXPECT_TRUE(common::IsPermanent(s)) << s;
}

TEST_F(WorkerServiceTest, RebuildWithTheResolutionBeforeTheAssignmentEndsResolved) {
  // On a rebuild the department updates can be read before the task topic.
  v1::Case c = CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30));
  TaskChange claimed;
  claimed.task_id = "task-1";
  claimed.unit_id = kUnit;
  claimed.status = v1::TASK_STATUS_CLAIMED;
  claimed.actor = "staff-7";
  TaskChange resolved = claimed;
  resolved.status = v1::TASK_STATUS_RESOLVED;
  resolved.previous = v1::TASK_STATUS_CLAIMED;
  resolved.resolution_code = "repaired";
  ASSERT_OK(service_.Handle(Consumed(
      kUpdatesTopic, TaskStatusChangedEnv("upd-2", TrTime(2026, 5, 22, 14, 0), c, resolved))));
  ASSERT_OK(service_.Handle(Consumed(
      kUpdatesTopic, TaskStatusChangedEnv("upd-1", TrTime(2026, 5, 22, 11, 0), c, claimed))));
  ASSERT_OK(Assign("task-1", c));

  EXPECT_EQ(StatusOf("task-1"), v1::TASK_STATUS_RESOLVED);
  EXPECT_THAT(OpenTaskIds(), IsEmpty());
  EXPECT_EQ(service_.ListTasks({})->total_open(), 0);
  EXPECT_EQ(publisher_.size(), 0u);
}

TEST_F(WorkerServiceTest, OwnPublishedChangeReadBackIsHarmless) {
  ASSERT_OK(Assign("task-1", CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30))));
  ASSERT_OK(service_.Claim("task-1", "staff-7"));
  for (auto& e : publisher_.Drain()) ASSERT_OK(service_.Handle(e));
  auto t = service_.GetTask("task-1");
  ASSERT_OK(t);
  EXPECT_EQ(t->status(), v1::TASK_STATUS_CLAIMED);
  EXPECT_EQ(t->claimed_by(), "staff-7");
}

TEST_F(WorkerServiceTest, PublishFailureKeepsTheClaimAndARetryRecordsIt) {
  ASSERT_OK(Assign("task-1", CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30))));
  publisher_.FailNext(1);
  auto claimed = service_.Claim("task-1", "staff-7");
  EXPECT_CODE(claimed, absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(claimed.status().message()), HasSubstr("send the same request again"));
  EXPECT_EQ(publisher_.size(), 0u);
  // The queue keeps the claim: nobody else takes the task meanwhile.
  auto t = service_.GetTask("task-1");
  ASSERT_OK(t);
  EXPECT_EQ(t->status(), v1::TASK_STATUS_CLAIMED);
  EXPECT_EQ(t->claimed_by(), "staff-7");
  EXPECT_CODE(service_.Claim("task-1", "staff-8"), absl::StatusCode::kFailedPrecondition);
  // The same request again records the claim, once.
  ASSERT_OK(service_.Claim("task-1", "staff-7"));
  auto out = publisher_.Published(kUpdatesTopic);
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].envelope.task_status_changed().actor(), "staff-7");
}

TEST_F(WorkerServiceTest, ResolutionNotAcknowledgedIsRecordedByTheRetry) {
  ASSERT_OK(Assign("task-1", CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30))));
  ASSERT_OK(service_.Claim("task-1", "staff-7"));
  publisher_.FailNext(1);
  EXPECT_CODE(service_.Resolve("task-1", "staff-7", "repaired", "done"), absl::StatusCode::kUnavailable);
  auto again = service_.Resolve("task-1", "staff-7", "repaired", "done");
  ASSERT_OK(again);
  EXPECT_EQ(again->status(), v1::TASK_STATUS_RESOLVED);
  auto out = publisher_.Published(kUpdatesTopic);
  ASSERT_THAT(out, SizeIs(2));  // claimed, resolved
  EXPECT_EQ(out[1].envelope.task_status_changed().status(), v1::TASK_STATUS_RESOLVED);
  // Someone else cannot resolve it again.
  EXPECT_CODE(service_.Resolve("task-1", "staff-8", "repaired", ""), absl::StatusCode::kFailedPrecondition);
}

TEST_F(WorkerServiceTest, FiltersByCategoryDistrictAndStatus) {
  v1::Case tarsus = CaseFor("case-2", v1::PRIORITY_P3, TrTime(2026, 6, 2, 17, 30));
  tarsus.mutable_location()->set_district("Tarsus");
  v1::Case snow = CaseFor("case-3", v1::PRIORITY_P2, TrTime(2026, 6, 3, 17, 30));
  snow.set_category("kar-buz");
  ASSERT_OK(Assign("task-1", CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30))));
  ASSERT_OK(Assign("task-2", tarsus));
  ASSERT_OK(Assign("task-3", snow));
  ASSERT_OK(service_.Claim("task-1", "staff-7"));

  v1::ListTasksRequest by_district;
  by_district.set_district("Tarsus");
  EXPECT_THAT(OpenTaskIds(by_district), ElementsAre("task-2"));
  v1::ListTasksRequest by_category;
  by_category.set_category("kar-buz");
  EXPECT_THAT(OpenTaskIds(by_category), ElementsAre("task-3"));
  v1::ListTasksRequest claimed_only;
  claimed_only.add_statuses(v1::TASK_STATUS_CLAIMED);
  EXPECT_THAT(OpenTaskIds(claimed_only), ElementsAre("task-1"));
}

TEST_F(WorkerServiceTest, RetriedClaimBySameStaffRepublishesTheSameEvent) {
  ASSERT_OK(Assign("task-1", CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30))));
  ASSERT_OK(service_.Claim("task-1", "staff-7"));
  auto again = service_.Claim("task-1", "staff-7");
  ASSERT_OK(again);
  EXPECT_EQ(again->status(), v1::TASK_STATUS_CLAIMED);
  EXPECT_EQ(again->claimed_by(), "staff-7");
  // At most the same fact again: one event id, which every consumer recognises.
  auto all = publisher_.All();
  ASSERT_THAT(all, SizeIs(2));
  EXPECT_EQ(all[0].envelope.event_id(), all[1].envelope.event_id());
}

TEST_F(WorkerServiceTest, OwnConsumerAppliedTheClaimFirstStillCountsAsSuccess) {
  // The unit's consumer can read the claim back from Kafka before the call applies it.
  class EchoingPublisher : public events::EventPublisher {
   public:
    explicit EchoingPublisher(WorkerService*& service) : service_(service) {}
    absl::Status Publish(std::vector<events::OutgoingEvent> events) override {
      for (auto& e : events) {
        absl::Status s = service_->Handle(teksin::testing::Consumed(e.topic, e.envelope));
        if (!s.ok()) return s;
      }
      return absl::OkStatus();
    }
   private:
    WorkerService*& service_;
  };
  WorkerService* self = nullptr;
  EchoingPublisher echo(self);
  InMemoryTaskStore store;
  WorkerService service(kUnit, store, topics_, echo, clock_);
  self = &service;
  ASSERT_OK(service.Handle(Consumed(
      kTasksTopic, TaskAssignedEnv("assign-1", clock_.Now(), "task-1",
                                   CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30))))));
  auto claimed = service.Claim("task-1", "staff-7");
  ASSERT_OK(claimed);
  EXPECT_EQ(claimed->claimed_by(), "staff-7");
  auto resolved = service.Resolve("task-1", "staff-7", "repaired", "");
  ASSERT_OK(resolved);
  EXPECT_EQ(resolved->status(), v1::TASK_STATUS_RESOLVED);
}

// A store that lets a test run something between a transition's publish and its apply, the
// window in which two members of staff can race for the same task.
class RacingTaskStore : public InMemoryTaskStore {
 public:
  absl::StatusOr<ApplyResult> Apply(const StatusChange& change) override {
    if (auto hook = std::exchange(before_next_apply, nullptr)) hook();
    return InMemoryTaskStore::Apply(change);
  }
  std::function<void()> before_next_apply;
};

// Regression: the queue decides a race between two claims before anything is published, so
// the record names the same winner as the queue.
TEST_F(WorkerServiceTest, RacingClaimsLeaveTheRecordAndTheQueueInAgreement) {
  RacingTaskStore store;
  WorkerService service(kUnit, store, topics_, publisher_, clock_);
  v1::Case c = CaseFor("case-1", v1::PRIORITY_P3, TrTime(2026, 6, 1, 17, 30));
  v1::Envelope assigned = TaskAssignedEnv("assign-1", clock_.Now(), "task-1", c);
  ASSERT_OK(service.Handle(Consumed(kTasksTopic, assigned)));

  absl::StatusOr<v1::Task> b = absl::UnknownError("not run");
  store.before_next_apply = [&] { b = service.Claim("task-1", "staff-B"); };
  absl::StatusOr<v1::Task> a = service.Claim("task-1", "staff-A");
  ASSERT_NE(a.ok(), b.ok()) << a.status() << " / " << b.status();
  std::string winner = a.ok() ? "staff-A" : "staff-B";
  EXPECT_EQ(service.GetTask("task-1")->claimed_by(), winner);

  // Rebuild the queue from the record, as a restarted worker does.
  InMemoryTaskStore rebuilt_store;
  WorkerService rebuilt(kUnit, rebuilt_store, topics_, publisher_, clock_);
  ASSERT_OK(rebuilt.Handle(Consumed(kTasksTopic, assigned)));
  for (const auto& e : publisher_.Published(kUpdatesTopic)) {
    ASSERT_OK(rebuilt.Handle(Consumed(e.topic, e.envelope)));
  }
  EXPECT_EQ(rebuilt.GetTask("task-1")->claimed_by(), winner);
  // And no two different facts share one event id.
  auto out = publisher_.Published(kUpdatesTopic);
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i].envelope.event_id() == out[i + 1].envelope.event_id()) {
      EXPECT_EQ(out[i].envelope.task_status_changed().actor(),
                out[i + 1].envelope.task_status_changed().actor());
    }
  }
}

}  // namespace
}  // namespace teksin::department_worker
