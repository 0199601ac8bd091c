// Open311's Redis paths against a real redis-server (ADR 0024): RedisAdmission answers as the
// guards one by one do (GuardsAdmission over libs/channel's Redis guards), on the same keys, in
// one round trip; RedisRequestStore::Apply writes the view and its history entry in one.
#include <map>
#include <memory>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "channel/guards.h"
#include "channel_open311/admission.h"
#include "channel_open311/redis_request_store.h"
#include "gtest/gtest.h"
#include "redis/client.h"
#include "support/redis_fixture.h"
#include "support/suite_harness.h"

namespace teksin::channel_open311 {
namespace {

class Open311RedisTest : public testing::RedisFixture<::testing::TestWithParam<bool>> {
 protected:
  void SetUp() override {
    RedisFixture::SetUp();
    if (HasFatalFailure()) return;
    prefix_ = testing::UniquePrefix("o311");
    limiter_ = std::make_unique<channel::RedisRateLimiter>(*client_, prefix_);
    idempotency_ = std::make_unique<channel::RedisIdempotencyStore>(*client_, prefix_);
    if (GetParam()) {
      admission_ = std::make_unique<RedisAdmission>(*client_, prefix_);
    } else {
      admission_ = std::make_unique<GuardsAdmission>(limiter_.get(), idempotency_.get());
    }
  }
  // Round trips so far (the client's latency histogram counts one per command or script).
  int RoundTrips() {
    const std::string text = registry_.Render();
    const std::string name = "teksin_test_redis_command_duration_seconds_count ";
    auto at = text.find(name);
    return at == std::string::npos ? 0 : std::stoi(text.substr(at + name.size()));
  }
  AdmitRequest Request(const std::string& citizen, const std::string& case_id,
                       const std::string& tracking) {
    AdmitRequest r;
    r.client = {"o311:client:app", 5, absl::Minutes(1)};
    if (!citizen.empty()) r.citizen = {"o311:citizen:" + citizen, 2, absl::Hours(1)};
    r.tracking_key = "tracking:" + tracking;
    r.case_id = case_id;
    r.tracking_ttl = absl::Hours(24);
    r.now = absl::FromUnixSeconds(1780000000);
    return r;
  }
  std::string prefix_;
  std::unique_ptr<channel::RedisRateLimiter> limiter_;
  std::unique_ptr<channel::RedisIdempotencyStore> idempotency_;
  std::unique_ptr<SubmitAdmission> admission_;
};

TEST_P(Open311RedisTest, LimitsReservationsAndRememberedAnswers) {
  // Reserved for the case; a second case asking for the same code learns the owner.
  auto a = admission_->Admit(Request("cit-1", "case-1", "AAAAA-11111"));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_FALSE(a->refused);
  EXPECT_FALSE(a->replay.has_value());
  EXPECT_EQ(a->tracking_owner, "case-1");
  auto b = admission_->Admit(Request("cit-2", "case-2", "AAAAA-11111"));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->tracking_owner, "case-1");
  // The citizen's hourly limit (2): the third is refused, with the seconds left in the hour.
  ASSERT_TRUE(admission_->Admit(Request("cit-1", "case-3", "AAAAA-33333")).ok());
  auto over = admission_->Admit(Request("cit-1", "case-4", "AAAAA-44444"));
  ASSERT_TRUE(over.ok());
  EXPECT_TRUE(over->refused);
  EXPECT_EQ(over->refused_by, "citizen");
  EXPECT_EQ(over->retry_after_seconds, 3600 - 1780000000 % 3600);
  EXPECT_TRUE(over->tracking_owner.empty());
  auto unreserved = idempotency_->Get("tracking:AAAAA-44444");
  ASSERT_TRUE(unreserved.ok());
  EXPECT_FALSE(unreserved->has_value()) << "a refused request reserves nothing";
  // The client's minute limit (5): four hits so far; the fifth passes, the sixth is refused
  // before the citizen is counted.
  ASSERT_FALSE(admission_->Admit(Request("", "case-5", "AAAAA-55555"))->refused);
  auto client_over = admission_->Admit(Request("cit-3", "case-6", "AAAAA-66666"));
  ASSERT_TRUE(client_over.ok());
  EXPECT_TRUE(client_over->refused);
  EXPECT_EQ(client_over->refused_by, "client");
  EXPECT_EQ(client_over->retry_after_seconds, 60 - 1780000000 % 60);
  // The same counters as libs/channel's limiter: its next hit for cit-3 is its first.
  auto d = limiter_->Hit("o311:citizen:cit-3", 1, absl::Hours(1), absl::FromUnixSeconds(1780000000));
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->allowed);
  // An answer remembered by the idempotency store comes back before any limit applies.
  ASSERT_TRUE(idempotency_->Remember("o311:app:k1", "{\"id\":\"X\"}", absl::Hours(1)).ok());
  AdmitRequest retried = Request("cit-1", "case-7", "AAAAA-77777");
  retried.idempotency_key = "o311:app:k1";
  auto replay = admission_->Admit(retried);
  ASSERT_TRUE(replay.ok());
  ASSERT_TRUE(replay->replay.has_value());
  EXPECT_EQ(*replay->replay, "{\"id\":\"X\"}");
  EXPECT_FALSE(replay->refused);
  // An unknown key: admitted as usual (here refused: the client is over its limit).
  retried.idempotency_key = "o311:app:k2";
  auto fresh = admission_->Admit(retried);
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE(fresh->replay.has_value());
  EXPECT_TRUE(fresh->refused);
}

