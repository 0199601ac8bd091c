#include "loadgen/traffic.h"

#include <cmath>
#include <random>

#include "gtest/gtest.h"

namespace teksin::loadgen {
namespace {

TEST(RateSchedule, FlatRateSpacesSendsEvenly) {
  RateSchedule s(100);
  SendClock clock(s, /*poisson=*/false, 1);
  double first = clock.Next();
  EXPECT_DOUBLE_EQ(first, 0.005);  // the middle of the first 10 ms slot
  double prev = first;
  for (int i = 0; i < 999; ++i) {
    double t = clock.Next();
    EXPECT_NEAR(t - prev, 0.01, 1e-9);
    prev = t;
  }
  EXPECT_NEAR(s.Integral(10), 1000, 1e-6);
}

TEST(RateSchedule, SurgeMultipliesTheRateOnlyInsideItsWindow) {
  RateSchedule s(100, {}, 86400, 0, {Surge{10, 20, 10}});
  EXPECT_DOUBLE_EQ(s.RateAt(9.999), 100);
  EXPECT_DOUBLE_EQ(s.RateAt(10), 1000);
  EXPECT_DOUBLE_EQ(s.RateAt(19.999), 1000);
  EXPECT_DOUBLE_EQ(s.RateAt(20), 100);
  EXPECT_NEAR(s.Integral(30), 100 * 20 + 1000 * 10, 1e-6);
  // Counting the sends of the schedule gives the integral.
  SendClock clock(s, false, 1);
  int in_surge = 0, total = 0;
  for (double t = clock.Next(); t < 30; t = clock.Next()) {
    ++total;
    if (t >= 10 && t < 20) ++in_surge;
  }
  EXPECT_EQ(total, 12000);
  EXPECT_EQ(in_surge, 10000);
}

TEST(RateSchedule, AdvanceCrossesBoundaries) {
  RateSchedule s(10, {}, 86400, 0, {Surge{1, 2, 10}});
  // From 0.5: 5 sends' worth up to 1.0, then 100/s: 10 more sends take 0.1 s.
  EXPECT_NEAR(s.Advance(0.5, 15), 1.1, 1e-9);
  // Over the whole surge and back to 10/s.
  EXPECT_NEAR(s.Advance(0, 10 + 100 + 5), 2.5, 1e-9);
}

TEST(RateSchedule, DailyCurveKeepsTheMeanRateAndFollowsTheHours) {
  // A day compressed into 24 s: one simulated hour per second.
  RateSchedule s(50, DefaultDailyCurve(), 24, 0);
  EXPECT_NEAR(s.Integral(24), 50 * 24, 1e-6);  // mean 1 over the day
  std::vector<double> curve = DefaultDailyCurve();
  double sum = 0;
  for (double w : curve) sum += w;
  EXPECT_NEAR(s.RateAt(3.5), 50 * curve[3] * 24 / sum, 1e-9);   // night
  EXPECT_NEAR(s.RateAt(10.5), 50 * curve[10] * 24 / sum, 1e-9);  // late morning peak
  EXPECT_GT(s.RateAt(10.5), 5 * s.RateAt(3.5));
  // Starting at 10:00 shifts the curve.
  RateSchedule late(50, DefaultDailyCurve(), 24, 10);
  EXPECT_DOUBLE_EQ(late.RateAt(0.5), s.RateAt(10.5));
}

TEST(RateSchedule, BadCurveFallsBackToFlat) {
  RateSchedule s(20, {1, 2, 3}, 24, 0);  // not 24 weights
  EXPECT_DOUBLE_EQ(s.RateAt(5), 20);
  RateSchedule zero(20, std::vector<double>(24, 0.0), 24, 0);
  EXPECT_DOUBLE_EQ(zero.RateAt(5), 20);
}

TEST(SendClock, PoissonHasTheScheduledMeanAndIsReproducible) {
  RateSchedule s(1000);
  SendClock a(s, true, 42), b(s, true, 42);
  int n = 0;
  double t = 0;
  while ((t = a.Next()) < 100) {
    ++n;
    EXPECT_DOUBLE_EQ(t, b.Next());
  }
  // 100,000 expected; a Poisson count has a standard deviation of ~316.
  EXPECT_NEAR(n, 100000, 2000);
}

TEST(ParseSurge, AcceptsStartEndFactor) {
  auto s = ParseSurge("30:90:10");
  ASSERT_TRUE(s.has_value());
  EXPECT_DOUBLE_EQ(s->start_s, 30);
  EXPECT_DOUBLE_EQ(s->end_s, 90);
  EXPECT_DOUBLE_EQ(s->factor, 10);
  EXPECT_FALSE(ParseSurge("30:20:10").has_value());  // ends before it starts
  EXPECT_FALSE(ParseSurge("30:90:0").has_value());
  EXPECT_FALSE(ParseSurge("30:90").has_value());
  EXPECT_FALSE(ParseSurge("a:b:c").has_value());
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (int v = 0; v < 200; ++v) h.Record(v);
  EXPECT_EQ(h.Count(), 200);
  EXPECT_EQ(h.Min(), 0);
  EXPECT_EQ(h.Max(), 199);
  EXPECT_EQ(h.Percentile(50), 99);
  EXPECT_EQ(h.Percentile(100), 199);
  EXPECT_DOUBLE_EQ(h.Mean(), 99.5);
}

TEST(Histogram, BucketsHoldTheirValuesWithinOnePart128) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    int64_t v = static_cast<int64_t>(rng() % (int64_t{1} << 40));
    size_t idx = Histogram::IndexOf(v);
    int64_t hi = Histogram::HighestEquivalent(idx);
    ASSERT_GE(hi, v);
    ASSERT_LE(hi - v, std::max<int64_t>(0, v / 128)) << v;
    if (idx > 0) {
      ASSERT_LT(Histogram::HighestEquivalent(idx - 1), v) << v;
    }
  }
}

