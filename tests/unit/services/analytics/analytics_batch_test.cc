// Analytics applying events in batches (ADR 0023) with the in-memory store: a batch gives exactly
// what one Apply per event gives, a repeated event id counts once, and the batcher completes each
// event's deferred completion only after its batch is in the store — with the store's error if
// it could not be applied. Flushes are driven by size and by Stop, never by the clock.
#include <atomic>
#include <string>
#include <vector>

#include "analytics/analytics_service.h"
#include "analytics/batcher.h"
#include "analytics/counts_store.h"
#include "gtest/gtest.h"
#include "kafka/publisher.h"
#include "support/envelopes.h"
#include "support/paths.h"
#include "support/status.h"

namespace teksin::analytics {
namespace {

using ::teksin::testing::CaseRegisteredEnv;
using ::teksin::testing::CaseResolvedEnv;
using ::teksin::testing::CaseRoutedEnv;
using ::teksin::testing::Consumed;
using ::teksin::testing::ContactReceivedEnv;
using ::teksin::testing::RegisteredCase;
using ::teksin::testing::SetOwner;
using ::teksin::testing::TrTime;

// Several cases' lives, with events of one case out of order.
std::vector<v1::Envelope> Lives() {
  std::vector<v1::Envelope> out;
  absl::Time t0 = TrTime(2026, 5, 22, 10, 0);
  for (int i = 0; i < 6; ++i) {
    std::string n = std::to_string(i);
    absl::Time at = t0 + absl::Hours(20 * i);
    v1::Case c = RegisteredCase("case-" + n, i % 2 ? "su-ariza" : "yol-ana-arter",
                                i % 3 ? "Tarsus" : "Akdeniz", at);
    v1::Case routed = c;
    SetOwner(routed, i % 2 ? "meski" : "yol-yapim", v1::OWNER_KIND_METROPOLITAN_DEPARTMENT);
    out.push_back(ContactReceivedEnv("contact-" + n, at, c));
    v1::Envelope resolved = CaseResolvedEnv("resolved-" + n, at + absl::Hours(3 + i), routed, "task-" + n);
    v1::Envelope route = CaseRoutedEnv("routed-" + n, at + absl::Seconds(2), routed, "task-" + n, 1, false);
    if (i % 2) {
      out.push_back(resolved);  // arrives before the routing and the registration
      out.push_back(route);
      out.push_back(CaseRegisteredEnv("registered-" + n, at + absl::Seconds(1), c));
    } else {
      out.push_back(CaseRegisteredEnv("registered-" + n, at + absl::Seconds(1), c));
      out.push_back(route);
      out.push_back(resolved);
    }
  }
  return out;
}

std::vector<EventEffects> EffectsOfAll(const std::vector<v1::Envelope>& events) {
  std::vector<EventEffects> out;
  for (const auto& e : events) {
    auto effects = AnalyticsService::EffectsOf(e);
    EXPECT_OK(effects);
    out.push_back({e.event_id(), *effects});
  }
  return out;
}

void ExpectSameFigures(InMemoryCountsStore& a, InMemoryCountsStore& b) {
  EXPECT_EQ(*a.Read(), *b.Read());
  auto days = a.Days();
  ASSERT_OK(days);
  EXPECT_EQ(*days, *b.Days());
  EXPECT_FALSE(days->empty());
  EXPECT_EQ(*a.ReadDays(*days), *b.ReadDays(*days));
}

TEST(CountsStoreBatchTest, ABatchWithARepeatedIdCountsItOnceAndMatchesOneApplyPerEvent) {
  std::vector<EventEffects> events = EffectsOfAll(Lives());
  InMemoryCountsStore per_event, batched;
  for (const auto& e : events) ASSERT_OK(per_event.Apply(e.event_id, e.effects));

  std::vector<EventEffects> batch = events;
  batch.insert(batch.begin() + 3, events[1]);  // redelivered within the batch
  batch.push_back(events[0]);
  auto applied = batched.ApplyBatch(batch);
  ASSERT_OK(applied);
  ASSERT_EQ(applied->size(), batch.size());
  EXPECT_FALSE((*applied)[3]);
  EXPECT_FALSE(applied->back());
  EXPECT_EQ(std::count(applied->begin(), applied->end(), true), static_cast<long>(events.size()));
  ExpectSameFigures(per_event, batched);

  // The whole batch again: nothing is new and nothing changes.
  auto again = batched.ApplyBatch(batch);
  ASSERT_OK(again);
  EXPECT_EQ(std::count(again->begin(), again->end(), true), 0);
  ExpectSameFigures(per_event, batched);
}

// Handles `events` inside DeferredAcks scopes, as the consumer does, and returns the completions.
std::vector<std::shared_ptr<kafka::AckBatch>> HandleDeferred(AnalyticsService& service,
                                                             const std::vector<v1::Envelope>& events) {
  std::vector<std::shared_ptr<kafka::AckBatch>> out;
  for (const auto& e : events) {
    kafka::DeferredAcks scope;
    EXPECT_OK(service.Handle(Consumed("any-topic", e)));
    for (auto& b : scope.Take()) out.push_back(std::move(b));
  }
  return out;
}

TEST(AnalyticsBatchingTest, EventsAreCompletedOnlyOnceTheirBatchIsAppliedAndFiguresMatch) {
  std::vector<v1::Envelope> events = Lives();
  InMemoryCountsStore sync_store, batch_store;
  AnalyticsService sync(sync_store), batched(batch_store);
  for (const auto& e : events) ASSERT_OK(sync.Handle(Consumed("any-topic", e)));

  std::vector<v1::Envelope> with_repeats = events;
  with_repeats.push_back(events[2]);
  BatchOptions options;
  options.max_items = with_repeats.size() + 1;  // never full: only Stop applies it
  options.max_delay = std::chrono::hours(1);    // and never by time within this test
  batched.StartBatching(options);
  auto done = HandleDeferred(batched, with_repeats);
  ASSERT_EQ(done.size(), with_repeats.size());
  for (auto& d : done) EXPECT_FALSE(d->Done());
  EXPECT_EQ(batched.counted(), 0);

  batched.StopBatching();  // applies what is queued
  for (auto& d : done) {
    EXPECT_TRUE(d->Done());
    EXPECT_EQ(d->Error(), "");
  }
  EXPECT_EQ(batched.counted(), static_cast<int64_t>(events.size()));
  EXPECT_EQ(batched.duplicates(), 1);
  ExpectSameFigures(sync_store, batch_store);
  EXPECT_EQ(batched.Summary()->SerializeAsString(), sync.Summary()->SerializeAsString());
}

TEST(AnalyticsBatchingTest, AFullBatchIsAppliedWithoutWaitingForStop) {
  std::vector<v1::Envelope> events = Lives();
  InMemoryCountsStore store;
  AnalyticsService service(store);
  BatchOptions options;
  options.max_items = 4;
  options.max_delay = std::chrono::hours(1);
  service.StartBatching(options);
  auto done = HandleDeferred(service, {events.begin(), events.begin() + 4});
  // Generous: the batch is full, so the batcher applies it on its own.
  for (auto& d : done) ASSERT_TRUE(d->WaitFor(std::chrono::seconds(60)));
  EXPECT_EQ(service.counted(), 4);
  EXPECT_EQ(service.batcher()->batches(), 1);
  EXPECT_EQ(service.batcher()->batched_events(), 4);
}

TEST(AnalyticsBatchingTest, OutsideAConsumerScopeEventsAreStillAppliedBeforeHandleReturns) {
  InMemoryCountsStore store;
  AnalyticsService service(store);
  service.StartBatching({});
  for (const auto& e : Lives()) ASSERT_OK(service.Handle(Consumed("any-topic", e)));
  EXPECT_EQ(service.counted(), static_cast<int64_t>(Lives().size()));
  EXPECT_EQ(service.batcher()->batches(), 0);
}

TEST(AnalyticsBatchingTest, AnUnknownPayloadIsStillAPermanentErrorAndNothingIsDeferred) {
  InMemoryCountsStore store;
  AnalyticsService service(store);
  service.StartBatching({});
  kafka::DeferredAcks scope;
  v1::Envelope empty;
  empty.set_event_id("empty-1");
  absl::Status s = service.Handle(Consumed("any-topic", empty));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_TRUE(scope.Take().empty());
}

// A store whose ApplyBatch fails the first `failures` times.
class FlakyStore : public InMemoryCountsStore {
 public:
  explicit FlakyStore(int failures) : failures_(failures) {}
  absl::StatusOr<std::vector<bool>> ApplyBatch(const std::vector<EventEffects>& batch) override {
    if (failures_.fetch_sub(1) > 0) return absl::UnavailableError("redis is restarting");
    return InMemoryCountsStore::ApplyBatch(batch);
  }

