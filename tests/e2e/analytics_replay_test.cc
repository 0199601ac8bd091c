// Kafka is the record: a second analytics, started later with a fresh Redis namespace and its own
// consumer group, replays every topic from the beginning and arrives at exactly the same figures.
#include "absl/strings/str_cat.h"
#include "e2e/e2e_suite.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace teksin::testing {
namespace {

TEST(AnalyticsReplay, RebuildingFromKafkaGivesExactlyTheSameFigures) {
  E2eSuite suite("replay");
  suite.StartRouting();
  suite.WaitHealthy("routing-1");
  suite.StartWorker("meski");
  suite.StartWorker("yol-yapim");
  suite.StartIntake();
  suite.StartAnalytics();
  suite.StartOpen311();
  for (const char* k : {"worker-meski-1", "worker-yol-yapim-1", "intake-1", "analytics-1", "open311"}) {
    suite.WaitHealthy(k);
  }
  std::mt19937_64 rng(3);
  const int kCases = 30;
  for (int i = 0; i < kCases; ++i) {
    auto pt = suite.districts().RandomPointIn(i % 3 ? "Tarsus" : "Silifke", rng);
    ASSERT_TRUE(pt);
    int status = 0;
    suite.Submit(i % 2 ? "su-ariza" : "yol-ana-arter", pt->lat, pt->lon, absl::StrCat("Arıza ", i),
                 absl::StrCat("0536 100 20 ", 10 + i), &status);
    ASSERT_EQ(status, 201);
  }
  // One outside Mersin, rejected.
  int status = 0;
  suite.Submit("su-ariza", 37.0017, 35.3213, "Su yok", "0536 100 20 99", &status);
  ASSERT_EQ(status, 201);
  nlohmann::json live;
  ASSERT_TRUE(WaitUntil([&] {
    live = suite.Summary();
    return JsonInt(live, "cases_routed") == kCases && JsonInt(live, "cases_rejected") == 1;
  }, std::chrono::seconds(60))) << live.dump();
  // Staff resolve half of each unit's tasks.
  int resolved = 0;
  for (const std::string unit : {"meski", "yol-yapim"}) {
    auto staff = suite.Staff(unit);
    v1::ListTasksRequest req;
    req.set_unit_id(unit);
    v1::ListTasksResponse resp;
    grpc::ClientContext ctx;
    ASSERT_TRUE(staff->ListTasks(&ctx, req, &resp).ok());
    for (int i = 0; i < resp.tasks_size(); i += 2) {
      grpc::ClientContext c1, c2;
      v1::Task out;
      v1::ClaimTaskRequest claim;
      claim.set_unit_id(unit);
      claim.set_task_id(resp.tasks(i).task_id());
      claim.set_staff_id("ekip-1");
      ASSERT_TRUE(staff->ClaimTask(&c1, claim, &out).ok());
      v1::ResolveTaskRequest res;
      res.set_unit_id(unit);
      res.set_task_id(resp.tasks(i).task_id());
      res.set_staff_id("ekip-1");
      res.set_resolution_code("repaired");
      ASSERT_TRUE(staff->ResolveTask(&c2, res, &out).ok());
      ++resolved;
    }
  }
  ASSERT_TRUE(WaitUntil([&] {
    live = suite.Summary();
    return JsonInt(live, "cases_resolved") == resolved && JsonInt(live, "events_counted") == 3 * kCases + 2 + 3 * resolved;
  }, std::chrono::seconds(60))) << live.dump();

  // The rebuild: fresh namespace, fresh group, from the beginning of every topic.
  suite.StartExtraAnalytics("replay", {{"ANALYTICS_NAMESPACE", suite.prefix() + ":an-rebuild"},
                                       {"ANALYTICS_GROUP_SUFFIX", "rebuild-1"}});
  suite.WaitHealthy("analytics-replay");
  int port = suite.http_port("analytics-replay");
  nlohmann::json rebuilt;
  ASSERT_TRUE(WaitUntil([&] {
    rebuilt = HttpGet(port, "/v1/summary").Json();
    return JsonInt(rebuilt, "events_counted") >= JsonInt(live, "events_counted");
  }, std::chrono::seconds(60))) << rebuilt.dump();
  live = suite.Summary();
  // Resolution times come from event timestamps, so even the percentiles match.
  EXPECT_EQ(rebuilt, live) << "live:    " << live.dump() << "\nrebuilt: " << rebuilt.dump();
  // The figures API too (day cubes, ADR 0019): whole range, a filter, weekly series, the CSV and
  // the bulletin are the same (CSV and HTML byte for byte).
  for (const char* path : {"/v1/figures", "/v1/figures?district=Tarsus&granularity=week",
                           "/v1/figures?category=su-ariza&owner=meski", "/v1/figures.csv?table=owner",
                           "/v1/figures.csv?table=series", "/v1/bulletin?lang=en"}) {
    auto a = HttpGet(suite.analytics_port(), path);
    auto b = HttpGet(port, path);
    ASSERT_EQ(a.status, 200) << path << " " << a.body;
    if (std::string(path).rfind("/v1/figures?", 0) == 0 || std::string(path) == "/v1/figures") {
      EXPECT_EQ(b.Json(), a.Json()) << path;  // JSON maps have no fixed order
    } else {
      EXPECT_EQ(b.body, a.body) << path;
    }
  }
  auto figures = HttpGet(port, "/v1/figures").Json();
  EXPECT_EQ(JsonInt(figures["totals"], "cases"), kCases);
  EXPECT_EQ(JsonInt(figures["totals"], "resolved"), resolved);
  EXPECT_EQ(JsonInt(figures["totals"], "rejected"), 1);
}

}  // namespace
}  // namespace teksin::testing