TEST(Histogram, PercentilesOfAUniformSpread) {
  Histogram h;
  for (int64_t v = 1; v <= 100000; ++v) h.Record(v * 10);  // 10 µs .. 1 s
  auto within = [](int64_t got, int64_t want) {
    return got >= want && got - want <= want / 128 + 1;
  };
  EXPECT_TRUE(within(h.Percentile(50), 500000)) << h.Percentile(50);
  EXPECT_TRUE(within(h.Percentile(99), 990000)) << h.Percentile(99);
  EXPECT_TRUE(within(h.Percentile(99.9), 999000)) << h.Percentile(99.9);
  EXPECT_EQ(h.Percentile(100), 1000000);
}

TEST(Histogram, OneSlowOutlierShowsInTheTailOnly) {
  Histogram h;
  for (int i = 0; i < 999; ++i) h.Record(1000);
  h.Record(5000000);
  EXPECT_LE(h.Percentile(99), 1000 + 1000 / 128);
  EXPECT_EQ(h.Percentile(99.95), 5000000);
  EXPECT_EQ(h.Max(), 5000000);
}

TEST(Histogram, MergeEqualsRecordingEverything) {
  Histogram a, b, all;
  for (int i = 0; i < 1000; ++i) {
    a.Record(i * 3);
    all.Record(i * 3);
    b.Record(i * 7 + 100000);
    all.Record(i * 7 + 100000);
  }
  a.Merge(b);
  EXPECT_EQ(a.Count(), all.Count());
  EXPECT_EQ(a.Min(), all.Min());
  EXPECT_EQ(a.Max(), all.Max());
  for (double p : {1.0, 50.0, 90.0, 99.0, 99.9}) EXPECT_EQ(a.Percentile(p), all.Percentile(p));
  Histogram empty;
  EXPECT_EQ(empty.Percentile(99), 0);
  EXPECT_EQ(empty.Min(), 0);
}