TEST_P(Open311RedisTest, OneRoundTripPerSubmitWithRedisAdmission) {
  if (!GetParam()) GTEST_SKIP() << "the guards one by one take one round trip each";
  ASSERT_TRUE(admission_->Admit(Request("cit-1", "case-1", "BBBBB-11111")).ok());  // loads it
  const int before = RoundTrips();
  AdmitRequest r = Request("cit-1", "case-2", "BBBBB-22222");
  r.idempotency_key = "o311:app:k9";
  ASSERT_TRUE(admission_->Admit(r).ok());
  EXPECT_EQ(RoundTrips(), before + 1);
}

INSTANTIATE_TEST_SUITE_P(Admissions, Open311RedisTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Redis" : "Guards"; });

TEST(Open311RequestStoreRedis, ApplyWritesTheViewAndItsHistoryInOneRoundTrip) {
  auto infra = testing::LoadInfra();
  redis::RedisConfig rc;
  rc.url = infra.redis_url;
  metrics::Registry registry;
  auto client = redis::RedisClient::Create(rc, &registry, "apply");
  ASSERT_TRUE(client.ok());
  RedisRequestStore store(**client, testing::UniquePrefix("o311"));
  auto round_trips = [&registry] {
    const std::string text = registry.Render();
    const std::string name = "teksin_apply_redis_command_duration_seconds_count ";
    auto at = text.find(name);
    return at == std::string::npos ? 0 : std::stoi(text.substr(at + name.size()));
  };
  HistoryEntry received{"ev-1", 100, "received", ""};
  ASSERT_TRUE(store.Apply("CCCCC-11111",
                          {{"service_code", "su-ariza"}, {"case_id", "case-1"},
                           {"requested_us", "100"}, {"description", "Su borusu patladı"}},
                          {{"status", "open"}, {"detailed_status", "received"}}, 100, received)
                  .ok());
  const int before = round_trips();
  HistoryEntry routed{"ev-2", 300, "routed", "MESKİ"};
  ASSERT_TRUE(store.Apply("CCCCC-11111", {{"description", "other"}, {"citizen_key", "ck-1"}},
                          {{"status", "open"}, {"detailed_status", "routed"}}, 300, routed)
                  .ok());
  EXPECT_EQ(round_trips(), before + 1);
  // An older event arriving late: its history entry is kept, the newer status stays.
  HistoryEntry registered{"ev-3", 200, "registered", ""};
  ASSERT_TRUE(store.Apply("CCCCC-11111", {}, {{"detailed_status", "registered"}}, 200, registered)
                  .ok());
  // A replay of the same event changes nothing.
  ASSERT_TRUE(store.Apply("CCCCC-11111", {}, {{"detailed_status", "routed"}}, 300, routed).ok());
  auto v = store.Get("CCCCC-11111");
  ASSERT_TRUE(v.ok() && v->has_value());
  EXPECT_EQ((**v)["detailed_status"], "routed");
  EXPECT_EQ((**v)["description"], "Su borusu patladı") << "a fixed field is set once";
  EXPECT_EQ((**v)["citizen_key"], "ck-1") << "a fixed field first sent later is set then";
  auto h = store.History("CCCCC-11111");
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 3u);
  EXPECT_EQ((*h)[0].status, "received");
  EXPECT_EQ((*h)[1].status, "registered");
  EXPECT_EQ((*h)[2].status, "routed");
  EXPECT_EQ((*h)[2].note, "MESKİ");
  auto token = store.FindByToken("case-1");
  ASSERT_TRUE(token.ok() && token->has_value());
  EXPECT_EQ(**token, "CCCCC-11111");
  auto listed = store.Query(RequestQuery{});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  RequestQuery by_service;
  by_service.service_code = "su-ariza";
  EXPECT_EQ(store.Query(by_service)->size(), 1u);
  by_service.service_code = "yol-sokak";
  EXPECT_EQ(store.Query(by_service)->size(), 0u);
}

