// The staff API beyond claim/resolve/reject (start, ask the citizen, notes, the forward desk's
// acknowledgement), numbered changes, the JSON-over-HTTP mapping, and the deadline watch with a
// fake clock. In-memory queue and publisher.
#include <string>
#include <vector>

#include "common/ids.h"
#include "common/status.h"
#include "department_worker/deadline_watch.h"
#include "department_worker/staff_http.h"
#include "department_worker/task_store.h"
#include "department_worker/worker_service.h"
#include "events/in_memory.h"
#include "events/topics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "support/envelopes.h"
#include "support/paths.h"
#include "support/status.h"

namespace teksin::department_worker {
namespace {

using ::teksin::testing::Consumed;
using ::teksin::testing::RegisteredCase;
using ::teksin::testing::SetOwner;
using ::teksin::testing::TaskAssignedEnv;
using ::teksin::testing::TrTime;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kUpdatesTopic[] = "teksin.department.updates.v1";

class StaffApiTest : public ::testing::Test {
 protected:
  explicit StaffApiTest(const std::string& unit = "yol-yapim",
                        v1::OwnerKind kind = v1::OWNER_KIND_METROPOLITAN_DEPARTMENT)
      : unit_(unit), kind_(kind) {}

  // A task received Friday 22 May 2026 09:00 with its deadline at 17:00 the same day.
  void Assign(const std::string& task_id, absl::Time received = TrTime(2026, 5, 22, 9, 0),
              absl::Time deadline = TrTime(2026, 5, 22, 17, 0)) {
    v1::Case c = RegisteredCase("case-" + task_id, "yol-ana-arter", "Akdeniz", received);
    SetOwner(c, unit_, kind_);
    c.set_priority(v1::PRIORITY_P3);
    *c.mutable_deadline() = common::ToProto(deadline);
    ASSERT_OK(service_.Handle(Consumed("teksin.routing.tasks." + unit_ + ".v1",
                                       TaskAssignedEnv("assign-" + task_id, clock_.Now(), task_id, c))));
  }
  std::vector<events::OutgoingEvent> Updates() { return publisher_.Published(kUpdatesTopic); }
  // Reads everything published back into the worker, as its own consumer does.
  void ReadBack() {
    for (auto& e : publisher_.Drain()) ASSERT_OK(service_.Handle(e));
  }
  nlohmann::json Http(const std::string& method, const std::string& path,
                      const std::string& body = "", int* status = nullptr,
                      std::multimap<std::string, std::string> query = {}) {
    StaffHttpAnswer a = ServeStaffHttp(service_, method, path, query, body);
    if (status) *status = a.status;
    return nlohmann::json::parse(a.body);
  }

