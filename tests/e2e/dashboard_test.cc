// The dashboard in a real browser: cases flow through the suite (Open311 -> intake -> routing ->
// analytics), then Debian's headless Chromium, driven by Playwright's library, loads the page
// analytics serves, finds the 13 districts on the map, sees the figures change with a filter, and
// keeps screenshots under <build>/e2e-artifacts/dashboard/.
#include <cstdio>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "e2e/e2e_suite.h"
#include "gtest/gtest.h"

namespace teksin::testing {
namespace {

int Cases(const nlohmann::json& figures) { return JsonInt(figures["totals"], "cases"); }

TEST(Dashboard, LoadsDrawsTheDistrictsAndFiltersInARealBrowser) {
  E2eSuite suite("dash");
  suite.StartRouting();
  suite.WaitHealthy("routing-1");
  suite.StartIntake();
  suite.StartAnalytics();
  suite.StartOpen311();
  for (const char* k : {"intake-1", "analytics-1", "open311"}) suite.WaitHealthy(k);

  // 18 cases: 8 in Tarsus, 6 in Silifke, 4 in Akdeniz.
  std::mt19937_64 rng(11);
  const std::vector<std::pair<std::string, int>> plan = {{"Tarsus", 8}, {"Silifke", 6}, {"Akdeniz", 4}};
  int total = 0;
  for (const auto& [district, n] : plan) {
    for (int i = 0; i < n; ++i, ++total) {
      auto pt = suite.districts().RandomPointIn(district, rng);
      ASSERT_TRUE(pt);
      int status = 0;
      suite.Submit(total % 2 ? "su-ariza" : "yol-ana-arter", pt->lat, pt->lon,
                   absl::StrCat("Arıza bildirimi ", total), absl::StrCat("0536 200 30 ", 10 + total), &status);
      ASSERT_EQ(status, 201);
    }
  }
  nlohmann::json figures;
  ASSERT_TRUE(WaitUntil([&] {
    auto r = HttpGet(suite.analytics_port(), "/v1/figures");
    if (r.status != 200) return false;
    figures = r.Json();
    return Cases(figures) == total;
  }, std::chrono::seconds(90))) << figures.dump();
  int tarsus = Cases(HttpGet(suite.analytics_port(), "/v1/figures?district=Tarsus").Json());
  ASSERT_EQ(tarsus, 8);
  // Bad filters are refused with the reason.
  auto bad = HttpGet(suite.analytics_port(), "/v1/figures?channel=fax");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("is not a channel"), std::string::npos) << bad.body;
  auto csv = HttpGet(suite.analytics_port(), "/v1/figures.csv?table=district");
  EXPECT_EQ(csv.status, 200);
  EXPECT_NE(csv.body.find("\r\nTarsus,"), std::string::npos) << csv.body;
  auto bulletin = HttpGet(suite.analytics_port(), "/v1/bulletin");
  EXPECT_EQ(bulletin.status, 200);
  EXPECT_NE(bulletin.body.find("Aylık Başvuru Bülteni"), std::string::npos);

  std::string shots = absl::StrCat(TEKSIN_BINARY_DIR, "/e2e-artifacts/dashboard");
  std::filesystem::create_directories(shots);
  std::string cmd = absl::StrCat(TEKSIN_SOURCE_DIR, "/.teksin/venv/bin/python ", TEKSIN_SOURCE_DIR,
                                 "/tests/e2e/dashboard_browser.py http://127.0.0.1:", suite.analytics_port(),
                                 "/dashboard/ ", shots, " ", total, " Tarsus ", tarsus, " 2>&1");
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof(buf), p)) out += buf;
  EXPECT_EQ(pclose(p), 0) << out;
  EXPECT_NE(out.find("dashboard checks passed"), std::string::npos) << out;
  EXPECT_TRUE(std::filesystem::exists(shots + "/dashboard.png"));
}

}  // namespace
}  // namespace teksin::testing
