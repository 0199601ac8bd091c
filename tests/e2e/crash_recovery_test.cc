// SIGKILL in the middle of a stream: intake, routing and analytics are killed and restarted
// while cases keep arriving. No accepted case is lost and none is counted twice.
#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "e2e/e2e_suite.h"
#include "gtest/gtest.h"

namespace teksin::testing {
namespace {

TEST(CrashRecovery, KilledConsumersLoseNothingAndCountNothingTwice) {
  E2eSuite suite("crash");
  suite.StartRouting();
  suite.WaitHealthy("routing-1");
  suite.StartIntake();
  suite.StartAnalytics();
  suite.StartOpen311();
  for (const char* k : {"intake-1", "analytics-1", "open311"}) suite.WaitHealthy(k);

  const int kCases = 150;
  const std::vector<std::string> districts = {"Akdeniz", "Tarsus", "Mezitli", "Erdemli", "Toroslar"};
  const std::vector<std::string> categories = {"su-ariza", "yol-ana-arter", "cop-alinmadi"};
  std::mt19937_64 rng(42);
  std::vector<std::string> tracking;
  for (int i = 0; i < kCases; ++i) {
    const std::string& d = districts[i % districts.size()];
    auto pt = suite.districts().RandomPointIn(d, rng);
    ASSERT_TRUE(pt);
    int status = 0;
    std::string code = suite.Submit(categories[i % categories.size()], pt->lat, pt->lon,
                                    absl::StrCat("Arıza bildirimi ", i), absl::StrCat("0533 000 ", 1000 + i),
                                    &status);
    ASSERT_EQ(status, 201) << "case " << i;
    tracking.push_back(code);
    // The crashes, at fixed points of the stream.
    if (i == 30) suite.process("intake-1").Kill();
    if (i == 50) suite.process("routing-1").Kill();
    if (i == 70) suite.StartIntake();
    if (i == 90) suite.process("analytics-1").Kill();
    if (i == 100) suite.StartRouting();
    if (i == 115) suite.StartAnalytics();
    if (i == 125) suite.process("intake-1").Kill();
    if (i == 130) suite.StartIntake();
  }
  suite.WaitHealthy("analytics-1");

  nlohmann::json s;
  bool all = WaitUntil([&] {
    s = suite.Summary();
    return JsonInt(s, "cases_routed") >= kCases;
  }, std::chrono::seconds(120));
  ASSERT_TRUE(all) << s.dump();
  // Give late duplicates (redelivered after the crashes) the chance to show, then check exactness:
  // three events a case: contact, registration, routing.
  ASSERT_TRUE(WaitUntil([&] {
    s = suite.Summary();
    return JsonInt(s, "events_counted") >= 3 * kCases;
  }, std::chrono::seconds(30)));
  EXPECT_EQ(JsonInt(s, "contacts"), kCases);
  EXPECT_EQ(JsonInt(s, "cases_registered"), kCases);
  EXPECT_EQ(JsonInt(s, "cases_routed"), kCases);
  EXPECT_EQ(JsonInt(s, "events_counted"), 3 * kCases);
  int64_t by_district = 0;
  for (const auto& row : s["by_district"]) by_district += JsonInt(row, "cases");
  EXPECT_EQ(by_district, kCases);
  int64_t routed_status = JsonInt(s["by_status"], "routed") + JsonInt(s["by_status"], "forwarded");
  EXPECT_EQ(routed_status, kCases);

  // Every citizen's request shows its routing. Open311's view is its own consumer group, which
  // may still be catching up after the restarts when analytics has counted everything.
  for (const auto& code : tracking) {
    nlohmann::json r;
    WaitUntil([&] {
      r = suite.Request(code);
      return !r.value("agency_responsible", "").empty();
    }, std::chrono::seconds(30));
    EXPECT_FALSE(r.value("agency_responsible", "").empty()) << code << ": " << r;
  }
  // Redeliveries did happen and were recognised (reported, not asserted: timing decides how many).
  HttpAnswer m = HttpGet(suite.analytics_port(), "/metrics");
  auto pos = m.body.find("teksin_analytics_duplicate_events ");
  if (pos != std::string::npos) {
    std::cout << "analytics " << m.body.substr(pos, m.body.find('\n', pos) - pos) << "\n";
  }
}

}  // namespace
}  // namespace teksin::testing
