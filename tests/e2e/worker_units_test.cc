// One department_worker process hosting two units (DEPARTMENT_WORKER_UNITS, ADR 0025), every
// service a process on the real broker and Redis: cases come in over Open311 and routing sends
// one to the district municipality and one to the road department; each lands in its own unit's
// queue, staff name the unit on every call (gRPC unit_id, HTTP ?unit=), a rejection with a named
// unit reroutes the case to the other unit in the same process, and both are resolved. Each unit
// is its own consumer group (it reads every partition of department.updates), its consumer
// metrics carry its unit, and after a graceful restart nothing is lost or applied twice.
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "e2e/e2e_suite.h"
#include "events/topics.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace teksin::testing {
namespace {

constexpr char kTarsus[] = "ilce-tarsus";
constexpr char kRoads[] = "yol-yapim";

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return c;
}

std::string Submit(E2eSuite& s, const std::string& category, const std::string& district,
                   const std::string& phone, int seed) {
  std::mt19937_64 rng(seed);
  auto pt = s.districts().RandomPointIn(district, rng);
  EXPECT_TRUE(pt.has_value());
  int status = 0;
  std::string tracking = s.Submit(category, pt->lat, pt->lon,
                                  absl::StrCat("E2E bildirimi: ", category, " ", district), phone,
                                  &status);
  EXPECT_EQ(status, 201);
  return tracking;
}