TEST(Matcher, PairsSendsAndArrivalsInEitherOrder) {
  Matcher m;
  EXPECT_FALSE(m.Sent("A", 100).has_value());
  EXPECT_EQ(m.Arrived("A", 350), 250);
  // The task came before the answer carrying its tracking code was read.
  EXPECT_FALSE(m.Arrived("B", 900).has_value());
  EXPECT_EQ(m.unmatched(), 1u);
  EXPECT_EQ(m.Sent("B", 400), 500);
  // A redelivery or a second routing of the same case does not count again.
  EXPECT_FALSE(m.Arrived("A", 5000).has_value());
  EXPECT_FALSE(m.Arrived("B", 5000).has_value());
  EXPECT_FALSE(m.Sent("C", 10).has_value());
  EXPECT_EQ(m.matched(), 2u);
  EXPECT_EQ(m.pending(), 1u);
  EXPECT_EQ(m.unmatched(), 0u);
}

TEST(Matcher, LinkedAndRejectedCasesAreSettledNotPending) {
  Matcher m;
  EXPECT_FALSE(m.Sent("LINKED", 100).has_value());
  EXPECT_FALSE(m.Sent("REJECTED", 200).has_value());
  EXPECT_FALSE(m.Sent("ROUTED", 300).has_value());
  EXPECT_FALSE(m.Sent("LOST", 400).has_value());
  EXPECT_TRUE(m.Settled("LINKED", Settlement::kLinked));
  EXPECT_TRUE(m.Settled("REJECTED", Settlement::kRejected));
  EXPECT_EQ(m.Arrived("ROUTED", 1300), 1000);
  // A second verdict, or a verdict after the task, changes nothing.
  EXPECT_FALSE(m.Settled("LINKED", Settlement::kLinked));
  EXPECT_FALSE(m.Settled("ROUTED", Settlement::kLinked));
  EXPECT_FALSE(m.Arrived("LINKED", 5000).has_value());
  EXPECT_EQ(m.linked(), 1u);
  EXPECT_EQ(m.rejected(), 1u);
  EXPECT_EQ(m.matched(), 1u);
  // Only the case that neither arrived nor was settled is a loss.
  EXPECT_EQ(m.pending(), 1u);
  EXPECT_EQ(m.settled_intended(), (std::vector<int64_t>{100, 200}));
}

TEST(Matcher, AVerdictSeenBeforeTheAnswerSettlesTheSendWhenItComes) {
  Matcher m;
  // Intake linked the contact before the channel's answer with its tracking code was read.
  EXPECT_FALSE(m.Settled("EARLY", Settlement::kLinked));
  EXPECT_EQ(m.linked(), 0u);
  EXPECT_FALSE(m.Sent("EARLY", 50).has_value());
  EXPECT_EQ(m.linked(), 1u);
  EXPECT_EQ(m.pending(), 0u);
  EXPECT_EQ(m.settled_intended(), (std::vector<int64_t>{50}));
  // Verdicts about cases this run never sent (an earlier run's backlog) settle nothing.
  EXPECT_FALSE(m.Settled("OTHER-RUN", Settlement::kRejected));
  EXPECT_EQ(m.rejected(), 0u);
  // Whichever comes first decides: a task seen before a (wrong) verdict keeps its latency.
  EXPECT_FALSE(m.Arrived("TASK-FIRST", 900).has_value());
  EXPECT_FALSE(m.Settled("TASK-FIRST", Settlement::kLinked));
  EXPECT_EQ(m.Sent("TASK-FIRST", 400), 500);
  EXPECT_EQ(m.linked(), 1u);
  EXPECT_EQ(m.matched(), 1u);
}

TEST(RankLatencies, TheKthCaseIsCountedWhenTheCountReachesK) {
  std::vector<int64_t> intended{0, 10, 20, 30};
  // baseline 5: the count was 5 before the run.
  std::vector<std::pair<int64_t, int64_t>> polls{{15, 5}, {25, 7}, {45, 8}, {60, 9}};
  std::vector<int64_t> got = RankLatencies(intended, polls, 5);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0], 25);  // counted by t=25
  EXPECT_EQ(got[1], 15);
  EXPECT_EQ(got[2], 25);  // third at t=45
  EXPECT_EQ(got[3], 30);  // fourth at t=60
  // Never reached: no latency for the rest.
  EXPECT_EQ(RankLatencies(intended, {{100, 6}}, 5).size(), 1u);
}

}  // namespace
}  // namespace teksin::loadgen
