// The call-centre case index in a real redis-server (ADR 0026): generated updates — out of order
// across topics, redelivered, coordinates and categories arriving late, statuses that leave the
// GEO sets — applied in batches by RedisCaseIndex::ApplyBatch end exactly where the in-memory
// index (Merge, one update at a time) ends, and exactly where the script before ADR 0026 (one
// call per update, tools/bench_callcenter_index/legacy_case_index.h) left Redis: the same case
// hashes, citizen sorted sets with the same scores and GEO sets with the same members and
// positions. A redelivered batch changes nothing.
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bench_callcenter_index/case_updates.h"
#include "bench_callcenter_index/legacy_case_index.h"
#include "channel_callcenter/case_index.h"
#include "channel_callcenter/redis_case_index.h"
#include "gtest/gtest.h"
#include "redis/client.h"
#include "support/redis_fixture.h"
#include "support/suite_harness.h"

namespace teksin::channel_callcenter {
namespace {

using bench_callcenter::GenerateCaseUpdates;
using bench_callcenter::LegacyApply;

class CaseIndexRedisTest : public testing::RedisFixture<> {
 protected:
  void SetUp() override {
    RedisFixture::SetUp();
    if (HasFatalFailure()) return;
  }

  // Every key under "<prefix>:cc:" with its content, the prefix cut off; the new script's
  // bookkeeping fields (_z, _g) left out of the case hashes.
  std::map<std::string, std::string> Dump(const std::string& prefix) {
    const std::string ns = prefix + ":cc:";
    std::map<std::string, std::string> out;
    std::string cursor = "0";
    do {
      auto r = client_->Command({"SCAN", cursor, "MATCH", ns + "*", "COUNT", "1000"});
      EXPECT_TRUE(r.ok()) << r.status();
      if (!r.ok()) return out;
      cursor = r->elements[0].str;
      for (const auto& k : r->elements[1].elements) {
        auto type = client_->Command({"TYPE", k.str});
        std::string text = type->str + ":";
        if (type->str == "hash") {
          auto h = client_->Command({"HGETALL", k.str});
          std::map<std::string, std::string> fields;
          for (size_t i = 0; i + 1 < h->elements.size(); i += 2) {
            if (absl::StartsWith(h->elements[i].str, "_")) continue;
            fields[h->elements[i].str] = h->elements[i + 1].str;
          }
          for (const auto& [f, v] : fields) absl::StrAppend(&text, f, "=", v, ";");
        } else {
          auto z = client_->Command({"ZRANGE", k.str, "0", "-1", "WITHSCORES"});
          for (const auto& e : z->elements) absl::StrAppend(&text, e.str, ";");
        }
        out[k.str.substr(ns.size())] = text;
      }
    } while (cursor != "0");
    return out;
  }

  // Equal dumps, the differing keys named (at most five).
  static void ExpectSameState(const std::map<std::string, std::string>& want,
                              const std::map<std::string, std::string>& got) {
    EXPECT_EQ(got.size(), want.size());
    int shown = 0;
    for (const auto& [k, v] : want) {
      auto it = got.find(k);
      const std::string have = it == got.end() ? "(missing)" : it->second;
      if (have != v && ++shown <= 5) ADD_FAILURE() << k << "\n want " << v << "\n got  " << have;
    }
    for (const auto& [k, v] : got) {
      if (!want.count(k) && ++shown <= 5) ADD_FAILURE() << k << " not expected: " << v;
    }
  }

  static void ExpectSameRecord(const CaseRecord& want, const CaseRecord& got) {
    SCOPED_TRACE(want.case_id);
    EXPECT_EQ(got.case_id, want.case_id);
    EXPECT_EQ(got.tracking_code, want.tracking_code);
    EXPECT_EQ(got.citizen_key, want.citizen_key);
    EXPECT_EQ(got.category, want.category);
    EXPECT_EQ(got.channel, want.channel);
    EXPECT_EQ(got.request_type, want.request_type);
    EXPECT_EQ(got.has_coordinates, want.has_coordinates);
    EXPECT_DOUBLE_EQ(got.lat, want.lat);
    EXPECT_DOUBLE_EQ(got.lon, want.lon);
    EXPECT_EQ(got.received_us, want.received_us);
    EXPECT_EQ(got.status, want.status);
    EXPECT_EQ(got.district, want.district);
    EXPECT_EQ(got.neighbourhood, want.neighbourhood);
    EXPECT_EQ(got.owner_id, want.owner_id);
    EXPECT_EQ(got.owner_name, want.owner_name);
    EXPECT_EQ(got.owner_kind, want.owner_kind);
    EXPECT_EQ(got.deadline_us, want.deadline_us);
    EXPECT_EQ(got.closed_us, want.closed_us);
    EXPECT_EQ(got.updated_us, want.updated_us);
  }

