// The analytics Redis layout of ADR 0029 in a real redis-server: event ids are remembered for at
// least the seen TTL and forgotten after their window expired (by the store's clock), and a
// namespace written with the earlier layout (a seen key per event, a hash per case) is upgraded
// without counting an event twice or losing a case's status.
#include "absl/strings/str_cat.h"
#include "analytics/counts_store.h"
#include "analytics/redis_counts_store.h"
#include "gtest/gtest.h"
#include "redis/client.h"
#include "support/redis_fixture.h"

namespace teksin::testing {
namespace {

analytics::Effects Counted(const std::string& case_id = "", const std::string& status = "",
                           int64_t at_us = 0) {
  analytics::Effects e;
  e.increments.push_back({"totals", "events", 1});
  if (!case_id.empty()) e.status = analytics::StatusUpdate{case_id, status, at_us};
  return e;
}

class AnalyticsLayout : public RedisFixture<> {
 protected:
  redis::Reply Cmd(const std::vector<std::string>& args) {
    auto r = client_->Command(args);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : redis::Reply{};
  }
  int64_t Total(analytics::CountsStore& s, const std::string& hash, const std::string& field) {
    auto f = s.Read();
    EXPECT_TRUE(f.ok()) << f.status();
    auto h = f->find(hash);
    if (h == f->end()) return 0;
    auto v = h->second.find(field);
    return v == h->second.end() ? 0 : v->second;
  }
};

TEST_F(AnalyticsLayout, IdsAreRememberedForTheTtlAndThenForgotten) {
  const std::string ns = UniquePrefix("an-windows") + ":an";
  // The clock starts at the real time (Redis expires the window sets by its own clock) and moves
  // forward only.
  absl::Time now = absl::Now();
  analytics::RedisCountsStore store(*client_, ns, 3600, [&now] { return now; });
  auto prepared = store.Prepare();
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  EXPECT_FALSE(*prepared);  // a fresh namespace: nothing to upgrade

  ASSERT_TRUE(*store.Apply("e-1", Counted()));
  EXPECT_FALSE(*store.Apply("e-1", Counted()));
  // Every later window still knows it, in single events and in batches, until one TTL after its
  // window (half a TTL long) ended.
  for (int step = 1; step <= 6; ++step) {
    now += absl::Seconds(599);
    ASSERT_TRUE(*store.Apply(absl::StrCat("e-", 1 + step), Counted()));
    EXPECT_FALSE(*store.Apply("e-1", Counted())) << step;
    auto b = store.ApplyBatch({{"e-1", Counted()}, {absl::StrCat("b-", step), Counted()}});
    ASSERT_TRUE(b.ok()) << b.status();
    EXPECT_EQ(*b, (std::vector<bool>{false, true})) << step;
  }
  // 3,594 s later: at most three windows are live.
  EXPECT_LE(Cmd({"ZCARD", ns + ":seenw"}).integer, 3);
  // Past the expiry of e-1's window (at most 1,800 + 3,600 s after it was applied): forgotten,
  // and its window is no longer listed.
  now += absl::Seconds(1807);
  auto again = store.Apply("e-1", Counted());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(*again);
  EXPECT_EQ(Total(store, "totals", "events"), 1 + 6 + 6 + 1);
  // An id applied in the last window is still remembered.
  EXPECT_FALSE(*store.Apply("e-7", Counted()));
}

TEST_F(AnalyticsLayout, AnEarlierLayoutIsUpgradedWithoutDoubleCounts) {
  const std::string ns = UniquePrefix("an-upgrade") + ":an";
  const int64_t t0 = 1'790'000'000'000'000;
  // What the earlier version left: a seen key per event, a hash per case, the figures.
  Cmd({"SADD", ns + ":hashes", "totals", "status"});
  Cmd({"HSET", ns + ":h:totals", "events", "3"});
  Cmd({"HSET", ns + ":h:status", "REGISTERED", "2", "ROUTED", "1"});
  Cmd({"SET", ns + ":seen:old-1", "1", "EX", "3600"});
  Cmd({"HSET", ns + ":case:c-1", "s", "REGISTERED", "t", std::to_string(t0)});
  Cmd({"HSET", ns + ":case:c-2", "s", "REGISTERED", "t", std::to_string(t0)});
  Cmd({"HSET", ns + ":case:c-3", "s", "ROUTED", "t", std::to_string(t0 + 5)});

  analytics::RedisCountsStore store(*client_, ns, 3600);
  auto prepared = store.Prepare();
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  EXPECT_TRUE(*prepared);
  EXPECT_EQ(Cmd({"GET", ns + ":layout"}).str, "seen-windows,case-shards");

  // An event the earlier version counted: not again.
  EXPECT_FALSE(*store.Apply("old-1", Counted()));
  // A new event of c-1 (met before the move): its old status is taken back, its hash moved.
  ASSERT_TRUE(*store.Apply("new-1", Counted("c-1", "ROUTED", t0 + 10)));
  EXPECT_EQ(Cmd({"EXISTS", ns + ":case:c-1"}).integer, 0);
  // An older event of c-3 in a batch: counted, but the status stays (it moves forward only).
  auto b = store.ApplyBatch({{"new-2", Counted("c-3", "REGISTERED", t0)}, {"old-1", Counted()}});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(*b, (std::vector<bool>{true, false}));
  EXPECT_EQ(Cmd({"EXISTS", ns + ":case:c-3"}).integer, 0);
  EXPECT_EQ(Total(store, "status", "REGISTERED"), 1);
  EXPECT_EQ(Total(store, "status", "ROUTED"), 2);

  // The remaining old hash (c-2) is moved before consuming; then the flag goes.
  int64_t heard = 0;
  auto moved = store.MoveLegacyCases([&heard](int64_t n) { heard = n; });
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(*moved, 1);
  EXPECT_EQ(heard, 1);
  EXPECT_EQ(Cmd({"EXISTS", ns + ":case:c-2"}).integer, 0);
  EXPECT_EQ(Cmd({"EXISTS", ns + ":caselegacy"}).integer, 0);
  // c-2's status lives on in its shard: a later event moves it from REGISTERED to RESOLVED.
  ASSERT_TRUE(*store.Apply("new-3", Counted("c-2", "RESOLVED", t0 + 20)));
  EXPECT_EQ(Total(store, "status", "REGISTERED"), 0);
  EXPECT_EQ(Total(store, "status", "RESOLVED"), 1);
  EXPECT_EQ(Total(store, "totals", "events"), 3 + 3);

  // A second start finds the layout marked: nothing to upgrade, nothing to move.
  auto again = store.Prepare();
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  auto none = store.MoveLegacyCases();
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
}

}  // namespace
}  // namespace teksin::testing
