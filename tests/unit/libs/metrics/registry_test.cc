#include "metrics/registry.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace teksin::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RegistryRenderTest, CounterHasHelpTypeAndLabelledSamples) {
  Registry r;
  auto& events = r.AddCounter("teksin_events_total", "Events handled.", {"topic", "result"});
  events.With({"intake", "ok"}).Inc();
  events.With({"intake", "ok"}).Inc(2);
  events.With({"intake", "dlq"}).Inc();

  EXPECT_EQ(r.Render(),
            "# HELP teksin_events_total Events handled.\n"
            "# TYPE teksin_events_total counter\n"
            "teksin_events_total{topic=\"intake\",result=\"dlq\"} 1\n"
            "teksin_events_total{topic=\"intake\",result=\"ok\"} 3\n");
}

TEST(RegistryRenderTest, CountersNeverGoDown) {
  Registry r;
  auto& c = r.AddCounter("teksin_x_total", "X.").With({});
  c.Inc(5);
  c.Inc(-3);
  EXPECT_EQ(c.Value(), 5);
  EXPECT_THAT(r.Render(), HasSubstr("\nteksin_x_total 5\n"));
}

TEST(RegistryRenderTest, GaugeWithoutLabels) {
  Registry r;
  auto& g = r.AddGauge("teksin_queue_depth", "Tasks waiting.").With({});
  g.Set(7);
  g.Dec(2);
  g.Inc(0.5);
  EXPECT_EQ(r.Render(),
            "# HELP teksin_queue_depth Tasks waiting.\n"
            "# TYPE teksin_queue_depth gauge\n"
            "teksin_queue_depth 5.5\n");
}

TEST(RegistryRenderTest, EscapesQuotesBackslashesAndNewlinesInLabelValues) {
  Registry r;
  r.AddCounter("teksin_errors_total", "Errors.", {"error"})
      .With({"say \"no\"\\path\nnext line"})
      .Inc();
  EXPECT_THAT(r.Render(),
              HasSubstr("teksin_errors_total{error=\"say \\\"no\\\"\\\\path\\nnext line\"} 1\n"));
}

TEST(RegistryRenderTest, EscapesBackslashAndNewlineInHelp) {
  Registry r;
  r.AddGauge("teksin_g", "first line\nC:\\path");
  EXPECT_THAT(r.Render(), HasSubstr("# HELP teksin_g first line\\nC:\\\\path\n"));
}

TEST(EscapeLabelValueTest, LeavesTurkishTextAlone) {
  EXPECT_EQ(EscapeLabelValue("Yenişehir"), "Yenişehir");
  EXPECT_EQ(EscapeLabelValue("a\"b"), "a\\\"b");
}

TEST(RegistryRenderTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry r;
  auto& h = r.AddHistogram("teksin_handle_seconds", "Handler latency.", {"topic"}, {8, 0.25, 1});
  auto& intake = h.With({"intake"});
  for (double v : {0.0625, 0.5, 1.0, 4.0, 32.0}) intake.Observe(v);

  EXPECT_EQ(r.Render(),
            "# HELP teksin_handle_seconds Handler latency.\n"
            "# TYPE teksin_handle_seconds histogram\n"
            "teksin_handle_seconds_bucket{topic=\"intake\",le=\"0.25\"} 1\n"
            "teksin_handle_seconds_bucket{topic=\"intake\",le=\"1\"} 3\n"  // le means <=
            "teksin_handle_seconds_bucket{topic=\"intake\",le=\"8\"} 4\n"
            "teksin_handle_seconds_bucket{topic=\"intake\",le=\"+Inf\"} 5\n"
            "teksin_handle_seconds_sum{topic=\"intake\"} 37.5625\n"
            "teksin_handle_seconds_count{topic=\"intake\"} 5\n");
}

TEST(RegistryRenderTest, HistogramWithoutLabelsHasOnlyLe) {
  Registry r;
  r.AddHistogram("teksin_h", "H.", {}, {1}).With({}).Observe(2);
  std::string out = r.Render();
  EXPECT_THAT(out, HasSubstr("teksin_h_bucket{le=\"1\"} 0\n"));
  EXPECT_THAT(out, HasSubstr("teksin_h_bucket{le=\"+Inf\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("teksin_h_sum 2\n"));
  EXPECT_THAT(out, HasSubstr("teksin_h_count 1\n"));
}

// Regression: bounds and values print as the shortest text that reads back the same (le="0.1").
TEST(RegistryRenderTest, BucketBoundsRenderAsWritten) {
  Registry r;
  r.AddHistogram("teksin_latency_seconds", "Latency.", {}, LatencyBuckets()).With({}).Observe(0.2);
  r.AddGauge("teksin_ratio", "Ratio.").With({}).Set(0.3);
  std::string out = r.Render();
  EXPECT_THAT(out, HasSubstr("teksin_latency_seconds_bucket{le=\"0.0005\"} 0\n"));
  EXPECT_THAT(out, HasSubstr("teksin_latency_seconds_bucket{le=\"0.1\"} 0\n"));
  EXPECT_THAT(out, HasSubstr("teksin_latency_seconds_bucket{le=\"0.25\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("teksin_ratio 0.3\n"));
  EXPECT_THAT(out, Not(HasSubstr("0000000000000001")));
}

TEST(RegistryRenderTest, CollectorsRunBeforeEveryScrape) {
  Registry r;
  auto& lag = r.AddGauge("teksin_consumer_lag", "Lag.", {"partition"});
  int scrapes = 0;
  r.AddCollector([&] { lag.With({"0"}).Set(++scrapes * 10); });
  EXPECT_THAT(r.Render(), HasSubstr("teksin_consumer_lag{partition=\"0\"} 10\n"));
  EXPECT_THAT(r.Render(), HasSubstr("teksin_consumer_lag{partition=\"0\"} 20\n"));
}

TEST(RegistryRenderTest, RemovedChildrenDisappear) {
  Registry r;
  auto& lag = r.AddGauge("teksin_consumer_lag", "Lag.", {"partition"});
  lag.With({"0"}).Set(1);
  lag.With({"1"}).Set(2);
  lag.Remove({"0"});
  std::string out = r.Render();
  EXPECT_THAT(out, Not(HasSubstr("partition=\"0\"")));
  EXPECT_THAT(out, HasSubstr("teksin_consumer_lag{partition=\"1\"} 2\n"));
}

}  // namespace
}  // namespace teksin::metrics
