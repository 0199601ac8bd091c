// Intake's repeat and duplicate indexes (RedisLinkStore) against a real redis-server, and the
// same script of operations on the in-memory store used by the unit tests: both must agree.
#include <memory>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "intake/link_store.h"
#include "intake/redis_link_store.h"
#include "redis/client.h"
#include "support/suite_harness.h"

namespace teksin::intake {
namespace {

constexpr int64_t kHour = 3600LL * 1000 * 1000;
constexpr double kLat = 36.918, kLon = 34.895;  // Tarsus
constexpr double kDegPer100m = 0.0009;

OpenCase Open(const std::string& id, const std::string& citizen, const std::string& category,
              double lat, double lon, int64_t at) {
  return OpenCase{id, "TC-" + id, citizen, category, true, lat, lon, at};
}

class LinkStoreContract : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      infra_ = testing::LoadInfra();
      auto c = testing::ConnectRedis(infra_, &registry_);
      ASSERT_TRUE(c.ok()) << c.status();
      client_ = std::move(*c);
      prefix_ = testing::UniquePrefix("intake");
      store_ = std::make_unique<RedisLinkStore>(*client_, prefix_, absl::Seconds(60));
    } else {
      store_ = std::make_unique<InMemoryLinkStore>();
    }
  }
  testing::Infra infra_;
  metrics::Registry registry_;
  std::unique_ptr<redis::RedisClient> client_;
  std::string prefix_;
  std::unique_ptr<LinkStore> store_;
};

TEST_P(LinkStoreContract, TheFirstDecisionForAContactStays) {
  auto none = store_->GetDecision("contact-1");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());
  LinkDecision dup{LinkKind::kDuplicate, "case-1", "TC-case-1", 87.5};
  auto put = store_->PutDecision("contact-1", dup, absl::Hours(1));
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(*put, dup);
  // A racing second delivery decided differently: it gets the first answer back.
  auto second = store_->PutDecision("contact-1", LinkDecision{}, absl::Hours(1));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, dup);
  auto got = store_->GetDecision("contact-1");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, dup);
  LinkDecision repeat{LinkKind::kRepeat, "case-9", "TC-9", 0};
  ASSERT_TRUE(store_->PutDecision("contact-2", repeat, absl::Hours(1)).ok());
  EXPECT_EQ(**store_->GetDecision("contact-2"), repeat);
}

TEST_P(LinkStoreContract, RepeatIndexFindsTheCitizensEarliestOpenCaseOfTheCategory) {
  ASSERT_TRUE(store_->AddOpen(Open("c2", "cit-a", "yol-sokak", kLat, kLon, 2 * kHour)).ok());
  ASSERT_TRUE(store_->AddOpen(Open("c1", "cit-a", "yol-sokak", kLat, kLon, 1 * kHour)).ok());
  ASSERT_TRUE(store_->AddOpen(Open("c3", "cit-a", "cop-alinmadi", kLat, kLon, 0)).ok());
  auto mine = store_->OpenOfCitizen("cit-a", "yol-sokak");
  ASSERT_TRUE(mine.ok()) << mine.status();
  ASSERT_TRUE(mine->has_value());
  EXPECT_EQ((*mine)->case_id, "c1");
  EXPECT_EQ((*mine)->tracking_code, "TC-c1");
  EXPECT_NEAR((*mine)->lat, kLat, 1e-6);
  EXPECT_FALSE(store_->OpenOfCitizen("cit-b", "yol-sokak")->has_value());
  ASSERT_TRUE(store_->Close("c1").ok());
  EXPECT_EQ((*store_->OpenOfCitizen("cit-a", "yol-sokak"))->case_id, "c2");
  ASSERT_TRUE(store_->Close("c2").ok());
  EXPECT_FALSE(store_->OpenOfCitizen("cit-a", "yol-sokak")->has_value());
  // Reopened: found again.
  ASSERT_TRUE(store_->Reopen("c2", 5 * kHour).ok());
  EXPECT_EQ((*store_->OpenOfCitizen("cit-a", "yol-sokak"))->case_id, "c2");
  // A replayed AddOpen after the close changes nothing.
  ASSERT_TRUE(store_->AddOpen(Open("c1", "cit-a", "yol-sokak", kLat, kLon, 1 * kHour)).ok());
  EXPECT_EQ((*store_->OpenOfCitizen("cit-a", "yol-sokak"))->case_id, "c2");
  // Closing or reopening a case intake never indexed is harmless.
  EXPECT_TRUE(store_->Close("never-seen").ok());
  EXPECT_TRUE(store_->Reopen("never-seen-2", 0).ok());
}

