// The Redis layer and the Redis read models against a real redis-server.
#include <thread>

#include "absl/strings/str_cat.h"
#include "analytics/redis_counts_store.h"
#include "channel_open311/redis_request_store.h"
#include "department_worker/redis_task_store.h"
#include "gtest/gtest.h"
#include "redis/client.h"
#include "support/redis_fixture.h"
#include "support/suite_harness.h"

namespace teksin::testing {
namespace {

class RedisTest : public RedisFixture<> {
 protected:
  void SetUp() override {
    RedisFixture::SetUp();
    if (HasFatalFailure()) return;
    prefix_ = UniquePrefix("redis");
  }
  std::string prefix_;
};

TEST_F(RedisTest, CommandsPipelinesAndScripts) {
  ASSERT_TRUE(client_->Ping().ok());
  auto set = client_->Command({"SET", prefix_ + ":k", "değer – UTF-8 ✓"});
  ASSERT_TRUE(set.ok()) << set.status();
  auto get = client_->Command({"GET", prefix_ + ":k"});
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->str, "değer – UTF-8 ✓");
  auto replies = client_->Pipeline({{"INCR", prefix_ + ":n"}, {"INCR", prefix_ + ":n"}, {"GET", prefix_ + ":none"}});
  ASSERT_TRUE(replies.ok());
  ASSERT_EQ(replies->size(), 3u);
  EXPECT_EQ((*replies)[1].integer, 2);
  EXPECT_TRUE((*replies)[2].is_nil());
  redis::Script script("return tonumber(ARGV[1]) * 2");
  auto r = client_->Eval(script, {}, {"21"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->integer, 42);
  // A wrong command is an error reply, not a broken connection.
  auto bad = client_->Command({"HGET", prefix_ + ":k", "field"});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(client_->Ping().ok());
}

TEST_F(RedisTest, KilledConnectionIsReopened) {
  // One connection, so that the next call meets the killed one.
  redis::RedisConfig one;
  one.url = infra_.redis_url;
  one.pool_size = 1;
  metrics::Registry reg;
  auto single = redis::RedisClient::Create(one, &reg, "test");
  ASSERT_TRUE(single.ok());
  auto& client = *single;
  auto id = client->Command({"CLIENT", "ID"});
  ASSERT_TRUE(id.ok());
  // Another connection kills ours, as a server restart or a proxy would.
  redis::RedisConfig rc;
  rc.url = infra_.redis_url;
  auto other = redis::RedisClient::Create(rc, nullptr, "other");
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->Command({"CLIENT", "KILL", "ID", std::to_string(id->integer)}).ok());
  auto again = client->Command({"PING"});
  EXPECT_TRUE(again.ok()) << again.status();
  EXPECT_NE(reg.Render().find("teksin_test_redis_errors_total{kind=\"io\"} 1"), std::string::npos);
}

TEST_F(RedisTest, ConcurrentCallsUseSeveralConnections) {
  // A call blocked on the server (BLPOP, 1.5 s at most, within the 2 s command timeout) holds
  // one connection; another thread's LPUSH through the same client must not queue behind it, so
  // the BLPOP receives the value instead of timing out empty.
  const std::string key = prefix_ + ":queue";
  absl::StatusOr<redis::Reply> popped;
  std::thread blocked([&] { popped = client_->Command({"BLPOP", key, "1.5"}); });
  redis::RedisConfig rc;
  rc.url = infra_.redis_url;
  auto observer = redis::RedisClient::Create(rc, nullptr, "observer");
  ASSERT_TRUE(observer.ok());
  ASSERT_TRUE(WaitUntil([&] {
    auto list = (*observer)->Command({"CLIENT", "LIST"});
    return list.ok() && list->str.find("cmd=blpop") != std::string::npos;
  }, std::chrono::seconds(10)));
  auto pushed = client_->Command({"LPUSH", key, "x"});
  blocked.join();
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  ASSERT_TRUE(popped.ok()) << popped.status();
  ASSERT_EQ(popped->type, redis::Reply::Type::kArray);
  ASSERT_EQ(popped->elements.size(), 2u);
  EXPECT_EQ(popped->elements[1].str, "x");
}

TEST_F(RedisTest, UnreachableServerFailsWithinTheTimeout) {
  redis::RedisConfig rc;
  rc.url = absl::StrCat("redis://127.0.0.1:", FreePort());
  rc.connect_timeout = std::chrono::milliseconds(300);
  auto c = redis::RedisClient::Create(rc, nullptr, "absent");
  ASSERT_TRUE(c.ok());
  absl::Status s = (*c)->Ping();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("127.0.0.1"), std::string::npos);
  EXPECT_FALSE(redis::RedisClient::Create({"http://nope"}, nullptr, "bad").ok());
}