  // Applies the updates through ApplyBatch in batches of 1 to max_batch, in order.
  void ApplyInBatches(RedisCaseIndex& index, const std::vector<CaseUpdate>& updates,
                      size_t max_batch, uint64_t seed) {
    std::mt19937_64 rng(seed);
    for (size_t i = 0; i < updates.size();) {
      size_t n = std::min(updates.size() - i, 1 + static_cast<size_t>(rng() % max_batch));
      std::vector<CaseUpdate> batch(updates.begin() + static_cast<std::ptrdiff_t>(i),
                                    updates.begin() + static_cast<std::ptrdiff_t>(i + n));
      ASSERT_TRUE(index.ApplyBatch(batch).ok());
      i += n;
    }
  }

};

TEST_F(CaseIndexRedisTest, BatchesEndWhereTheMergeRulesAndTheOldScriptEnd) {
  const auto updates = GenerateCaseUpdates(400, 7);
  ASSERT_GT(updates.size(), 1500u);

  // The oracle: Merge, one update at a time.
  InMemoryCaseIndex oracle;
  for (const auto& u : updates) ASSERT_TRUE(oracle.Apply(u).ok());
  // The old script, one call per update.
  const std::string legacy = testing::UniquePrefix("ccold");
  for (const auto& u : updates) ASSERT_TRUE(LegacyApply(*client_, legacy + ":cc", u).ok());
  // The batched script.
  const std::string prefix = testing::UniquePrefix("ccnew");
  RedisCaseIndex index(*client_, prefix);
  ApplyInBatches(index, updates, 200, 11);

  std::set<std::string> ids, citizens, categories;
  for (const auto& u : updates) {
    ids.insert(u.record.case_id);
    if (!u.record.citizen_key.empty()) citizens.insert(u.record.citizen_key);
    if (!u.record.category.empty()) categories.insert(u.record.category);
  }
  // The records.
  for (const auto& id : ids) {
    auto want = oracle.Get(id);
    ASSERT_TRUE(want.has_value());
    auto got = index.Get(id);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_TRUE(got->has_value()) << id;
    ExpectSameRecord(*want, **got);
  }
  // The callers' histories, newest first.
  for (const auto& ck : citizens) {
    auto want = oracle.ByCitizen(ck, 100);
    auto got = index.ByCitizen(ck, 100);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(got->size(), want->size()) << ck;
    for (size_t i = 0; i < want->size(); ++i) EXPECT_EQ((*got)[i].case_id, (*want)[i].case_id);
  }
  // The GEO index: the same open, registered cases with coordinates.
  auto geo = client_->Command({"ZRANGE", prefix + ":cc:geo:all", "0", "-1"});
  ASSERT_TRUE(geo.ok());
  std::set<std::string> members;
  for (const auto& e : geo->elements) members.insert(e.str);
  EXPECT_EQ(members, oracle.GeoMembers());
  EXPECT_GT(members.size(), 20u);
  EXPECT_LT(members.size(), ids.size());
  // The nearby search, per category, around a few indexed cases.
  int searched = 0;
  for (const auto& id : oracle.GeoMembers()) {
    if (++searched > 25) break;
    const CaseRecord c = *oracle.Get(id);
    for (const std::string& category : {std::string(), c.category}) {
      auto want = oracle.Nearby(c.lat, c.lon, 5000, category, 100);
      auto got = index.Nearby(c.lat, c.lon, 5000, category, 100);
      ASSERT_TRUE(got.ok()) << got.status();
      std::set<std::string> want_ids, got_ids;
      for (const auto& n : *want) want_ids.insert(n.record.case_id);
      for (const auto& n : *got) got_ids.insert(n.record.case_id);
      EXPECT_EQ(got_ids, want_ids) << id << " " << category;
    }
  }
  // Redis as the old script left it: every hash, score and GEO position.
  auto old_state = Dump(legacy);
  auto new_state = Dump(prefix);
  EXPECT_GT(old_state.size(), ids.size() + citizens.size());
  ExpectSameState(old_state, new_state);
}

TEST_F(CaseIndexRedisTest, ARedeliveredBatchChangesNothing) {
  const auto updates = GenerateCaseUpdates(150, 21);
  const std::string prefix = testing::UniquePrefix("ccredo");
  RedisCaseIndex index(*client_, prefix);
  ApplyInBatches(index, updates, 64, 5);
  const auto before = Dump(prefix);
  // Raw, with the bookkeeping fields.
  auto raw = [&] {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : before) {
      if (!absl::StartsWith(k, "case:")) continue;
      auto h = client_->Command({"HGETALL", prefix + ":cc:" + k});
      std::string text;
      for (const auto& e : h->elements) absl::StrAppend(&text, e.str, ";");
      out[k] = text;
    }
    return out;
  };
  const auto raw_before = raw();
  for (size_t start : {size_t{0}, updates.size() / 3, updates.size() - 100}) {
    std::vector<CaseUpdate> again(updates.begin() + static_cast<std::ptrdiff_t>(start),
                                  updates.begin() + static_cast<std::ptrdiff_t>(start + 100));
    ASSERT_TRUE(index.ApplyBatch(again).ok());
    ExpectSameState(before, Dump(prefix));
    EXPECT_EQ(raw(), raw_before);
  }
  // The whole stream again, in one batch.
  ASSERT_TRUE(index.ApplyBatch(updates).ok());
  ExpectSameState(before, Dump(prefix));
}

TEST_F(CaseIndexRedisTest, TheBatchedScriptContinuesWhatTheOldScriptWrote) {
  // A running index upgraded half-way: the case hashes have no bookkeeping fields yet.
  const auto updates = GenerateCaseUpdates(200, 33);
  const std::string legacy = testing::UniquePrefix("ccall");
  for (const auto& u : updates) ASSERT_TRUE(LegacyApply(*client_, legacy + ":cc", u).ok());
  const std::string prefix = testing::UniquePrefix("ccmix");
  const size_t half = updates.size() / 2;
  for (size_t i = 0; i < half; ++i) {
    ASSERT_TRUE(LegacyApply(*client_, prefix + ":cc", updates[i]).ok());
  }
  RedisCaseIndex index(*client_, prefix);
  ApplyInBatches(index, std::vector<CaseUpdate>(updates.begin() + half, updates.end()), 50, 9);
  ExpectSameState(Dump(legacy), Dump(prefix));
}

TEST_F(CaseIndexRedisTest, OneCaseInOneBatchFollowsItsEventsInOrder) {
  // Coordinates arrive with the routing, the case is resolved and reopened within one batch, and
  // an older "rejected" redelivered after that changes nothing.
  const std::string prefix = testing::UniquePrefix("ccone");
  RedisCaseIndex index(*client_, prefix);
  InMemoryCaseIndex oracle;
  auto at = [](int64_t t, v1::CaseStatus s) {
    CaseUpdate u;
    u.at_us = t;
    u.record.case_id = "case-1";
    u.record.citizen_key = "ck-1";
    u.record.category = "su-ariza";
    u.record.received_us = 1000;
    u.record.status = s;
    return u;
  };
  std::vector<CaseUpdate> batch{at(1000, v1::CASE_STATUS_RECEIVED),
                                at(2000, v1::CASE_STATUS_REGISTERED)};
  CaseUpdate routed = at(3000, v1::CASE_STATUS_ROUTED);
  routed.record.has_coordinates = true;
  routed.record.lat = 36.8;
  routed.record.lon = 34.6;
  batch.push_back(routed);
  batch.push_back(at(5000, v1::CASE_STATUS_RESOLVED));
  batch.push_back(at(6000, v1::CASE_STATUS_CLOSED));
  batch.push_back(at(7000, v1::CASE_STATUS_REOPENED));
  batch.push_back(at(2500, v1::CASE_STATUS_REJECTED));
  batch.push_back(at(900, v1::CASE_STATUS_RECEIVED));
  ASSERT_TRUE(index.ApplyBatch(batch).ok());
  for (const auto& u : batch) ASSERT_TRUE(oracle.Apply(u).ok());
  auto got = index.Get("case-1");
  ASSERT_TRUE(got.ok() && got->has_value());
  ExpectSameRecord(*oracle.Get("case-1"), **got);
  EXPECT_EQ((*got)->status, v1::CASE_STATUS_REOPENED);
  EXPECT_EQ((*got)->closed_us, 0);
  auto near = index.Nearby(36.8, 34.6, 100, "su-ariza", 10);
  ASSERT_TRUE(near.ok());
  ASSERT_EQ(near->size(), 1u);
  // Resolved in a batch of its own: out of both GEO sets.
  ASSERT_TRUE(index.ApplyBatch({at(8000, v1::CASE_STATUS_RESOLVED)}).ok());
  EXPECT_TRUE(index.Nearby(36.8, 34.6, 100, "su-ariza", 10)->empty());
  EXPECT_EQ(client_->Command({"ZCARD", prefix + ":cc:geo:all"})->integer, 0);
  EXPECT_EQ(client_->Command({"ZCARD", prefix + ":cc:geo:cat:su-ariza"})->integer, 0);
  EXPECT_EQ(index.ApplyBatch({at(1, v1::CASE_STATUS_RECEIVED), CaseUpdate{}}).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace teksin::channel_callcenter