TEST_P(LinkStoreContract, PlaceIndexByCategoryRadiusAndWindow) {
  ASSERT_TRUE(store_->AddOpen(Open("near-late", "a", "yol-sokak", kLat + 0.5 * kDegPer100m, kLon,
                                   10 * kHour)).ok());
  ASSERT_TRUE(store_->AddOpen(Open("first", "b", "yol-sokak", kLat + kDegPer100m, kLon,
                                   5 * kHour)).ok());
  ASSERT_TRUE(store_->AddOpen(Open("far", "c", "yol-sokak", kLat + 5 * kDegPer100m, kLon,
                                   7 * kHour)).ok());
  ASSERT_TRUE(store_->AddOpen(Open("other-cat", "d", "agac", kLat, kLon, 0)).ok());
  auto hit = store_->FirstOpenNear("yol-sokak", kLat, kLon, 150, 0);
  ASSERT_TRUE(hit.ok()) << hit.status();
  ASSERT_TRUE(hit->has_value());
  EXPECT_EQ((*hit)->open.case_id, "first");  // the earliest within the radius, not the nearest
  EXPECT_NEAR((*hit)->distance_m, 100, 2);
  // Window: "first" (5 h) is older than since (6 h) and leaves the index for good.
  hit = store_->FirstOpenNear("yol-sokak", kLat, kLon, 150, 6 * kHour);
  ASSERT_TRUE(hit.ok());
  EXPECT_EQ((*hit)->open.case_id, "near-late");
  hit = store_->FirstOpenNear("yol-sokak", kLat, kLon, 150, 0);
  EXPECT_EQ((*hit)->open.case_id, "near-late") << "trimmed entries do not come back";
  ASSERT_TRUE(store_->Close("near-late").ok());
  EXPECT_FALSE(store_->FirstOpenNear("yol-sokak", kLat, kLon, 150, 0)->has_value());
  EXPECT_EQ((*store_->FirstOpenNear("yol-sokak", kLat, kLon, 1000, 0))->open.case_id, "far");
  EXPECT_EQ((*store_->FirstOpenNear("agac", kLat, kLon, 10, 0))->open.case_id, "other-cat");
  // Reopened: back in the place index with the reopening time.
  ASSERT_TRUE(store_->Reopen("near-late", 20 * kHour).ok());
  hit = store_->FirstOpenNear("yol-sokak", kLat, kLon, 150, 15 * kHour);
  ASSERT_TRUE(hit->has_value());
  EXPECT_EQ((*hit)->open.case_id, "near-late");
  EXPECT_EQ((*hit)->open.registered_us, 20 * kHour);
}

DecideRequest Decide(const std::string& contact, const std::string& case_id,
                     const std::string& citizen, const std::string& category, double lat,
                     double lon, int64_t at, int64_t since) {
  DecideRequest r;
  r.contact = contact;
  r.case_id = case_id;
  r.category = category;
  r.citizen_key = citizen;
  r.search_repeat = true;
  r.search_place = true;
  r.lat = lat;
  r.lon = lon;
  r.radius_m = 150;
  r.since_us = since;
  r.ttl = absl::Hours(1);
  r.register_open = Open(case_id, citizen, category, lat, lon, at);
  return r;
}

