// Debian's Prometheus scrapes the running services (the alert rules loaded) and a metric comes
// back through its query API.
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "e2e/e2e_suite.h"
#include "gtest/gtest.h"

namespace teksin::testing {
namespace {

TEST(Prometheus, ScrapesTheSuiteAndAnswersQueries) {
  E2eSuite suite("prom");
  suite.StartRouting();
  suite.StartAnalytics();
  suite.WaitHealthy("routing-1");
  suite.WaitHealthy("analytics-1");

  std::string dir = absl::StrCat(TEKSIN_BINARY_DIR, "/e2e-logs/", suite.prefix(), "/prometheus");
  std::filesystem::create_directories(dir + "/data");
  std::filesystem::copy_file(std::string(TEKSIN_SOURCE_DIR) + "/deploy/prometheus/alerts.yml",
                             dir + "/alerts.yml", std::filesystem::copy_options::overwrite_existing);
  {
    std::ofstream cfg(dir + "/prometheus.yml");
    cfg << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        << "rule_files: [alerts.yml]\n"
        << "scrape_configs:\n  - job_name: teksin\n    static_configs:\n"
        << "      - targets: ['127.0.0.1:" << suite.http_port("routing-1") << "']\n"
        << "        labels: {job: routing}\n"
        << "      - targets: ['127.0.0.1:" << suite.analytics_port() << "']\n"
        << "        labels: {job: analytics}\n";
  }
  int port = FreePort();
  // ServiceProcess runs a binary without arguments: a tiny wrapper script carries the flags.
  std::string wrapper = dir + "/run.sh";
  {
    std::ofstream w(wrapper);
    w << "#!/bin/sh\nexec /usr/bin/prometheus --config.file=" << dir << "/prometheus.yml"
      << " --storage.tsdb.path=" << dir << "/data --web.listen-address=127.0.0.1:" << port << "\n";
  }
  std::filesystem::permissions(wrapper, std::filesystem::perms::owner_all);
  ServiceProcess runner("prometheus", wrapper, {{"HOME", dir}}, dir + "/prometheus.log");
  runner.Start();

  nlohmann::json result;
  bool scraped = WaitUntil([&] {
    auto a = HttpGet(port, "/api/v1/query?query=teksin_routing_up");
    result = a.Json();
    return a.status == 200 && result.value("status", "") == "success" &&
           !result["data"]["result"].empty();
  }, std::chrono::seconds(60));
  ASSERT_TRUE(scraped) << result.dump() << "\n" << runner.LogTail();
  EXPECT_EQ(result["data"]["result"][0]["value"][1], "1");
  EXPECT_EQ(result["data"]["result"][0]["metric"]["job"], "routing");
  // Both targets are scraped and up (each on its own first scrape), and the alert rules loaded.
  nlohmann::json up;
  EXPECT_TRUE(WaitUntil([&] {
    up = HttpGet(port, "/api/v1/query?query=sum(up)").Json();
    return !up["data"]["result"].empty() && up["data"]["result"][0]["value"][1] == "2";
  }, std::chrono::seconds(30))) << up.dump();
  auto rules = HttpGet(port, "/api/v1/rules").Json();
  EXPECT_FALSE(rules["data"]["groups"].empty()) << rules.dump();
  EXPECT_EQ(runner.Stop(), 0);
}

}  // namespace
}  // namespace teksin::testing