  std::string unit_;
  v1::OwnerKind kind_;
  common::FakeClock clock_{TrTime(2026, 5, 22, 10, 0)};
  events::Topics topics_{"teksin"};
  events::InMemoryEventPublisher publisher_;
  InMemoryTaskStore store_;
  WorkerService service_{unit_, store_, topics_, publisher_, clock_};
};

TEST_F(StaffApiTest, StartAskAndStartAgainAreNumberedChanges) {
  Assign("t1");
  ASSERT_OK(service_.Claim("t1", "ayse"));
  ASSERT_OK(service_.Start("t1", "ayse"));
  auto asked = service_.AskCitizen("t1", "ayse", "Çukurun tam adresi nedir?");
  ASSERT_OK(asked);
  EXPECT_EQ(asked->status(), v1::TASK_STATUS_WAITING_FOR_CITIZEN);
  EXPECT_EQ(asked->reason(), "Çukurun tam adresi nedir?");
  ASSERT_OK(service_.Start("t1", "ayse"));  // the citizen answered
  auto updates = Updates();
  ASSERT_THAT(updates, SizeIs(4));
  std::vector<int64_t> seqs;
  std::vector<v1::TaskStatus> statuses;
  for (const auto& u : updates) {
    seqs.push_back(u.envelope.task_status_changed().seq());
    statuses.push_back(u.envelope.task_status_changed().status());
  }
  EXPECT_THAT(seqs, ElementsAre(1, 2, 3, 4));
  EXPECT_THAT(statuses, ElementsAre(v1::TASK_STATUS_CLAIMED, v1::TASK_STATUS_IN_PROGRESS,
                                    v1::TASK_STATUS_WAITING_FOR_CITIZEN, v1::TASK_STATUS_IN_PROGRESS));
  const auto& ask = updates[2].envelope.task_status_changed();
  EXPECT_EQ(ask.reason(), "Çukurun tam adresi nedir?");
  EXPECT_EQ(ask.actor(), "ayse");
  EXPECT_EQ(ask.case_().status(), v1::CASE_STATUS_WAITING_FOR_CITIZEN);
  // The two starts are different events; each id is derived from the task and its number.
  EXPECT_NE(updates[1].envelope.event_id(), updates[3].envelope.event_id());
  EXPECT_EQ(updates[1].envelope.event_id(), common::DerivedId("t1", "started-2"));
  EXPECT_EQ(updates[0].envelope.event_id(), common::DerivedId("t1", "claimed"));

  // Reading the record back changes nothing; the history has one line per change.
  ReadBack();
  auto t = service_.GetTask("t1");
  ASSERT_OK(t);
  EXPECT_EQ(t->status(), v1::TASK_STATUS_IN_PROGRESS);
  EXPECT_EQ(t->seq(), 4);
  ASSERT_THAT(t->history(), SizeIs(4));
  EXPECT_EQ(t->history(2).kind(), "status");
  EXPECT_EQ(t->history(2).text(), "Çukurun tam adresi nedir?");
}

TEST_F(StaffApiTest, ARebuildReplaysNumberedChangesInOrderEvenBackwards) {
  Assign("t2");
  ASSERT_OK(service_.Claim("t2", "ayse"));
  ASSERT_OK(service_.AskCitizen("t2", "ayse", "Hangi sokak?"));
  ASSERT_OK(service_.Start("t2", "ayse"));
  auto record = publisher_.Drain();
  // A fresh queue rebuilt from the record: the waiting -> in progress step applies because it
  // is newer, although "in progress" ranks below nothing it could not reach by rank.
  InMemoryTaskStore fresh;
  WorkerService rebuilt(unit_, fresh, topics_, publisher_, clock_);
  v1::Case c = RegisteredCase("case-t2", "yol-ana-arter", "Akdeniz", TrTime(2026, 5, 22, 9, 0));
  SetOwner(c, unit_, kind_);
  ASSERT_OK(rebuilt.Handle(Consumed("teksin.routing.tasks.yol-yapim.v1",
                                    TaskAssignedEnv("assign-t2", clock_.Now(), "t2", c))));
  for (const auto& e : record) ASSERT_OK(rebuilt.Handle(e));
  for (const auto& e : record) ASSERT_OK(rebuilt.Handle(e));  // redelivered
  auto t = rebuilt.GetTask("t2");
  ASSERT_OK(t);
  EXPECT_EQ(t->status(), v1::TASK_STATUS_IN_PROGRESS);
  EXPECT_EQ(t->seq(), 3);
  EXPECT_EQ(t->claimed_by(), "ayse");
}

TEST_F(StaffApiTest, WrongTransitionsAreRefused) {
  Assign("t3");
  EXPECT_CODE(service_.AskCitizen("t3", "ayse", "?"), absl::StatusCode::kFailedPrecondition);
  EXPECT_CODE(service_.AskCitizen("t3", "ayse", " "), absl::StatusCode::kInvalidArgument);
  EXPECT_CODE(service_.Acknowledge("t3", "ayse", ""), absl::StatusCode::kFailedPrecondition);
  ASSERT_OK(service_.Start("t3", "ayse"));  // a queued task can be started directly
  EXPECT_CODE(service_.Start("t3", "mehmet"), absl::StatusCode::kFailedPrecondition);
  EXPECT_CODE(service_.Claim("t3", "mehmet"), absl::StatusCode::kFailedPrecondition);
  ASSERT_OK(service_.Resolve("t3", "ayse", "repaired", "Tamam"));
  EXPECT_CODE(service_.Start("t3", "ayse"), absl::StatusCode::kFailedPrecondition);
  EXPECT_CODE(service_.Reject("t3", "ayse", "not ours"), absl::StatusCode::kFailedPrecondition);
}

TEST_F(StaffApiTest, RejectionCarriesTheSuggestedUnit) {
  Assign("t4");
  EXPECT_CODE(service_.Reject("t4", "ayse", "not ours", "Not A Unit"),
              absl::StatusCode::kInvalidArgument);
  EXPECT_CODE(service_.Reject("t4", "ayse", "not ours", "yol-yapim"),
              absl::StatusCode::kInvalidArgument);
  ASSERT_OK(service_.Reject("t4", "ayse", "İlçe belediyesinin yolu", "ilce-tarsus"));
  const v1::TaskStatusChanged ch = Updates().back().envelope.task_status_changed();
  EXPECT_EQ(ch.suggested_unit_id(), "ilce-tarsus");
  EXPECT_EQ(ch.status(), v1::TASK_STATUS_REJECTED);
  EXPECT_EQ(ch.case_().history().rbegin()->status(), v1::CASE_STATUS_REJECTED);
}

TEST_F(StaffApiTest, NotesAreEventsWithoutAStatusChange) {
  Assign("t5");
  auto t = service_.AddNote("t5", "ayse", "Ekip yarın sabah gidecek", true);
  ASSERT_OK(t);
  EXPECT_EQ(t->status(), v1::TASK_STATUS_QUEUED);
  ASSERT_OK(service_.AddNote("t5", "ayse", "Ekip yarın sabah gidecek", true));  // a retry
  auto updates = Updates();
  ASSERT_THAT(updates, SizeIs(2));
  EXPECT_EQ(updates[0].envelope.event_id(), updates[1].envelope.event_id());
  const v1::TaskNoteAdded& n = updates[0].envelope.task_note_added();
  EXPECT_EQ(updates[0].envelope.event_type(), "teksin.v1.TaskNoteAdded");
  EXPECT_EQ(n.note(), "Ekip yarın sabah gidecek");
  EXPECT_TRUE(n.visible_to_citizen());
  EXPECT_EQ(n.unit_id(), "yol-yapim");
  EXPECT_EQ(n.actor(), "ayse");
  EXPECT_EQ(updates[0].key, "case-t5");
  ReadBack();
  auto got = service_.GetTask("t5");
  ASSERT_OK(got);
  ASSERT_THAT(got->history(), SizeIs(1));
  EXPECT_EQ(got->history(0).kind(), "note");
  EXPECT_CODE(service_.AddNote("t5", "ayse", "", false), absl::StatusCode::kInvalidArgument);
  EXPECT_CODE(service_.AddNote("nope", "ayse", "x", false), absl::StatusCode::kNotFound);
}

class ForwardDeskTest : public StaffApiTest {
 protected:
  ForwardDeskTest() : StaffApiTest("toroslar-edas", v1::OWNER_KIND_EXTERNAL_INSTITUTION) {}
};

TEST_F(ForwardDeskTest, LiaisonRecordsTheAcknowledgementThenTheAnswer) {
  Assign("f1");
  auto ack = service_.Acknowledge("f1", "irtibat-1", "EDAS-2026-4411");
  ASSERT_OK(ack);
  EXPECT_EQ(ack->status(), v1::TASK_STATUS_ACKNOWLEDGED);
  EXPECT_EQ(ack->owner_kind(), v1::OWNER_KIND_EXTERNAL_INSTITUTION);
  EXPECT_THAT(ack->reason(), HasSubstr("EDAS-2026-4411"));
  EXPECT_CODE(service_.Acknowledge("f1", "irtibat-2", ""), absl::StatusCode::kFailedPrecondition);
  ASSERT_OK(service_.Acknowledge("f1", "irtibat-1", "EDAS-2026-4411"));  // a retry
  auto answered = service_.Resolve("f1", "irtibat-1", "answered-by-institution",
                                   "Trafo arızası giderildi");
  ASSERT_OK(answered);
  EXPECT_EQ(answered->status(), v1::TASK_STATUS_RESOLVED);
  auto updates = Updates();
  ASSERT_THAT(updates, SizeIs(3));
  EXPECT_EQ(updates[0].envelope.event_id(), updates[1].envelope.event_id());
  EXPECT_EQ(updates[0].envelope.task_status_changed().status(), v1::TASK_STATUS_ACKNOWLEDGED);
  EXPECT_EQ(updates[2].envelope.task_status_changed().resolution_text(), "Trafo arızası giderildi");
}

// ---- JSON over HTTP --------------------------------------------------------------------------

TEST_F(StaffApiTest, HttpListsAndActsWithClearErrors) {
  Assign("h1");
  Assign("h2");
  int status = 0;
  auto list = Http("GET", "/v1/tasks", "", &status, {{"status", "queued"}, {"limit", "1"}});
  EXPECT_EQ(status, 200);
  ASSERT_EQ(list["tasks"].size(), 1u);
  EXPECT_EQ(list["tasks"][0]["status"], "TASK_STATUS_QUEUED");
  EXPECT_EQ(list["total_open"], "2");  // int64 is a string in protobuf JSON

  auto e = Http("GET", "/v1/tasks", "", &status, {{"status", "sleeping"}});
  EXPECT_EQ(status, 400);
  Http("GET", "/v1/tasks", "", &status, {{"limit", "0"}});
  EXPECT_EQ(status, 400);
  e = Http("GET", "/v1/tasks", "", &status, {{"status", "resolved"}});
  EXPECT_EQ(status, 400);
  EXPECT_THAT(e["error"].get<std::string>(), HasSubstr("only open tasks"));

  e = Http("POST", "/v1/tasks/h1/claim", "{}", &status);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(e["error"], "staff_id is required");
  Http("POST", "/v1/tasks/h1/claim", "not json", &status);
  EXPECT_EQ(status, 400);
  Http("POST", "/v1/tasks/nope/claim", R"({"staff_id":"ayse"})", &status);
  EXPECT_EQ(status, 404);
  Http("POST", "/v1/tasks/h1/fly", R"({"staff_id":"ayse"})", &status);
  EXPECT_EQ(status, 404);

  auto claimed = Http("POST", "/v1/tasks/h1/claim", R"({"staff_id":"ayse"})", &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(claimed["status"], "TASK_STATUS_CLAIMED");
  EXPECT_EQ(claimed["claimed_by"], "ayse");
  e = Http("POST", "/v1/tasks/h1/claim", R"({"staff_id":"mehmet"})", &status);
  EXPECT_EQ(status, 409);
  EXPECT_THAT(e["error"].get<std::string>(), HasSubstr("claimed by ayse"));
  Http("POST", "/v1/tasks/h1/ask", R"({"staff_id":"ayse","question":"Adres?"})", &status);
  EXPECT_EQ(status, 200);
  Http("POST", "/v1/tasks/h1/notes",
       R"({"staff_id":"ayse","note":"Vatandaş arandı","visible_to_citizen":"yes"})", &status);
  EXPECT_EQ(status, 400);
  Http("POST", "/v1/tasks/h1/notes", R"({"staff_id":"ayse","note":"Vatandaş arandı"})", &status);
  EXPECT_EQ(status, 200);
  Http("POST", "/v1/tasks/h1/resolve", R"({"staff_id":"ayse"})", &status);
  EXPECT_EQ(status, 400);  // no resolution_code
  auto resolved = Http("POST", "/v1/tasks/h1/resolve",
                       R"({"staff_id":"ayse","resolution_code":"repaired","resolution_text":"Tamam"})",
                       &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(resolved["status"], "TASK_STATUS_RESOLVED");
  Http("POST", "/v1/tasks/h1/start", R"({"staff_id":"ayse"})", &status);
  EXPECT_EQ(status, 409);

  auto one = Http("GET", "/v1/tasks/h1", "", &status);
  EXPECT_EQ(status, 200);
  ASSERT_EQ(one["history"].size(), 4u);  // claimed, asked, note, resolved
  EXPECT_EQ(one["history"][1]["text"], "Adres?");
  EXPECT_EQ(one["history"][2]["kind"], "note");
  Http("DELETE", "/v1/tasks/h1", "", &status);
  EXPECT_EQ(status, 405);

  publisher_.FailNext(1);
  e = Http("POST", "/v1/tasks/h2/claim", R"({"staff_id":"ayse"})", &status);
  EXPECT_EQ(status, 503);
  EXPECT_THAT(e["error"].get<std::string>(), HasSubstr("send the same request again"));
}

// ---- Deadline watch --------------------------------------------------------------------------

class DeadlineWatchTest : public StaffApiTest {
 protected:
  std::vector<v1::DeadlineAlert> Alerts() {
    std::vector<v1::DeadlineAlert> out;
    for (const auto& u : Updates()) {
      if (u.envelope.has_deadline_alert()) out.push_back(u.envelope.deadline_alert());
    }
    return out;
  }
  DeadlineOptions Options() {
    DeadlineOptions o;
    o.warn_share = 0.8;
    o.escalation_grace = absl::Hours(2);
    return o;
  }
};

TEST_F(DeadlineWatchTest, WarnsThenBreachesThenEscalatesOnceEach) {
  Assign("d1");  // received 09:00, deadline 17:00: 8 hours allowed, warning at 15:24
  DeadlineWatch watch(unit_, store_, topics_, publisher_, clock_, Options());
  clock_.Set(TrTime(2026, 5, 22, 15, 0));
  auto r = watch.ScanOnce();
  ASSERT_OK(r);
  EXPECT_EQ(r->open, 1);
  EXPECT_TRUE(Alerts().empty());

  clock_.Set(TrTime(2026, 5, 22, 15, 30));
  ASSERT_OK(watch.ScanOnce());
  ASSERT_OK(watch.ScanOnce());  // the next scan sends nothing new
  ASSERT_THAT(Alerts(), SizeIs(1));
  EXPECT_EQ(Alerts()[0].kind(), v1::DEADLINE_ALERT_KIND_WARNING);

  clock_.Set(TrTime(2026, 5, 22, 17, 1));
  r = watch.ScanOnce();
  ASSERT_OK(r);
  EXPECT_EQ(r->breaches, 1);
  EXPECT_EQ(r->overdue, 1);
  clock_.Set(TrTime(2026, 5, 22, 19, 1));
  r = watch.ScanOnce();
  ASSERT_OK(r);
  EXPECT_EQ(r->escalations, 1);
  ASSERT_OK(watch.ScanOnce());
  auto alerts = Alerts();
  ASSERT_THAT(alerts, SizeIs(3));
  EXPECT_EQ(alerts[1].kind(), v1::DEADLINE_ALERT_KIND_BREACHED);
  EXPECT_EQ(alerts[2].kind(), v1::DEADLINE_ALERT_KIND_ESCALATED);
  EXPECT_EQ(alerts[2].escalated_to(), "unit-head:yol-yapim,koordinasyon");
  EXPECT_EQ(alerts[2].case_id(), "case-d1");
  EXPECT_EQ(common::FromProto(alerts[2].deadline()), TrTime(2026, 5, 22, 17, 0));
  auto updates = Updates();
  EXPECT_EQ(updates[1].envelope.event_id(), common::DerivedId("d1", "deadline-breached"));

  // Read back, the alerts are in the task's history.
  ReadBack();
  auto t = service_.GetTask("d1");
  ASSERT_OK(t);
  ASSERT_THAT(t->history(), SizeIs(3));
  EXPECT_EQ(t->history(1).kind(), "alert");
  EXPECT_EQ(t->history(1).alert(), v1::DEADLINE_ALERT_KIND_BREACHED);
}

TEST_F(DeadlineWatchTest, TwoInstancesSendEachAlertOnce) {
  Assign("d2");
  DeadlineWatch a(unit_, store_, topics_, publisher_, clock_, Options());
  DeadlineWatch b(unit_, store_, topics_, publisher_, clock_, Options());
  clock_.Set(TrTime(2026, 5, 22, 20, 0));  // past the deadline and the grace
  ASSERT_OK(a.ScanOnce());
  ASSERT_OK(b.ScanOnce());
  auto alerts = Alerts();
  // A task found late gets no warning: the breach says more.
  ASSERT_THAT(alerts, SizeIs(2));
  EXPECT_EQ(alerts[0].kind(), v1::DEADLINE_ALERT_KIND_BREACHED);
  EXPECT_EQ(alerts[1].kind(), v1::DEADLINE_ALERT_KIND_ESCALATED);
}

TEST_F(DeadlineWatchTest, AResolvedTaskIsNoLongerWatched) {
  Assign("d3");
  ASSERT_OK(service_.Resolve("d3", "ayse", "repaired", ""));
  DeadlineWatch watch(unit_, store_, topics_, publisher_, clock_, Options());
  clock_.Set(TrTime(2026, 5, 23, 12, 0));
  auto r = watch.ScanOnce();
  ASSERT_OK(r);
  EXPECT_EQ(r->open, 0);
  EXPECT_TRUE(Alerts().empty());
}

TEST_F(DeadlineWatchTest, AFailedPublishIsRetriedByTheNextScan) {
  Assign("d4");
  DeadlineWatch watch(unit_, store_, topics_, publisher_, clock_, Options());
  clock_.Set(TrTime(2026, 5, 22, 17, 30));
  publisher_.FailNext(1);
  EXPECT_CODE(watch.ScanOnce(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(Alerts().empty());
  ASSERT_OK(watch.ScanOnce());
  ASSERT_THAT(Alerts(), SizeIs(1));
}

TEST_F(DeadlineWatchTest, AnAlertAnotherInstanceHoldsIsAskedForAgainAfterTheLease) {
  Assign("d5");
  DeadlineOptions o = Options();
  o.lease = absl::Seconds(60);
  DeadlineWatch watch(unit_, store_, topics_, publisher_, clock_, o);
  clock_.Set(TrTime(2026, 5, 22, 15, 30));  // the warning is due
  // Another instance took the warning's lease, then died before publishing.
  ASSERT_OK(store_.TryClaimAlert("d5", v1::DEADLINE_ALERT_KIND_WARNING, absl::Seconds(60)));
  ASSERT_OK(watch.ScanOnce());
  EXPECT_TRUE(Alerts().empty());
  ASSERT_OK(store_.ReleaseAlert("d5", v1::DEADLINE_ALERT_KIND_WARNING));  // its lease lapsed
  clock_.Set(TrTime(2026, 5, 22, 15, 30) + absl::Seconds(30));
  ASSERT_OK(watch.ScanOnce());  // not asked again within the lease
  EXPECT_TRUE(Alerts().empty());
  clock_.Set(TrTime(2026, 5, 22, 15, 30) + absl::Seconds(61));
  auto r = watch.ScanOnce();
  ASSERT_OK(r);
  EXPECT_EQ(r->warnings, 1);
  ASSERT_THAT(Alerts(), SizeIs(1));
}

// Counts the tasks the deadline watch reads in full.
class CountingTaskStore : public InMemoryTaskStore {
 public:
  absl::StatusOr<std::vector<StoredTask>> GetOpen(const std::vector<std::string>& ids) override {
    read += ids.size();
    return InMemoryTaskStore::GetOpen(ids);
  }
  size_t read = 0;
};

TEST(DeadlineWatchScan, ReadsOnlyTheTasksItHasNotSeenAndThoseWithAnAlertDue) {
  common::FakeClock clock(TrTime(2026, 5, 22, 10, 0));
  events::Topics topics("teksin");
  events::InMemoryEventPublisher publisher;
  CountingTaskStore store;
  WorkerService service("yol-yapim", store, topics, publisher, clock);
  auto assign = [&](const std::string& id) {
    v1::Case c = RegisteredCase("case-" + id, "yol-ana-arter", "Akdeniz", TrTime(2026, 5, 22, 9, 0));
    SetOwner(c, "yol-yapim", v1::OWNER_KIND_METROPOLITAN_DEPARTMENT);
    *c.mutable_deadline() = common::ToProto(TrTime(2026, 5, 22, 17, 0));  // warning at 15:24
    ASSERT_OK(service.Handle(Consumed("teksin.routing.tasks.yol-yapim.v1",
                                      TaskAssignedEnv("assign-" + id, clock.Now(), id, c))));
  };
  for (const char* id : {"s1", "s2", "s3"}) assign(id);
  DeadlineWatch watch("yol-yapim", store, topics, publisher, clock);
  clock.Set(TrTime(2026, 5, 22, 15, 0));
  auto r = watch.ScanOnce();
  ASSERT_OK(r);
  EXPECT_EQ(r->open, 3);
  EXPECT_EQ(store.read, 3u);
  r = watch.ScanOnce();  // nothing new, nothing due: no task read
  ASSERT_OK(r);
  EXPECT_EQ(r->open, 3);
  EXPECT_EQ(store.read, 3u);
  assign("s4");
  ASSERT_OK(watch.ScanOnce());
  EXPECT_EQ(store.read, 4u);  // only the new one
  ASSERT_OK(service.Claim("s1", "ayse"));
  ASSERT_OK(service.Resolve("s1", "ayse", "repaired", ""));
  clock.Set(TrTime(2026, 5, 22, 15, 30));
  r = watch.ScanOnce();  // three warnings due: each task read once, as it is now
  ASSERT_OK(r);
  EXPECT_EQ(r->open, 3);
  EXPECT_EQ(r->warnings, 3);
  EXPECT_EQ(store.read, 7u);
  r = watch.ScanOnce();
  ASSERT_OK(r);
  EXPECT_EQ(r->warnings, 0);
  EXPECT_EQ(store.read, 7u);
}

TEST_F(ForwardDeskTest, AnUnansweredForwardIsOverdue) {
  Assign("f2");
  ASSERT_OK(service_.Acknowledge("f2", "irtibat-1", ""));
  DeadlineWatch watch(unit_, store_, topics_, publisher_, clock_, {});
  clock_.Set(TrTime(2026, 5, 22, 17, 5));
  auto r = watch.ScanOnce();
  ASSERT_OK(r);
  EXPECT_EQ(r->overdue, 1);
  EXPECT_EQ(r->breaches, 1);
  EXPECT_EQ(Updates().back().envelope.deadline_alert().unit_id(), "toroslar-edas");
}

}  // namespace
}  // namespace teksin::department_worker