TEST_P(LinkStoreContract, DecideAndRecordRegistersRepeatsDuplicatesAndKeepsTheFirstAnswer) {
  // A first contact: nothing open, so it is registered and indexed.
  auto first = store_->DecideAndRecord(Decide("k1", "c1", "cit-a", "yol-sokak", kLat, kLon,
                                              1 * kHour, 0));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, LinkDecision{});
  EXPECT_EQ((*store_->OpenOfCitizen("cit-a", "yol-sokak"))->case_id, "c1");
  // Its redelivery: the same answer, and c1 is not its own repeat.
  EXPECT_EQ(*store_->DecideAndRecord(Decide("k1", "c1", "cit-a", "yol-sokak", kLat, kLon,
                                            1 * kHour, 0)),
            LinkDecision{});
  // The same citizen again: a repeat of c1, and c2 is not indexed.
  auto repeat = store_->DecideAndRecord(Decide("k2", "c2", "cit-a", "yol-sokak",
                                               kLat + 10 * kDegPer100m, kLon, 2 * kHour, 0));
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_EQ(*repeat, (LinkDecision{LinkKind::kRepeat, "c1", "TC-c1", 0}));
  // Another citizen 100 m away: a duplicate of c1 (c2 was never indexed).
  auto dup = store_->DecideAndRecord(Decide("k3", "c3", "cit-b", "yol-sokak",
                                            kLat + kDegPer100m, kLon, 3 * kHour, 0));
  ASSERT_TRUE(dup.ok()) << dup.status();
  EXPECT_EQ(dup->kind, LinkKind::kDuplicate);
  EXPECT_EQ(dup->case_id, "c1");
  EXPECT_EQ(dup->tracking_code, "TC-c1");
  EXPECT_NEAR(dup->distance_m, 100, 2);
  EXPECT_FALSE(store_->FirstOpenNear("yol-sokak", kLat + 10 * kDegPer100m, kLon, 50, 0)
                   ->has_value());
  // Outside the window (since after c1's registration): registered, and indexed.
  auto late = store_->DecideAndRecord(Decide("k4", "c4", "cit-c", "yol-sokak",
                                             kLat + kDegPer100m, kLon, 9 * kHour, 5 * kHour));
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_EQ(*late, LinkDecision{});
  EXPECT_EQ((*store_->OpenOfCitizen("cit-c", "yol-sokak"))->case_id, "c4");
  // Place search off (a personal-need category or no coordinates): not a duplicate.
  DecideRequest no_place = Decide("k5", "c5", "cit-d", "yol-sokak", kLat + kDegPer100m, kLon,
                                  10 * kHour, 0);
  no_place.search_place = false;
  EXPECT_EQ(*store_->DecideAndRecord(no_place), LinkDecision{});
  // The duplicate's decision stays after c1 closes; a new contact there links to c4 instead.
  ASSERT_TRUE(store_->Close("c1").ok());
  EXPECT_EQ((*store_->DecideAndRecord(Decide("k3", "c3", "cit-b", "yol-sokak",
                                             kLat + kDegPer100m, kLon, 3 * kHour, 0)))
                .case_id,
            "c1");
  auto after = store_->DecideAndRecord(Decide("k6", "c6", "cit-e", "yol-sokak",
                                              kLat + kDegPer100m, kLon, 11 * kHour, 0));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->kind, LinkKind::kDuplicate);
  EXPECT_EQ(after->case_id, "c4");
  // Not searching at all (a suggestion): recorded as none and registered.
  DecideRequest suggestion = Decide("k7", "c7", "cit-a", "yol-sokak", kLat, kLon, 12 * kHour, 0);
  suggestion.search_repeat = suggestion.search_place = false;
  EXPECT_EQ(*store_->DecideAndRecord(suggestion), LinkDecision{});
  EXPECT_EQ(**store_->GetDecision("k7"), LinkDecision{});
  // A decision recorded by PutDecision is what DecideAndRecord answers.
  LinkDecision put{LinkKind::kRepeat, "c9", "TC-c9", 0};
  ASSERT_TRUE(store_->PutDecision("k8", put, absl::Hours(1)).ok());
  EXPECT_EQ(*store_->DecideAndRecord(Decide("k8", "c8", "cit-z", "agac", kLat, kLon, 0, 0)), put);
  EXPECT_FALSE(store_->OpenOfCitizen("cit-z", "agac")->has_value()) << "linked: not indexed";
}

TEST_P(LinkStoreContract, DecideAndRecordManyDecidesInOrderAsOneByOne) {
  std::vector<DecideRequest> batch{
      Decide("m1", "b1", "cit-a", "yol-sokak", kLat, kLon, 1 * kHour, 0),
      Decide("m2", "b2", "cit-a", "yol-sokak", kLat, kLon, 2 * kHour, 0),
      Decide("m3", "b3", "cit-b", "yol-sokak", kLat + kDegPer100m, kLon, 3 * kHour, 0),
      Decide("m4", "b4", "cit-c", "agac", kLat, kLon, 4 * kHour, 0)};
  auto decided = store_->DecideAndRecordMany(batch);
  ASSERT_TRUE(decided.ok()) << decided.status();
  ASSERT_EQ(decided->size(), 4u);
  EXPECT_EQ((*decided)[0], LinkDecision{});
  EXPECT_EQ((*decided)[1], (LinkDecision{LinkKind::kRepeat, "b1", "TC-b1", 0}));
  EXPECT_EQ((*decided)[2].kind, LinkKind::kDuplicate);
  EXPECT_EQ((*decided)[2].case_id, "b1");
  EXPECT_EQ((*decided)[3], LinkDecision{});
  // The same batch again (a redelivery): the same answers, nothing indexed twice.
  ASSERT_TRUE(store_->Close("b1").ok());
  auto again = store_->DecideAndRecordMany(batch);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *decided);
  EXPECT_FALSE(store_->OpenOfCitizen("cit-a", "yol-sokak")->has_value())
      << "b2 was linked, not indexed; b1 stays closed";
  EXPECT_TRUE(store_->DecideAndRecordMany({})->empty());
}