TEST(Open311RequestStoreRedis, ABatchIsOneRoundTripInOrderAndSurvivesAScriptFlush) {
  auto infra = testing::LoadInfra();
  redis::RedisConfig rc;
  rc.url = infra.redis_url;
  metrics::Registry registry;
  auto client = redis::RedisClient::Create(rc, &registry, "batch");
  ASSERT_TRUE(client.ok());
  RedisRequestStore store(**client, testing::UniquePrefix("o311"));
  auto round_trips = [&registry] {
    const std::string text = registry.Render();
    const std::string name = "teksin_batch_redis_command_duration_seconds_count ";
    auto at = text.find(name);
    return at == std::string::npos ? 0 : std::stoi(text.substr(at + name.size()));
  };
  std::vector<ViewWrite> writes;
  for (int i = 0; i < 50; ++i) {
    ViewWrite w;
    w.request_id = absl::StrCat("DDDDD-", 10000 + i);
    w.fixed = {{"case_id", absl::StrCat("case-", i)}, {"service_code", "su-ariza"},
               {"requested_us", absl::StrCat(1000 + i)}};
    w.current = {{"status", "open"}, {"detailed_status", "received"}};
    w.at_us = 1000 + i;
    w.entry = HistoryEntry{absl::StrCat("ev-", i), 1000 + i, "received", ""};
    writes.push_back(w);
    // The same request's next event in the same batch wins (written in order).
    w.current = {{"status", "open"}, {"detailed_status", "registered"}};
    w.at_us = 2000 + i;
    w.entry = HistoryEntry{absl::StrCat("ev-r-", i), 2000 + i, "registered", ""};
    writes.push_back(w);
  }
  // The server forgot the script (a restart): loaded again, the batch written anyway.
  ASSERT_TRUE((*client)->Command({"SCRIPT", "FLUSH"}).ok());
  ASSERT_TRUE(store.ApplyBatch(writes).ok());
  const int before = round_trips();
  ASSERT_TRUE(store.ApplyBatch(writes).ok()) << "a batch written twice changes nothing";
  EXPECT_EQ(round_trips(), before + 1);
  for (int i : {0, 49}) {
    const std::string id = absl::StrCat("DDDDD-", 10000 + i);
    auto v = store.Get(id);
    ASSERT_TRUE(v.ok() && v->has_value());
    EXPECT_EQ((**v)["detailed_status"], "registered");
    auto h = store.History(id);
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->size(), 2u);
    EXPECT_EQ((*h)[1].status, "registered");
    EXPECT_EQ(**store.FindByToken(absl::StrCat("case-", i)), id);
  }
  RequestQuery all;
  EXPECT_EQ(store.Query(all)->size(), 50u);
}