// The unit's open tasks over gRPC, naming the unit.
std::vector<v1::Task> Open(E2eSuite& s, const std::string& unit) {
  v1::ListTasksRequest req;
  req.set_unit_id(unit);
  req.set_limit(1000);
  v1::ListTasksResponse resp;
  grpc::Status st = s.Staff(unit)->ListTasks(Ctx().get(), req, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  return {resp.tasks().begin(), resp.tasks().end()};
}

// Waits for the unit's open task for a tracking code and attempt; task_id "" if none came.
v1::Task WaitTask(E2eSuite& s, const std::string& unit, const std::string& tracking, int attempt) {
  v1::Task found;
  WaitUntil([&] {
    for (const auto& t : Open(s, unit)) {
      if (t.tracking_code() == tracking && t.attempt() == attempt) {
        found = t;
        return true;
      }
    }
    return false;
  }, std::chrono::seconds(60));
  return found;
}

bool Lists(const std::vector<v1::Task>& tasks, const std::string& tracking) {
  for (const auto& t : tasks) {
    if (t.tracking_code() == tracking) return true;
  }
  return false;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(WorkerUnits, OneProcessHostsTwoUnitsEachWithItsOwnQueueAndGroup) {
  E2eSuite s("wunits");
  s.StartRouting();
  s.StartWorkers({kTarsus, kRoads});
  s.StartIntake();
  s.StartOpen311();
  s.WaitHealthy("routing-1");
  s.WaitHealthy("workers-1");
  s.WaitHealthy("intake-1");
  s.WaitHealthy("open311");
  const int http = s.http_port("workers-1");
  auto staff = s.Staff(kTarsus);
  const events::Topics topics(s.prefix());

  // A local street in Tarsus goes to the district municipality, an arterial road in Tarsus to
  // the road department: both units of this one process.
  const std::string local = Submit(s, "yol-sokak", "Tarsus", "0532 710 00 01", 1);
  const std::string road = Submit(s, "yol-ana-arter", "Tarsus", "0532 710 00 02", 2);
  v1::Task local_task = WaitTask(s, kTarsus, local, 1);
  ASSERT_FALSE(local_task.task_id().empty()) << "no task at " << kTarsus << " for " << local;
  v1::Task road_task = WaitTask(s, kRoads, road, 1);
  ASSERT_FALSE(road_task.task_id().empty()) << "no task at " << kRoads << " for " << road;
  EXPECT_EQ(local_task.unit_id(), kTarsus);
  EXPECT_EQ(road_task.unit_id(), kRoads);
  EXPECT_FALSE(Lists(Open(s, kTarsus), road));
  EXPECT_FALSE(Lists(Open(s, kRoads), local));

  // Requests that do not name a hosted unit are refused with the reason.
  {
    v1::ListTasksRequest req;
    v1::ListTasksResponse resp;
    grpc::Status unnamed = staff->ListTasks(Ctx().get(), req, &resp);
    EXPECT_EQ(unnamed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(unnamed.error_message().find("ilce-tarsus, yol-yapim"), std::string::npos)
        << unnamed.error_message();
    req.set_unit_id("meski");
    grpc::Status foreign = staff->ListTasks(Ctx().get(), req, &resp);
    EXPECT_EQ(foreign.error_code(), grpc::StatusCode::NOT_FOUND);
    v1::GetTaskRequest get;
    get.set_task_id(local_task.task_id());
    get.set_unit_id(kRoads);  // the other unit of this process has no such task
    v1::Task out;
    EXPECT_EQ(staff->GetTask(Ctx().get(), get, &out).error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(HttpGet(http, "/v1/tasks").status, 400);
    EXPECT_EQ(HttpGet(http, "/v1/tasks?unit=meski").status, 404);
    auto listed = HttpGet(http, "/v1/tasks?unit=ilce-tarsus&limit=1000");
    ASSERT_EQ(listed.status, 200) << listed.body;
    EXPECT_NE(listed.body.find(local), std::string::npos);
    EXPECT_EQ(listed.body.find(road), std::string::npos);
  }

  // The road department says the road is the district's: routing sends it to the other unit
  // of this process (attempt 2).
  {
    v1::RejectTaskRequest reject;
    reject.set_unit_id(kRoads);
    reject.set_task_id(road_task.task_id());
    reject.set_staff_id("yol-1");
    reject.set_reason("Bu yol ilçe belediyesinin");
    reject.set_suggested_unit_id(kTarsus);
    v1::Task out;
    grpc::Status st = staff->RejectTask(Ctx().get(), reject, &out);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(out.status(), v1::TASK_STATUS_REJECTED);
  }
  v1::Task rerouted = WaitTask(s, kTarsus, road, 2);
  ASSERT_FALSE(rerouted.task_id().empty()) << "the rejected case did not reach " << kTarsus;
  EXPECT_EQ(rerouted.rule_id(), "suggested-by-unit");
  EXPECT_FALSE(Lists(Open(s, kRoads), road));

  // The district works both: the local one over JSON (?unit=), the rerouted one over gRPC.
  const std::string act = "/v1/tasks/" + local_task.task_id();
  EXPECT_EQ(HttpPost(http, act + "/claim", R"({"staff_id":"tarsus-1"})", "application/json").status,
            400);  // no unit named
  auto claimed = HttpPost(http, act + "/claim?unit=ilce-tarsus", R"({"staff_id":"tarsus-1"})",
                          "application/json");
  EXPECT_EQ(claimed.status, 200) << claimed.body;
  auto resolved = HttpPost(http, act + "/resolve?unit=ilce-tarsus",
                           R"({"staff_id":"tarsus-1","resolution_code":"repaired"})",
                           "application/json");
  EXPECT_EQ(resolved.status, 200) << resolved.body;
  {
    v1::ResolveTaskRequest r;
    r.set_unit_id(kTarsus);
    r.set_task_id(rerouted.task_id());
    r.set_staff_id("tarsus-2");
    r.set_resolution_code("repaired");
    v1::Task out;
    grpc::Status st = staff->ResolveTask(Ctx().get(), r, &out);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  for (const auto& code : {local, road}) {
    EXPECT_TRUE(WaitUntil([&] { return s.Request(code).value("detailed_status", "") == "resolved"; },
                          std::chrono::seconds(60)))
        << code << ": " << s.Request(code);
  }

  // Each unit's consumer metrics carry its unit; each unit has its queue gauge.
  {
    std::string m = HttpGet(http, "/metrics").body;
    for (const std::string unit : {kTarsus, kRoads}) {
      EXPECT_NE(m.find(absl::StrCat("teksin_department_worker_events_handled_total{unit=\"", unit,
                                    "\",topic=\"", topics.RoutingTasks(unit), "\",result=\"ok\"}")),
                std::string::npos)
          << unit << "\n" << m;
      EXPECT_NE(m.find(absl::StrCat("teksin_department_worker_events_handled_total{unit=\"", unit,
                                    "\",topic=\"", topics.DepartmentUpdates(), "\",result=\"ok\"}")),
                std::string::npos)
          << unit;
      EXPECT_NE(m.find(absl::StrCat("teksin_department_worker_open_tasks{unit=\"", unit, "\"}")),
                std::string::npos);
    }
    bool ok = false;
    std::string out = PromtoolCheck(m, &ok);
    EXPECT_TRUE(ok) << out;
    auto health = HttpGet(http, "/healthz").Json();
    EXPECT_EQ(health["checks"]["kafka_consumer_0"], "ok") << health.dump();
    EXPECT_EQ(health["checks"]["kafka_consumer_1"], "ok") << health.dump();
  }

  // Each unit is its own consumer group: each was assigned every partition of the updates.
  {
    std::string log = ReadFile(s.process("workers-1").log_path());
    for (const std::string unit : {kTarsus, kRoads}) {
      std::string group = topics.ConsumerGroup(absl::StrCat("department_worker.", unit));
      std::set<std::string> parts;
      std::istringstream lines(log);
      std::string line;
      while (std::getline(lines, line)) {
        if (line.find("partitions assigned") == std::string::npos) continue;
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || j.value("group", "") != group) continue;
        for (const auto& p : j["partitions"]) parts.insert(p.get<std::string>());
      }
      for (int p = 0; p < 4; ++p) {
        EXPECT_TRUE(parts.count(absl::StrCat(topics.DepartmentUpdates(), "/", p)))
            << group << " was not assigned " << topics.DepartmentUpdates() << "/" << p;
        EXPECT_TRUE(parts.count(absl::StrCat(topics.RoutingTasks(unit), "/", p)))
            << group << " was not assigned " << topics.RoutingTasks(unit) << "/" << p;
      }
    }
  }

  // A graceful stop of the shared process: every unit's consumer stops and commits; exit 0.
  auto history = [&](const std::string& unit, const std::string& task_id) {
    v1::GetTaskRequest get;
    get.set_unit_id(unit);
    get.set_task_id(task_id);
    v1::Task out;
    grpc::Status st = s.Staff(unit)->GetTask(Ctx().get(), get, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out;
  };
  const v1::Task local_before = history(kTarsus, local_task.task_id());
  const v1::Task road_before = history(kRoads, road_task.task_id());
  EXPECT_EQ(local_before.status(), v1::TASK_STATUS_RESOLVED);
  EXPECT_EQ(road_before.status(), v1::TASK_STATUS_REJECTED);
  EXPECT_EQ(s.process("workers-1").Stop(), 0);

  // A case accepted while the process is down is waiting in its unit's partitions.
  const std::string later = Submit(s, "yol-ana-arter", "Tarsus", "0532 710 00 03", 3);
  s.StartWorkers({kTarsus, kRoads});
  s.WaitHealthy("workers-1");
  v1::Task later_task = WaitTask(s, kRoads, later, 1);
  EXPECT_FALSE(later_task.task_id().empty()) << "no task at " << kRoads << " for " << later;
  EXPECT_FALSE(Lists(Open(s, kTarsus), later));
  // Nothing applied twice: the histories are as before the restart.
  const v1::Task local_after = history(kTarsus, local_task.task_id());
  const v1::Task road_after = history(kRoads, road_task.task_id());
  EXPECT_EQ(local_after.history_size(), local_before.history_size());
  EXPECT_EQ(local_after.history_size(), 2);  // claimed, resolved
  EXPECT_EQ(road_after.history_size(), road_before.history_size());
  EXPECT_EQ(road_after.status(), v1::TASK_STATUS_REJECTED);
  EXPECT_EQ(local_after.seq(), local_before.seq());
}

}  // namespace
}  // namespace teksin::testing
