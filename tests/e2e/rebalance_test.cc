// Two instances of routing and of one unit's department_worker at once, joining and leaving
// while cases flow: every case is routed once, queued once and resolved once.
#include <set>

#include "absl/strings/str_cat.h"
#include "e2e/e2e_suite.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace teksin::testing {
namespace {

TEST(Rebalance, EveryCaseHandledOnceAcrossInstances) {
  E2eSuite suite("rebal");
  const std::string unit = "meski";
  ASSERT_EQ(suite.rules().Decide("su-ariza", "Tarsus").owner.id, unit);
  suite.StartRouting("1");
  suite.WaitHealthy("routing-1");
  suite.StartWorker(unit, "1");
  suite.StartIntake();
  suite.StartAnalytics();
  suite.StartOpen311();
  for (const char* k : {"worker-meski-1", "intake-1", "analytics-1", "open311"}) suite.WaitHealthy(k);

  std::mt19937_64 rng(7);
  const std::vector<std::string> districts = {"Tarsus", "Akdeniz", "Yenişehir", "Silifke", "Mut"};
  std::set<std::string> submitted;
  auto submit = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      auto pt = suite.districts().RandomPointIn(districts[i % districts.size()], rng);
      ASSERT_TRUE(pt);
      int status = 0;
      std::string code = suite.Submit("su-ariza", pt->lat, pt->lon, absl::StrCat("Su borusu patladı ", i),
                                      absl::StrCat("0542 100 ", 2000 + i), &status);
      ASSERT_EQ(status, 201);
      submitted.insert(code);
    }
  };
  submit(0, 40);
  // Second instances join: the groups rebalance while cases flow.
  suite.StartRouting("2");
  suite.StartWorker(unit, "2");
  submit(40, 80);
  suite.WaitHealthy("routing-2");
  suite.WaitHealthy("worker-meski-2");
  // The first instances leave gracefully: their partitions move to the second ones.
  EXPECT_EQ(suite.process("routing-1").Stop(), 0);
  EXPECT_EQ(suite.process("worker-meski-1").Stop(), 0);
  submit(80, 120);
  const int64_t n = static_cast<int64_t>(submitted.size());
  ASSERT_EQ(n, 120);

  nlohmann::json s;
  ASSERT_TRUE(WaitUntil([&] {
    s = suite.Summary();
    return JsonInt(s, "cases_routed") >= n;
  }, std::chrono::seconds(120))) << s.dump();

  auto staff = suite.Staff(unit, "2");
  v1::ListTasksRequest req;
  req.set_unit_id(unit);
  req.set_limit(1000);
  v1::ListTasksResponse resp;
  ASSERT_TRUE(WaitUntil([&] {
    resp.Clear();
    grpc::ClientContext ctx;
    return staff->ListTasks(&ctx, req, &resp).ok() && resp.tasks_size() >= n;
  }, std::chrono::seconds(60))) << resp.tasks_size();
  std::set<std::string> queued;
  for (const auto& t : resp.tasks()) EXPECT_TRUE(queued.insert(t.tracking_code()).second) << t.tracking_code();
  EXPECT_EQ(queued, submitted);
  EXPECT_EQ(resp.total_open(), n);

  for (const auto& t : resp.tasks()) {
    grpc::ClientContext c1, c2;
    v1::Task out;
    v1::ClaimTaskRequest claim;
    claim.set_unit_id(unit);
    claim.set_task_id(t.task_id());
    claim.set_staff_id("meski-ekip-3");
    ASSERT_TRUE(staff->ClaimTask(&c1, claim, &out).ok());
    v1::ResolveTaskRequest res;
    res.set_unit_id(unit);
    res.set_task_id(t.task_id());
    res.set_staff_id("meski-ekip-3");
    res.set_resolution_code("repaired");
    ASSERT_TRUE(staff->ResolveTask(&c2, res, &out).ok());
  }
  ASSERT_TRUE(WaitUntil([&] {
    s = suite.Summary();
    return JsonInt(s, "cases_resolved") >= n && JsonInt(s, "events_counted") >= 6 * n;
  }, std::chrono::seconds(60))) << s.dump();
  EXPECT_EQ(JsonInt(s, "contacts"), n);
  EXPECT_EQ(JsonInt(s, "cases_routed"), n);
  EXPECT_EQ(JsonInt(s, "cases_resolved"), n);
  EXPECT_EQ(JsonInt(s, "events_counted"), 6 * n);
  for (const auto& row : s["by_owner"]) {
    if (row["key"] == unit) {
      EXPECT_EQ(JsonInt(row, "routed"), n);
      EXPECT_EQ(JsonInt(row, "resolved"), n);
    }
  }
  grpc::ClientContext ctx;
  resp.Clear();
  ASSERT_TRUE(staff->ListTasks(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.total_open(), 0);
}

}  // namespace
}  // namespace teksin::testing