INSTANTIATE_TEST_SUITE_P(Stores, LinkStoreContract, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Redis" : "InMemory"; });

TEST(RedisLinkStore, ClosedCasesExpireAndAnUnreachableServerIsTransient) {
  auto infra = testing::LoadInfra();
  redis::RedisConfig rc;
  rc.url = infra.redis_url;
  auto client = redis::RedisClient::Create(rc, nullptr, "test");
  ASSERT_TRUE(client.ok());
  const std::string prefix = testing::UniquePrefix("intake");
  RedisLinkStore store(**client, prefix, absl::Seconds(60));
  ASSERT_TRUE(store.AddOpen(Open("c1", "a", "yol-sokak", kLat, kLon, 0)).ok());
  auto ttl = (*client)->Command({"TTL", prefix + ":intake:case:c1"});
  EXPECT_EQ(ttl->integer, -1) << "an open case never expires";
  ASSERT_TRUE(store.Close("c1").ok());
  ttl = (*client)->Command({"TTL", prefix + ":intake:case:c1"});
  EXPECT_GT(ttl->integer, 0);
  EXPECT_LE(ttl->integer, 60);
  ASSERT_TRUE(store.PutDecision("x", LinkDecision{}, absl::Hours(2)).ok());
  ttl = (*client)->Command({"TTL", prefix + ":intake:decision:x"});
  EXPECT_GT(ttl->integer, 7000);

  // DecideAndRecord is one round trip (ADR 0024), whether it registers, links or replays.
  metrics::Registry counted;
  auto one = redis::RedisClient::Create(rc, &counted, "one");
  ASSERT_TRUE(one.ok());
  RedisLinkStore single(**one, prefix, absl::Seconds(60));
  auto round_trips = [&counted] {
    const std::string text = counted.Render();
    const std::string name = "teksin_one_redis_command_duration_seconds_count ";
    auto at = text.find(name);
    return at == std::string::npos ? -1 : std::stoi(text.substr(at + name.size()));
  };
  // (The first call may load the script: EVALSHA, then EVAL.)
  ASSERT_TRUE(single.DecideAndRecord(Decide("d1", "x1", "a", "yol-sokak", kLat, kLon, 1, 0)).ok());
  const int base = round_trips();
  ASSERT_GE(base, 1);
  auto linked = single.DecideAndRecord(Decide("d2", "x2", "a", "yol-sokak", kLat, kLon, 2, 0));
  ASSERT_TRUE(linked.ok());
  EXPECT_EQ(linked->kind, LinkKind::kRepeat);
  EXPECT_EQ(round_trips(), base + 1);
  ASSERT_TRUE(single.DecideAndRecord(Decide("d2", "x2", "a", "yol-sokak", kLat, kLon, 2, 0)).ok());
  EXPECT_EQ(round_trips(), base + 2);
  ASSERT_TRUE(single.DecideAndRecord(Decide("d3", "x3", "b", "agac", kLat, kLon, 3, 0)).ok());
  EXPECT_EQ(round_trips(), base + 3);

  // A batch is one round trip, and survives a server that forgot the script.
  ASSERT_TRUE((*one)->Command({"SCRIPT", "FLUSH"}).ok());
  std::vector<DecideRequest> batch{Decide("n1", "y1", "p", "su-ariza", kLat, kLon, 5, 0),
                                   Decide("n2", "y2", "p", "su-ariza", kLat, kLon, 6, 0)};
  auto many = single.DecideAndRecordMany(batch);
  ASSERT_TRUE(many.ok()) << many.status();
  EXPECT_EQ((*many)[1].kind, LinkKind::kRepeat);
  const int before_batch = round_trips();
  ASSERT_TRUE(single.DecideAndRecordMany(batch).ok());
  EXPECT_EQ(round_trips(), before_batch + 1);

  redis::RedisConfig absent;
  absent.url = absl::StrCat("redis://127.0.0.1:", testing::FreePort());
  absent.connect_timeout = std::chrono::milliseconds(300);
  auto down = redis::RedisClient::Create(absent, nullptr, "absent");
  ASSERT_TRUE(down.ok());
  RedisLinkStore unreachable(**down, prefix);
  EXPECT_EQ(unreachable.GetDecision("x").status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace teksin::intake