// ADR 0024's view script, one call per event, as it wrote views before ADR 0028 (kept here to
// test that views it wrote are continued in their layout).
absl::Status OldScriptApply(redis::RedisClient& client, const std::string& prefix,
                            const ViewWrite& w) {
  static const redis::Script kOld(R"lua(
local n = tonumber(ARGV[2])
-- One read for the fixed fields and the state this script needs, then one write of the fixed
-- fields not set yet (the first writer of each wins).
local names = {'requested_us', 'service_code', 'case_id', '_updated_us'}
for j = 0, n - 1 do names[#names + 1] = ARGV[6 + 2 * j] end
local have = redis.call('HMGET', KEYS[1], unpack(names))
local set, newly = {}, {}
for j = 0, n - 1 do
  if not have[5 + j] then
    local k, v = ARGV[6 + 2 * j], ARGV[7 + 2 * j]
    set[#set + 1] = k
    set[#set + 1] = v
    newly[k] = v
  end
end
if #set > 0 then redis.call('HSET', KEYS[1], unpack(set)) end
local requested = have[1] or newly['requested_us']
local code = have[2] or newly['service_code']
local case_id = have[3] or newly['case_id']
-- The listing indexes (all requests and per service, scored by the time requested) and the
-- token, written by the call that set their fields (the script is atomic, so they exist since).
if requested and (newly['requested_us'] or newly['service_code']) then
  redis.call('ZADD', KEYS[2], requested, ARGV[#ARGV])
  if code then redis.call('ZADD', KEYS[2] .. ':' .. code, requested, ARGV[#ARGV]) end
end
if case_id and newly['case_id'] then redis.call('SET', KEYS[3] .. case_id, ARGV[#ARGV]) end
local cur = tonumber(have[4] or '-1')
if tonumber(ARGV[1]) >= cur then
  local cur_set = {}
  for i = 6 + 2 * n, #ARGV - 2, 2 do
    cur_set[#cur_set + 1] = ARGV[i]
    cur_set[#cur_set + 1] = ARGV[i + 1]
  end
  cur_set[#cur_set + 1] = '_updated_us'
  cur_set[#cur_set + 1] = ARGV[1]
  redis.call('HSET', KEYS[1], unpack(cur_set))
end
if ARGV[3] == '1' then redis.call('HSET', KEYS[4], ARGV[4], ARGV[5]) end
return 1
)lua");
  const std::string key = prefix + ":o311:req:" + w.request_id;
  std::vector<std::string> args{std::to_string(w.at_us), std::to_string(w.fixed.size()), "1",
                                w.entry.event_id,
                                absl::StrCat(w.entry.at_us, "\t", w.entry.status, "\t",
                                             w.entry.note)};
  for (const auto& [k, v] : w.fixed) args.insert(args.end(), {k, v});
  for (const auto& [k, v] : w.current) args.insert(args.end(), {k, v});
  args.push_back(w.request_id);
  return client
      .Eval(kOld, {key, prefix + ":o311:idx", prefix + ":o311:tok:", key + ":history"}, args)
      .status();
}

// ADR 0028: one script call per batch, the writes of each request coalesced in C++. Random
// batches in the shapes the projection sends — the same request several times in a batch,
// out-of-order and equal at_us, fixed fields first sent later or with other values, whole batches
// delivered twice, a SCRIPT FLUSH in between, views written in ADR 0024's layout —
// leave exactly the keys one write at a time leaves (the packed fixed fields compared as fields),
// and the views, histories and tokens the in-memory store (the interface's reference) gives
// applying them one by one.
// With the parameter set, the first 200 writes are made by ADR 0024's script, one by one, before
// the batches start: its views are continued in their layout.
class Open311BatchEquivalenceTest : public testing::RedisFixture<::testing::TestWithParam<bool>> {
 protected:
  void SetUp() override {
    RedisFixture::SetUp();
    if (HasFatalFailure()) return;
    batched_prefix_ = testing::UniquePrefix("o311b");
    single_prefix_ = testing::UniquePrefix("o311s");
  }
  std::map<std::string, std::string> Hash(const std::string& key) {
    auto r = client_->Command({"HGETALL", key});
    EXPECT_TRUE(r.ok()) << r.status();
    std::map<std::string, std::string> out;
    if (!r.ok()) return out;
    for (size_t i = 0; i + 1 < r->elements.size(); i += 2) {
      out[r->elements[i].str] = r->elements[i + 1].str;
    }
    return out;
  }
  std::vector<std::string> Zset(const std::string& key) {
    auto r = client_->Command({"ZRANGE", key, "0", "-1", "WITHSCORES"});
    EXPECT_TRUE(r.ok()) << r.status();
    std::vector<std::string> out;
    if (r.ok()) {
      for (const auto& e : r->elements) out.push_back(e.str);
    }
    return out;
  }
  // The items of a "<length>:<bytes>" list (_fk, _fv).
  static std::vector<std::string> Items(const std::string& list) {
    std::vector<std::string> out;
    size_t p = 0;
    while (p < list.size()) {
      size_t colon = list.find(':', p);
      size_t len = std::stoul(list.substr(p, colon - p));
      out.push_back(list.substr(colon + 1, len));
      p = colon + 1 + len;
    }
    return out;
  }
  // A view's hash with its packed fixed fields (_fk, _fv) as "fixed:<name>" fields: their order
  // in the lists depends on the batches that added them.
  static std::map<std::string, std::string> Unpacked(std::map<std::string, std::string> h) {
    if (!h.count("_fk")) return h;
    std::vector<std::string> names = Items(h["_fk"]), values = Items(h["_fv"]);
    EXPECT_EQ(names.size(), values.size());
    for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
      h["fixed:" + names[i]] = values[i];
    }
    h.erase("_fk");
    h.erase("_fv");
    h["(packed)"] = "";
    return h;
  }
  std::string batched_prefix_, single_prefix_;
};

TEST_P(Open311BatchEquivalenceTest, ACoalescedBatchLeavesWhatOneWriteAtATimeLeaves) {
  RedisRequestStore batched(*client_, batched_prefix_);
  RedisRequestStore single(*client_, single_prefix_);
  InMemoryRequestStore reference;
  std::mt19937 rng(28);
  auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const int kRequests = 40;
  auto id_of = [](int r) { return absl::StrCat("EQUIV-", 10000 + r); };
  // Views written in ADR 0024's layout: fixed fields one by one, no _fk; they keep that layout.
  for (int r = 0; r < 4; ++r) {
    for (const std::string& prefix : {batched_prefix_, single_prefix_}) {
      ASSERT_TRUE(client_
                      ->Command({"HSET", prefix + ":o311:req:" + id_of(r), "service_request_id",
                                 id_of(r), "description", "legacy", "status", "open",
                                 "_updated_us", "5"})
                      .ok());
    }
    ASSERT_TRUE(reference
                    .Upsert(id_of(r), {{"service_request_id", id_of(r)}, {"description", "legacy"}},
                            {{"status", "open"}}, 5)
                    .ok());
  }
  std::vector<ViewWrite> all;
  for (int k = 0; k < 700; ++k) {
    if (k > 20 && pick(12) == 0) {  // an event delivered again
      all.push_back(all[static_cast<size_t>(pick(k))]);
      continue;
    }
    // A few requests take most writes, so a batch holds the same request several times.
    const int r = pick(3) == 0 ? pick(kRequests) : pick(6);
    ViewWrite w;
    w.request_id = id_of(r);
    w.fixed = {{"service_request_id", id_of(r)}, {"case_id", absl::StrCat("case-", r)}};
    // Fixed fields sent with other values by later events (the first writer wins), some only
    // by some events (set by the first that brings them).
    if (pick(3) != 0) w.fixed["description"] = absl::StrCat("text of event ", k);
    if (pick(2) == 0) w.fixed["requested_us"] = absl::StrCat(1000000 + 1000 * r + pick(100));
    if (pick(2) == 0) w.fixed["service_code"] = absl::StrCat("svc-", (r + pick(2)) % 3);
    if (pick(4) == 0) w.fixed["citizen_key"] = absl::StrCat("ck-", r);
    if (pick(5) == 0) w.fixed.clear();  // a note: no fixed fields
    // Current fields: some of four, replaced only by an event as new as the newest applied.
    const char* kCurrent[] = {"status", "detailed_status", "status_notes", "district"};
    for (const char* f : kCurrent) {
      if (pick(2) == 0) w.current[f] = absl::StrCat(f, "@", k);
    }
    w.at_us = 100 + k / 4 + pick(12);  // rising, out of order, often equal
    w.entry = HistoryEntry{absl::StrCat("ev-", k), w.at_us, absl::StrCat("s", pick(5)),
                           pick(2) == 0 ? "" : absl::StrCat("note\t", k)};
    all.push_back(std::move(w));
  }
  // After every batch: the same hashes (the marker's names as a set), histories, views, tokens.
  auto compare = [&](int* marked) {
    for (int r = 0; r < kRequests; ++r) {
      const std::string id = id_of(r);
      auto b = Unpacked(Hash(batched_prefix_ + ":o311:req:" + id));
      auto s = Unpacked(Hash(single_prefix_ + ":o311:req:" + id));
      if (b.count("(packed)")) ++*marked;
      EXPECT_EQ(b, s) << id;
      EXPECT_EQ(Hash(batched_prefix_ + ":o311:req:" + id + ":history"),
                Hash(single_prefix_ + ":o311:req:" + id + ":history"))
          << id;
      // The interface's reference: the same view, the same history, the same token.
      auto view = batched.Get(id);
      auto expected = reference.Get(id);
      ASSERT_TRUE(view.ok() && expected.ok());
      EXPECT_EQ(*view, *expected) << id;
      auto history = batched.History(id);
      auto expected_history = reference.History(id);
      ASSERT_TRUE(history.ok() && expected_history.ok());
      std::set<std::tuple<std::string, int64_t, std::string, std::string>> got, want;
      for (const auto& e : *history) got.insert({e.event_id, e.at_us, e.status, e.note});
      for (const auto& e : *expected_history) want.insert({e.event_id, e.at_us, e.status, e.note});
      EXPECT_EQ(got, want) << id;
      auto token = batched.FindByToken(absl::StrCat("case-", r));
      auto expected_token = reference.FindByToken(absl::StrCat("case-", r));
      ASSERT_TRUE(token.ok() && expected_token.ok());
      EXPECT_EQ(*token, *expected_token) << id;
    }
  };
  size_t at = 0;
  int batches = 0;
  int marked = 0;
  if (GetParam()) {
    for (; at < 200; ++at) {
      const ViewWrite& w = all[at];
      ASSERT_TRUE(OldScriptApply(*client_, batched_prefix_, w).ok());
      ASSERT_TRUE(OldScriptApply(*client_, single_prefix_, w).ok());
      ASSERT_TRUE(reference.Apply(w.request_id, w.fixed, w.current, w.at_us, w.entry).ok());
    }
    compare(&marked);
  }
  while (at < all.size() && !HasFailure()) {
    const size_t n = std::min(all.size() - at, static_cast<size_t>(1 + pick(120)));
    std::vector<ViewWrite> batch(all.begin() + static_cast<long>(at),
                                 all.begin() + static_cast<long>(at + n));
    at += n;
    const int times = pick(4) == 0 ? 2 : 1;  // a whole batch delivered again
    for (int t = 0; t < times; ++t) {
      if (++batches % 5 == 0) {
        // The server forgot the script (restarted): NOSCRIPT, loaded again by the same call.
        ASSERT_TRUE(client_->Command({"SCRIPT", "FLUSH"}).ok());
      }
      ASSERT_TRUE(batched.ApplyBatch(batch).ok());
      for (const ViewWrite& w : batch) {
        ASSERT_TRUE(single.Apply(w.request_id, w.fixed, w.current, w.at_us, w.entry).ok());
        ASSERT_TRUE(reference.Apply(w.request_id, w.fixed, w.current, w.at_us, w.entry).ok());
      }
      marked = 0;
      compare(&marked);
    }
  }
  ASSERT_GT(batches, 8);
  if (!GetParam()) {
    EXPECT_GT(marked, kRequests / 2) << "views created by the script keep their fixed fields packed";
  } else {
    EXPECT_LT(marked, kRequests) << "views the old script wrote keep their layout";
  }
  // The listing indexes: the same members with the same scores.
  EXPECT_EQ(Zset(batched_prefix_ + ":o311:idx"), Zset(single_prefix_ + ":o311:idx"));
  EXPECT_FALSE(Zset(batched_prefix_ + ":o311:idx").empty());
  for (int c = 0; c < 3; ++c) {
    const std::string code = absl::StrCat(":o311:idx:svc-", c);
    EXPECT_EQ(Zset(batched_prefix_ + code), Zset(single_prefix_ + code)) << code;
  }
  auto listed = batched.Query(RequestQuery{});
  auto expected_listed = single.Query(RequestQuery{});
  ASSERT_TRUE(listed.ok() && expected_listed.ok());
  EXPECT_EQ(*listed, *expected_listed);
}

INSTANTIATE_TEST_SUITE_P(Layouts, Open311BatchEquivalenceTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "AfterTheOldScript" : "New"; });

}  // namespace
}  // namespace teksin::channel_open311