TEST_F(RedisTest, TaskQueueIsOrderedAndNeverMovesBackwards) {
  department_worker::RedisTaskStore store(*client_, prefix_, "meski");
  auto task = [](const std::string& id, int priority, int64_t deadline) {
    v1::TaskAssigned a;
    a.set_task_id(id);
    a.mutable_case_()->set_case_id("case-" + id);
    a.mutable_case_()->set_priority(static_cast<v1::Priority>(priority));
    a.mutable_case_()->mutable_deadline()->set_seconds(deadline);
    a.mutable_case_()->mutable_owner()->set_unit_id("meski");
    return a;
  };
  absl::Time now = absl::Now();
  ASSERT_TRUE(store.PutAssigned(task("late", 3, 2000), now).ok());
  ASSERT_TRUE(store.PutAssigned(task("urgent", 2, 5000), now).ok());
  ASSERT_TRUE(store.PutAssigned(task("early", 3, 1000), now).ok());
  ASSERT_TRUE(store.PutAssigned(task("early", 3, 1000), now).ok());  // redelivered
  auto open = store.ListOpen(10);
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 3u);
  EXPECT_EQ((*open)[0].assigned.task_id(), "urgent");
  EXPECT_EQ((*open)[1].assigned.task_id(), "early");
  EXPECT_EQ((*open)[2].assigned.task_id(), "late");
  // The deadline watch's cheap listing: ids in the same order, then only the tasks it asks for.
  auto ids = store.ListOpenIds(10);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<std::string>{"urgent", "early", "late"}));
  auto two = store.GetOpen({"late", "absent", "urgent"});
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].assigned.task_id(), "late");
  EXPECT_EQ((*two)[1].assigned.task_id(), "urgent");

  auto claimed = store.Apply({"early", v1::TASK_STATUS_CLAIMED, "ayse", "", "", "", now});
  ASSERT_TRUE(claimed.ok());
  EXPECT_TRUE(claimed->applied);
  auto resolved = store.Apply({"early", v1::TASK_STATUS_RESOLVED, "ayse", "", "fixed", "ok", now});
  ASSERT_TRUE(resolved.ok() && resolved->applied);
  auto stale = store.Apply({"early", v1::TASK_STATUS_CLAIMED, "mehmet", "", "", "", now});
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(stale->applied);
  EXPECT_EQ(stale->status, v1::TASK_STATUS_RESOLVED);
  EXPECT_EQ(*store.CountOpen(), 2);
  EXPECT_EQ(*store.ListOpenIds(10), (std::vector<std::string>{"urgent", "late"}));
  EXPECT_TRUE(store.GetOpen({"early"})->empty());  // closed: left out

  // Rebuild order: the resolution arrives before the assignment; the task stays closed.
  ASSERT_TRUE(store.Apply({"ghost", v1::TASK_STATUS_RESOLVED, "ali", "", "x", "", now}).ok());
  ASSERT_TRUE(store.PutAssigned(task("ghost", 1, 10), now).ok());
  EXPECT_EQ(*store.CountOpen(), 2);
  auto ghost = store.Get("ghost");
  ASSERT_TRUE(ghost.ok() && ghost->has_value());
  EXPECT_EQ((*ghost)->status, v1::TASK_STATUS_RESOLVED);
}

TEST_F(RedisTest, AnalyticsCountsEachEventOnce) {
  analytics::RedisCountsStore store(*client_, prefix_ + ":an", 3600);
  analytics::Effects e;
  e.increments = {{"totals", "contacts", 1}, {"dim:district", "Tarsus|cases", 1}};
  e.status = analytics::StatusUpdate{"c1", "routed", 200};
  auto first = store.Apply("ev-1", e);
  auto again = store.Apply("ev-1", e);
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*again);
  analytics::Effects older;
  older.status = analytics::StatusUpdate{"c1", "registered", 100};  // arrives late
  ASSERT_TRUE(store.Apply("ev-0", older).ok());
  auto f = store.Read();
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)["totals"]["contacts"], 1);
  EXPECT_EQ((*f)["dim:district"]["Tarsus|cases"], 1);
  EXPECT_EQ((*f)["status"]["routed"], 1);
  EXPECT_EQ((*f)["status"]["registered"], 0);
}

TEST_F(RedisTest, RequestViewKeepsTheNewestStatus) {
  channel_open311::RedisRequestStore store(*client_, prefix_);
  ASSERT_TRUE(store.Upsert("ABCDE-12345", {{"description", "Çöp alınmadı"}}, {{"status", "open"}}, 100).ok());
  ASSERT_TRUE(store.Upsert("ABCDE-12345", {{"description", "other"}}, {{"status", "closed"}}, 300).ok());
  ASSERT_TRUE(store.Upsert("ABCDE-12345", {}, {{"status", "open"}}, 200).ok());
  auto v = store.Get("ABCDE-12345");
  ASSERT_TRUE(v.ok() && v->has_value());
  EXPECT_EQ((**v)["status"], "closed");
  EXPECT_EQ((**v)["description"], "Çöp alınmadı");
  auto none = store.Get("ZZZZZ-99999");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

}  // namespace
}  // namespace teksin::testing
