// Several units in one department_worker process (ADR 0025): which units the environment names,
// and each staff request (gRPC and JSON over HTTP) answered by the unit it names. Two units share
// one in-memory publisher, as they share the process's producer; each has its own queue.
#include <map>
#include <string>
#include <vector>

#include "common/env.h"
#include "department_worker/staff_grpc.h"
#include "department_worker/staff_http.h"
#include "department_worker/task_store.h"
#include "department_worker/units.h"
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
using ::testing::IsEmpty;
using ::testing::SizeIs;

// The units named by these variables, or the configuration error.
struct Parsed {
  std::vector<std::string> units;
  absl::Status status;
};
Parsed Parse(std::map<std::string, std::string> vars) {
  common::EnvReader env(std::move(vars));
  Parsed p;
  p.units = HostedUnitsFromEnv(env);
  p.status = env.Finish();
  return p;
}

TEST(HostedUnitsFromEnv, OneUnitAsBefore) {
  Parsed p = Parse({{"DEPARTMENT_WORKER_UNIT", "meski"}});
  ASSERT_OK(p.status);
  EXPECT_THAT(p.units, ElementsAre("meski"));
}

TEST(HostedUnitsFromEnv, AListInItsOrderWithSpacesTrimmed) {
  Parsed p = Parse({{"DEPARTMENT_WORKER_UNITS", "meski, ilce-tarsus ,koordinasyon"}});
  ASSERT_OK(p.status);
  EXPECT_THAT(p.units, ElementsAre("meski", "ilce-tarsus", "koordinasyon"));
  Parsed single = Parse({{"DEPARTMENT_WORKER_UNITS", "zabita"}});
  ASSERT_OK(single.status);
  EXPECT_THAT(single.units, ElementsAre("zabita"));
}

TEST(HostedUnitsFromEnv, BothSetIsAnError) {
  Parsed p = Parse({{"DEPARTMENT_WORKER_UNIT", "meski"}, {"DEPARTMENT_WORKER_UNITS", "meski,zabita"}});
  EXPECT_EQ(p.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status.message(),
              HasSubstr("DEPARTMENT_WORKER_UNIT and DEPARTMENT_WORKER_UNITS are both set: set "
                        "exactly one"));
}

TEST(HostedUnitsFromEnv, NeitherSetIsAnError) {
  Parsed p = Parse({});
  EXPECT_EQ(p.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status.message(), HasSubstr("DEPARTMENT_WORKER_UNIT (one unit) or "
                                            "DEPARTMENT_WORKER_UNITS (a comma-separated list of "
                                            "units) is required; neither is set"));
  // Set but empty counts as not set.
  Parsed empty = Parse({{"DEPARTMENT_WORKER_UNITS", ""}});
  EXPECT_THAT(empty.status.message(), HasSubstr("neither is set"));
}

