// The analytics day cubes in a real redis-server: the same events give exactly the figures the
// in-memory store gives, a redelivered event changes nothing, and the cubes stay out of the
// summary's hashes.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "analytics/analytics_service.h"
#include "analytics/counts_store.h"
#include "analytics/figures.h"
#include "analytics/redis_counts_store.h"
#include "common/time_util.h"
#include "events/envelope.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "redis/client.h"
#include "support/suite_harness.h"

namespace teksin::testing {
namespace {

v1::Envelope Env(const std::string& id, absl::Time at, const std::string& case_id) {
  events::EnvelopeMeta m;
  m.event_id = id;
  m.source = "test";
  m.correlation_id = case_id;
  m.partition_key = case_id;
  m.occurred_at = at;
  return events::NewEnvelope(m);
}

v1::Case CaseOf(int i, absl::Time at) {
  v1::Case c;
  c.set_case_id(absl::StrCat("case-", i));
  c.set_channel(i % 2 ? v1::CHANNEL_CALL_CENTER : v1::CHANNEL_MOBILE_APP);
  c.set_request_type(v1::REQUEST_TYPE_COMPLAINT);
  c.set_category(i % 3 ? "su-ariza" : "yol-ana-arter");
  c.mutable_location()->set_district(i % 4 ? "Tarsus" : "Akdeniz");
  c.mutable_location()->set_neighbourhood(i % 4 ? "Kızılmurat" : "");
  c.set_age_group(v1::AGE_GROUP_45_64);
  *c.mutable_received_at() = common::ToProto(at);
  *c.mutable_deadline() = common::ToProto(at + absl::Hours(40));
  c.mutable_owner()->set_unit_id(i % 3 ? "meski" : "yol-yapim");
  return c;
}

// Three weeks of cases: registered, routed, most resolved (some late), some rated.
std::vector<v1::Envelope> History() {
  std::vector<v1::Envelope> out;
  absl::Time t0 = absl::FromCivil(absl::CivilSecond(2026, 10, 1, 9, 0, 0), absl::FixedTimeZone(3 * 3600));
  for (int i = 0; i < 60; ++i) {
    absl::Time at = t0 + absl::Hours(8 * i);
    v1::Case c = CaseOf(i, at);
    v1::Envelope reg = Env(absl::StrCat("reg-", i), at, c.case_id());
    *reg.mutable_case_registered()->mutable_case_() = c;
    out.push_back(reg);
    v1::Envelope routed = Env(absl::StrCat("routed-", i), at + absl::Minutes(1), c.case_id());
    *routed.mutable_case_routed()->mutable_case_() = c;
    routed.mutable_case_routed()->set_attempt(1);
    routed.mutable_case_routed()->set_forwarded(i % 5 == 0);
    out.push_back(routed);
    if (i % 4 != 3) {
      absl::Time done = at + absl::Hours(3 + 5 * (i % 11));
      v1::Envelope res = Env(absl::StrCat("resolved-", i), done, c.case_id());
      *res.mutable_case_resolved()->mutable_case_() = c;
      *res.mutable_case_resolved()->mutable_resolved_at() = common::ToProto(done);
      out.push_back(res);
    }
    if (i % 6 == 0) {
      v1::Envelope fb = Env(absl::StrCat("feedback-", i), at + absl::Hours(60), c.case_id());
      fb.mutable_citizen_feedback()->set_case_id(c.case_id());
      fb.mutable_citizen_feedback()->set_kind(v1::FEEDBACK_KIND_RATE);
      fb.mutable_citizen_feedback()->set_rating(1 + i % 5);
      out.push_back(fb);
    }
  }
  return out;
}

TEST(AnalyticsRedis, DayCubesGiveTheSameFiguresAsTheInMemoryStore) {
  Infra infra = LoadInfra();
  metrics::Registry registry;
  redis::RedisConfig rc;
  rc.url = infra.redis_url;
  auto client = redis::RedisClient::Create(rc, &registry, "test");
  ASSERT_TRUE(client.ok()) << client.status();
  std::string ns = UniquePrefix("an-cube") + ":an";
  analytics::RedisCountsStore redis_store(**client, ns, 3600);
  analytics::InMemoryCountsStore memory_store;
  analytics::AnalyticsService in_redis(redis_store), in_memory(memory_store);
  for (const auto& e : History()) {
    events::ConsumedEvent c;
    c.envelope = e;
    ASSERT_TRUE(in_redis.Handle(c).ok());
    ASSERT_TRUE(in_redis.Handle(c).ok());  // redelivered: no effect
    ASSERT_TRUE(in_memory.Handle(c).ok());
  }
  EXPECT_EQ(in_redis.duplicates(), in_redis.counted());

  auto days = redis_store.Days();
  ASSERT_TRUE(days.ok());
  EXPECT_EQ(*days, *memory_store.Days());
  EXPECT_GE(days->size(), 20u);
  auto hashes = redis_store.Read();
  ASSERT_TRUE(hashes.ok());
  for (const auto& [name, fields] : *hashes) EXPECT_NE(name.rfind("cube:", 0), 0u) << name;

  analytics::Population pop;
  pop.district = {{"Tarsus", 353049}, {"Akdeniz", 260879}};
  analytics::FiguresQuery from_redis(redis_store, pop, {}), from_memory(memory_store, pop, {});
  std::vector<v1::FiguresRequest> requests(4);
  requests[1].set_district("Tarsus");
  requests[1].set_granularity("week");
  requests[2].set_owner("meski");
  requests[2].set_from("2026-10-05");
  requests[2].set_to("2026-10-12");
  requests[3].set_channel("call_center");
  requests[3].set_granularity("month");
  for (const auto& req : requests) {
    auto a = from_redis.Run(req);
    auto b = from_memory.Run(req);
    ASSERT_TRUE(a.ok() && b.ok()) << a.status() << b.status();
    // Field by field (protobuf maps have no fixed serialization order).
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*a, *b)) << req.ShortDebugString();
  }
  auto all = from_redis.Run({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->totals().routed(), all->totals().cases());  // every case in range was routed
  EXPECT_GT(all->totals().resolved(), 0);
  EXPECT_GT(all->totals().resolved_late(), 0);
  EXPECT_GT(all->totals().ratings(), 0);
  EXPECT_GT(all->resolution_overall().count(), 0);
}

// Every figure the store keeps: the summary's hashes and every day's cube.
std::pair<analytics::Figures, std::map<std::string, analytics::DayCube>> Everything(analytics::CountsStore& s) {
  auto figures = s.Read();
  auto days = s.Days();
  EXPECT_TRUE(figures.ok() && days.ok());
  auto cubes = s.ReadDays(*days);
  EXPECT_TRUE(cubes.ok());
  return {*figures, *cubes};
}

TEST(AnalyticsRedis, BatchesCountEachEventOnceAndEqualOneScriptPerEvent) {
  Infra infra = LoadInfra();
  metrics::Registry registry;
  redis::RedisConfig rc;
  rc.url = infra.redis_url;
  auto client = redis::RedisClient::Create(rc, &registry, "test");
  ASSERT_TRUE(client.ok()) << client.status();
  std::vector<analytics::EventEffects> events;
  for (const auto& e : History()) {
    auto effects = analytics::AnalyticsService::EffectsOf(e);
    ASSERT_TRUE(effects.ok()) << effects.status();
    events.push_back({e.event_id(), *effects});
  }
  // Half the cases' events in reverse order: status updates must still move forward in time only.
  std::reverse(events.begin() + events.size() / 2, events.end());

  std::string prefix = UniquePrefix("an-batch");
  analytics::RedisCountsStore per_event(**client, prefix + ":one", 3600);
  for (const auto& e : events) ASSERT_TRUE(per_event.Apply(e.event_id, e.effects).ok());

  // In batches of 37 (all new: the summed path), with one id repeated inside a batch.
  analytics::RedisCountsStore batched(**client, prefix + ":batch", 3600);
  int64_t counted = 0;
  for (size_t from = 0; from < events.size(); from += 37) {
    std::vector<analytics::EventEffects> batch(events.begin() + from,
                                               events.begin() + std::min(events.size(), from + 37));
    if (from == 37) batch.push_back(batch.front());
    auto applied = batched.ApplyBatch(batch);
    ASSERT_TRUE(applied.ok()) << applied.status();
    ASSERT_EQ(applied->size(), batch.size());
    counted += std::count(applied->begin(), applied->end(), true);
    if (from == 37) {
      EXPECT_FALSE(applied->back());
    }
  }
  EXPECT_EQ(counted, static_cast<int64_t>(events.size()));
  EXPECT_EQ(Everything(batched), Everything(per_event));

  // The whole history again as one batch (a replay after a crash): nothing counts twice.
  auto again = batched.ApplyBatch(events);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(std::count(again->begin(), again->end(), true), 0);
  EXPECT_EQ(Everything(batched), Everything(per_event));

  // A batch mixing events seen before with new ones (a rewind): only the new ones count.
  analytics::RedisCountsStore mixed(**client, prefix + ":mixed", 3600);
  std::vector<analytics::EventEffects> first_half(events.begin(), events.begin() + events.size() / 2);
  ASSERT_TRUE(mixed.ApplyBatch(first_half).ok());
  std::vector<analytics::EventEffects> overlap(events.begin() + events.size() / 4, events.end());
  auto m = mixed.ApplyBatch(overlap);
  ASSERT_TRUE(m.ok()) << m.status();
  size_t seen_before = events.size() / 2 - events.size() / 4;
  for (size_t i = 0; i < overlap.size(); ++i) EXPECT_EQ((*m)[i], i >= seen_before) << i;
  EXPECT_EQ(Everything(mixed), Everything(per_event));

  // New events followed by one seen before: the summed script takes back the seen keys it had
  // set, and the per-event script then counts exactly the new ones.
  analytics::RedisCountsStore tail(**client, prefix + ":tail", 3600);
  ASSERT_TRUE(tail.ApplyBatch({events.back()}).ok());
  std::vector<analytics::EventEffects> rest(events.begin(), events.end() - 1);
  rest.push_back(events.back());
  auto t = tail.ApplyBatch(rest);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(std::count(t->begin(), t->end(), true), static_cast<long>(events.size() - 1));
  EXPECT_FALSE(t->back());
  EXPECT_EQ(Everything(tail), Everything(per_event));

  // The same events through the per-event script into the batched namespace: all seen already.
  for (const auto& e : events) {
    auto applied = batched.Apply(e.event_id, e.effects);
    ASSERT_TRUE(applied.ok());
    EXPECT_FALSE(*applied);
  }
}

}  // namespace
}  // namespace teksin::testing