 private:
  std::atomic<int> failures_;
};

TEST(AnalyticsBatchingTest, AFailingBatchIsRetriedThenItsEventsFailSoTheConsumerHandsThemOverAgain) {
  std::vector<v1::Envelope> events = Lives();
  BatchOptions options;
  options.max_items = 1000;
  options.max_delay = std::chrono::hours(1);
  options.max_attempts = 3;
  options.first_backoff = std::chrono::milliseconds(1);

  FlakyStore recovers(2);  // fails twice, then works: the third attempt applies it
  AnalyticsService a(recovers);
  options.max_items = events.size();  // full once all are handled: applied (and retried) at once
  a.StartBatching(options);
  auto done_a = HandleDeferred(a, events);
  for (auto& d : done_a) {
    ASSERT_TRUE(d->WaitFor(std::chrono::seconds(60)));
    EXPECT_EQ(d->Error(), "");
  }
  EXPECT_EQ(a.counted(), static_cast<int64_t>(events.size()));
  EXPECT_EQ(a.batcher()->failed_attempts(), 2);
  a.StopBatching();

  FlakyStore broken(1000);
  AnalyticsService b(broken);
  options.max_delay = std::chrono::milliseconds(1);
  b.StartBatching(options);
  auto done_b = HandleDeferred(b, events);
  for (auto& d : done_b) {
    ASSERT_TRUE(d->WaitFor(std::chrono::seconds(60)));
    EXPECT_EQ(d->Error(), "redis is restarting");
  }
  EXPECT_GE(b.batcher()->failed_attempts(), 3);
  EXPECT_EQ(b.counted(), 0);
  EXPECT_TRUE(broken.Read()->empty());
}

TEST(AnalyticsBatchingTest, AfterStopAnEventIsNotQueuedButFailed) {
  InMemoryCountsStore store;
  EffectsBatcher batcher(store, {}, [](int64_t, int64_t) {});
  batcher.Stop();
  std::shared_ptr<kafka::AckBatch> done;
  {
    kafka::DeferredAcks scope;
    done = kafka::DeferredAcks::Defer();
  }
  batcher.Add("late-1", Effects{}, done);
  EXPECT_TRUE(done->Done());
  EXPECT_NE(done->Error(), "");
}

TEST(DayOfTest, TheRememberedDayIsAlwaysTheDayInTurkiye) {
  const absl::TimeZone turkey = absl::FixedTimeZone(3 * 3600);
  // Around midnight in Türkiye (21:00 UTC), forwards and backwards, and far apart.
  absl::Time t0 = absl::FromCivil(absl::CivilSecond(2026, 12, 31, 20, 59, 58), absl::UTCTimeZone());
  std::vector<absl::Time> times;
  for (int i = 0; i < 5; ++i) times.push_back(t0 + absl::Seconds(i));
  for (int i = 4; i >= 0; --i) times.push_back(t0 + absl::Seconds(i) - absl::Milliseconds(1));
  times.push_back(absl::UnixEpoch());
  times.push_back(absl::UnixEpoch() - absl::Seconds(1));
  times.push_back(absl::FromCivil(absl::CivilSecond(2028, 2, 29, 23, 59, 59), turkey));
  times.push_back(absl::FromCivil(absl::CivilSecond(2028, 3, 1, 0, 0, 0), turkey));
  times.push_back(t0);
  for (absl::Time t : times) {
    EXPECT_EQ(DayOf(t), absl::FormatTime("%Y-%m-%d", t, turkey)) << t;
  }
}

}  // namespace
}  // namespace teksin::analytics