TEST(HostedUnitsFromEnv, InvalidIdsAreNamed) {
  Parsed one = Parse({{"DEPARTMENT_WORKER_UNIT", "MESKİ"}});
  EXPECT_EQ(one.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(one.status.message(),
              HasSubstr("DEPARTMENT_WORKER_UNIT must be a unit id like \"meski\""));
  Parsed list = Parse({{"DEPARTMENT_WORKER_UNITS", "meski,Zabita,ilce tarsus"}});
  EXPECT_EQ(list.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(list.status.message(), HasSubstr("DEPARTMENT_WORKER_UNITS has \"Zabita\", which is "
                                               "not a unit id"));
  EXPECT_THAT(list.status.message(), HasSubstr("has \"ilce tarsus\""));
  EXPECT_THAT(list.units, IsEmpty());
  // An empty entry (a stray comma) is not a unit either.
  Parsed comma = Parse({{"DEPARTMENT_WORKER_UNITS", "meski,,zabita"}});
  EXPECT_THAT(comma.status.message(), HasSubstr("has \"\", which is not a unit id"));
  // A long value is cut in the message.
  Parsed longer = Parse({{"DEPARTMENT_WORKER_UNITS", std::string(300, 'x') + "!"}});
  EXPECT_THAT(longer.status.message(), HasSubstr("…\""));
  EXPECT_LT(longer.status.message().size(), 250u);
}

TEST(HostedUnitsFromEnv, ADuplicateIsAnError) {
  Parsed p = Parse({{"DEPARTMENT_WORKER_UNITS", "meski,zabita, meski"}});
  EXPECT_EQ(p.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status.message(), HasSubstr("DEPARTMENT_WORKER_UNITS lists \"meski\" more than once"));
  EXPECT_THAT(p.units, IsEmpty());
}

constexpr char kUpdatesTopic[] = "teksin.department.updates.v1";

// Two units of one process: separate queues, one publisher.
class TwoUnitsTest : public ::testing::Test {
 protected:
  TwoUnitsTest() {
    router_.Add(meski_);
    router_.Add(tarsus_);
  }
  void Assign(WorkerService& worker, const std::string& task_id) {
    v1::Case c = RegisteredCase("case-" + task_id, "su-arizasi", "Tarsus", TrTime(2026, 5, 22, 9, 0));
    SetOwner(c, worker.unit(), v1::OWNER_KIND_METROPOLITAN_DEPARTMENT);
    *c.mutable_deadline() = common::ToProto(TrTime(2026, 5, 22, 17, 0));
    ASSERT_OK(worker.Handle(Consumed(topics_.RoutingTasks(worker.unit()),
                                     TaskAssignedEnv("assign-" + task_id, clock_.Now(), task_id, c))));
  }
  nlohmann::json Http(const std::string& method, const std::string& path, int* status,
                      std::multimap<std::string, std::string> query = {},
                      const std::string& body = "") {
    StaffHttpAnswer a = ServeStaffHttp(router_, method, path, std::move(query), body);
    *status = a.status;
    return nlohmann::json::parse(a.body);
  }

  common::FakeClock clock_{TrTime(2026, 5, 22, 10, 0)};
  events::Topics topics_{"teksin"};
  events::InMemoryEventPublisher publisher_;
  InMemoryTaskStore meski_store_, tarsus_store_;
  WorkerService meski_{"meski", meski_store_, topics_, publisher_, clock_};
  WorkerService tarsus_{"ilce-tarsus", tarsus_store_, topics_, publisher_, clock_};
  UnitRouter router_;
};

TEST_F(TwoUnitsTest, RouterPicksTheNamedUnit) {
  EXPECT_THAT(router_.units(), ElementsAre("ilce-tarsus", "meski"));
  auto m = router_.Pick("meski");
  ASSERT_OK(m);
  EXPECT_EQ(*m, &meski_);
  auto t = router_.Pick("ilce-tarsus");
  ASSERT_OK(t);
  EXPECT_EQ(*t, &tarsus_);
  auto none = router_.Pick("");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(none.status().message(), HasSubstr("this process hosts several (ilce-tarsus, meski)"));
  auto other = router_.Pick("zabita");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(other.status().message(),
              HasSubstr("unit \"zabita\" is not hosted here (hosted: ilce-tarsus, meski)"));
}

TEST(UnitRouter, OneHostedUnitAnswersWithoutAUnitId) {
  events::Topics topics("teksin");
  events::InMemoryEventPublisher publisher;
  InMemoryTaskStore store;
  common::FakeClock clock(TrTime(2026, 5, 22, 10, 0));
  WorkerService worker("meski", store, topics, publisher, clock);
  UnitRouter router;
  router.Add(worker);
  auto w = router.Pick("");
  ASSERT_OK(w);
  EXPECT_EQ(*w, &worker);
  ASSERT_OK(router.Pick("meski"));
  EXPECT_EQ(router.Pick("zabita").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(TwoUnitsTest, GrpcCallsGoToTheUnitTheyName) {
  Assign(meski_, "m1");
  Assign(tarsus_, "t1");
  Assign(tarsus_, "t2");
  StaffGrpc staff(router_);

  v1::ListTasksRequest list;
  list.set_unit_id("ilce-tarsus");
  v1::ListTasksResponse listed;
  ASSERT_TRUE(staff.ListTasks(nullptr, &list, &listed).ok());
  ASSERT_THAT(listed.tasks(), SizeIs(2));
  for (const auto& t : listed.tasks()) EXPECT_EQ(t.unit_id(), "ilce-tarsus");
  list.set_unit_id("meski");
  ASSERT_TRUE(staff.ListTasks(nullptr, &list, &listed).ok());
  ASSERT_THAT(listed.tasks(), SizeIs(1));
  EXPECT_EQ(listed.tasks(0).task_id(), "m1");

  // A claim is decided by the named unit's queue and published once, for that unit.
  v1::ClaimTaskRequest claim;
  claim.set_task_id("t1");
  claim.set_staff_id("tarsus-1");
  claim.set_unit_id("ilce-tarsus");
  v1::Task task;
  ASSERT_TRUE(staff.ClaimTask(nullptr, &claim, &task).ok());
  EXPECT_EQ(task.status(), v1::TASK_STATUS_CLAIMED);
  EXPECT_EQ(task.unit_id(), "ilce-tarsus");
  auto updates = publisher_.Published(kUpdatesTopic);
  ASSERT_THAT(updates, SizeIs(1));
  EXPECT_EQ(updates[0].envelope.task_status_changed().unit_id(), "ilce-tarsus");

  // The other unit's task named with this unit: that unit has no such task.
  claim.set_task_id("m1");
  grpc::Status wrong = staff.ClaimTask(nullptr, &claim, &task);
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(wrong.error_message(), HasSubstr("no task m1 in unit ilce-tarsus"));

  // No unit with two hosted: INVALID_ARGUMENT listing them; a unit not hosted: NOT_FOUND.
  claim.set_unit_id("");
  grpc::Status unnamed = staff.ClaimTask(nullptr, &claim, &task);
  EXPECT_EQ(unnamed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(unnamed.error_message(), HasSubstr("(ilce-tarsus, meski)"));
  claim.set_unit_id("zabita");
  grpc::Status foreign = staff.ClaimTask(nullptr, &claim, &task);
  EXPECT_EQ(foreign.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(foreign.error_message(), HasSubstr("\"zabita\" is not hosted here"));
  EXPECT_THAT(publisher_.Published(kUpdatesTopic), SizeIs(1));  // nothing more published

  // Every other call dispatches the same way.
  v1::ResolveTaskRequest resolve;
  resolve.set_task_id("m1");
  resolve.set_staff_id("meski-1");
  resolve.set_resolution_code("repaired");
  resolve.set_unit_id("meski");
  ASSERT_TRUE(staff.ResolveTask(nullptr, &resolve, &task).ok());
  EXPECT_EQ(task.status(), v1::TASK_STATUS_RESOLVED);
  v1::GetTaskRequest get;
  get.set_task_id("m1");
  get.set_unit_id("meski");
  ASSERT_TRUE(staff.GetTask(nullptr, &get, &task).ok());
  EXPECT_EQ(task.closed_by(), "meski-1");
  get.set_unit_id("");
  EXPECT_EQ(staff.GetTask(nullptr, &get, &task).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::StartTaskRequest start;
  start.set_task_id("t2");
  start.set_staff_id("tarsus-2");
  start.set_unit_id("meski");
  EXPECT_EQ(staff.StartTask(nullptr, &start, &task).error_code(), grpc::StatusCode::NOT_FOUND);
  start.set_unit_id("ilce-tarsus");
  ASSERT_TRUE(staff.StartTask(nullptr, &start, &task).ok());
  v1::AddNoteRequest note;
  note.set_task_id("t2");
  note.set_staff_id("tarsus-2");
  note.set_note("Ekip yolda");
  note.set_unit_id("ilce-tarsus");
  ASSERT_TRUE(staff.AddNote(nullptr, &note, &task).ok());
  v1::AskCitizenRequest ask;
  ask.set_task_id("t2");
  ask.set_staff_id("tarsus-2");
  ask.set_question("Kapı numarası nedir?");
  ask.set_unit_id("ilce-tarsus");
  ASSERT_TRUE(staff.AskCitizen(nullptr, &ask, &task).ok());
  v1::RejectTaskRequest reject;
  reject.set_task_id("t2");
  reject.set_staff_id("tarsus-2");
  reject.set_reason("Ana arter");
  EXPECT_EQ(staff.RejectTask(nullptr, &reject, &task).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::AcknowledgeTaskRequest ack;
  ack.set_task_id("t2");
  ack.set_staff_id("tarsus-2");
  ack.set_unit_id("koordinasyon");
  EXPECT_EQ(staff.AcknowledgeTask(nullptr, &ack, &task).error_code(), grpc::StatusCode::NOT_FOUND);

  // Each unit's queue holds only its own tasks.
  auto in_meski = meski_store_.Get("t1");
  ASSERT_OK(in_meski);
  EXPECT_FALSE(in_meski->has_value());
  auto in_tarsus = tarsus_store_.Get("m1");
  ASSERT_OK(in_tarsus);
  EXPECT_FALSE(in_tarsus->has_value());
  auto own = tarsus_store_.Get("t1");
  ASSERT_OK(own);
  EXPECT_TRUE(own->has_value());
}

TEST_F(TwoUnitsTest, JsonCallsNameTheUnitInTheQuery) {
  Assign(meski_, "m1");
  Assign(tarsus_, "t1");
  int status = 0;
  auto listed = Http("GET", "/v1/tasks", &status, {{"unit", "meski"}, {"limit", "10"}});
  ASSERT_EQ(status, 200) << listed.dump();
  ASSERT_EQ(listed["tasks"].size(), 1u);
  EXPECT_EQ(listed["tasks"][0]["task_id"], "m1");

  auto claimed = Http("POST", "/v1/tasks/t1/claim", &status, {{"unit", "ilce-tarsus"}},
                      R"({"staff_id":"tarsus-1"})");
  ASSERT_EQ(status, 200) << claimed.dump();
  EXPECT_EQ(claimed["status"], "TASK_STATUS_CLAIMED");
  auto got = Http("GET", "/v1/tasks/t1", &status, {{"unit", "ilce-tarsus"}});
  ASSERT_EQ(status, 200);
  EXPECT_EQ(got["claimed_by"], "tarsus-1");

  auto wrong_unit = Http("GET", "/v1/tasks/t1", &status, {{"unit", "meski"}});
  EXPECT_EQ(status, 404);
  EXPECT_THAT(wrong_unit["error"].get<std::string>(), HasSubstr("no task t1 in unit meski"));
  auto unnamed = Http("POST", "/v1/tasks/t1/start", &status, {}, R"({"staff_id":"tarsus-1"})");
  EXPECT_EQ(status, 400);
  EXPECT_THAT(unnamed["error"].get<std::string>(), HasSubstr("(ilce-tarsus, meski)"));
  auto foreign = Http("GET", "/v1/tasks", &status, {{"unit", "zabita"}});
  EXPECT_EQ(status, 404);
  EXPECT_THAT(foreign["error"].get<std::string>(), HasSubstr("\"zabita\" is not hosted here"));
  auto twice = Http("GET", "/v1/tasks", &status, {{"unit", "meski"}, {"unit", "ilce-tarsus"}});
  EXPECT_EQ(status, 400);
  EXPECT_THAT(twice["error"].get<std::string>(), HasSubstr("once"));
  auto empty = Http("GET", "/v1/tasks", &status, {{"unit", ""}});
  EXPECT_EQ(status, 400);
  EXPECT_THAT(empty["error"].get<std::string>(), HasSubstr("empty"));
  // Other parameters are still checked after the unit is taken out.
  auto unknown = Http("GET", "/v1/tasks", &status, {{"unit", "meski"}, {"units", "x"}});
  EXPECT_EQ(status, 400);
  EXPECT_THAT(unknown["error"].get<std::string>(), HasSubstr("unknown parameter \"units\""));
  EXPECT_THAT(publisher_.Published(kUpdatesTopic), SizeIs(1));  // the one claim
}

TEST(StaffHttpOneUnit, WorksWithoutTheUnitParameterAsBefore) {
  events::Topics topics("teksin");
  events::InMemoryEventPublisher publisher;
  InMemoryTaskStore store;
  common::FakeClock clock(TrTime(2026, 5, 22, 10, 0));
  WorkerService worker("meski", store, topics, publisher, clock);
  UnitRouter router;
  router.Add(worker);
  StaffHttpAnswer a = ServeStaffHttp(router, "GET", "/v1/tasks", {}, "");
  EXPECT_EQ(a.status, 200) << a.body;
  StaffHttpAnswer named = ServeStaffHttp(router, "GET", "/v1/tasks", {{"unit", "meski"}}, "");
  EXPECT_EQ(named.status, 200) << named.body;
  StaffHttpAnswer other = ServeStaffHttp(router, "GET", "/v1/tasks", {{"unit", "zabita"}}, "");
  EXPECT_EQ(other.status, 404) << other.body;
}

}  // namespace
}  // namespace teksin::department_worker
