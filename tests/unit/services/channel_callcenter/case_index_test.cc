// The in-memory case index: the merge rules the Redis index's Lua script also follows, and the
// GEO double's distances.
#include "channel_callcenter/case_index.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/status.h"

namespace teksin::channel_callcenter {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

CaseUpdate At(int64_t at_us, v1::CaseStatus status, const std::string& id = "case-1") {
  CaseUpdate u;
  u.at_us = at_us;
  u.record.case_id = id;
  u.record.tracking_code = "7KQ2M-X9D4F";
  u.record.citizen_key = "ck1_abc";
  u.record.category = "yol-sokak";
  u.record.channel = v1::CHANNEL_CALL_CENTER;
  u.record.received_us = 1000;
  u.record.has_coordinates = true;
  u.record.lat = 36.918;
  u.record.lon = 34.895;
  u.record.status = status;
  return u;
}

TEST(CaseIndexTest, IdentityIsKeptFromTheFirstEventAndEmptyValuesEraseNothing) {
  InMemoryCaseIndex index;
  CaseUpdate routed = At(3000, v1::CASE_STATUS_ROUTED);
  routed.record.owner_id = "ilce-tarsus";
  routed.record.owner_name = "Tarsus Belediyesi";
  routed.record.owner_kind = v1::OWNER_KIND_DISTRICT_MUNICIPALITY;
  routed.record.district = "Tarsus";
  routed.record.deadline_us = 99000;
  ASSERT_OK(index.Apply(routed));
  CaseUpdate claimed = At(4000, v1::CASE_STATUS_IN_PROGRESS);
  claimed.record.tracking_code = "SOMETHING-ELSE";
  claimed.record.lat = 1;  // identity never moves
  ASSERT_OK(index.Apply(claimed));
  auto r = index.Get("case-1");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, v1::CASE_STATUS_IN_PROGRESS);
  EXPECT_EQ(r->tracking_code, "7KQ2M-X9D4F");
  EXPECT_DOUBLE_EQ(r->lat, 36.918);
  EXPECT_EQ(r->owner_id, "ilce-tarsus");
  EXPECT_EQ(r->district, "Tarsus");
  EXPECT_EQ(r->deadline_us, 99000);
  EXPECT_EQ(r->updated_us, 4000);
  EXPECT_EQ(r->closed_us, 0);
}

TEST(CaseIndexTest, ClosedAtIsTheFirstClosingAndTheGeoSetFollowsTheStatus) {
  InMemoryCaseIndex index;
  ASSERT_OK(index.Apply(At(1000, v1::CASE_STATUS_RECEIVED)));
  EXPECT_THAT(index.GeoMembers(), IsEmpty());
  ASSERT_OK(index.Apply(At(2000, v1::CASE_STATUS_REGISTERED)));
  EXPECT_THAT(index.GeoMembers(), ElementsAre("case-1"));
  ASSERT_OK(index.Apply(At(5000, v1::CASE_STATUS_RESOLVED)));
  EXPECT_THAT(index.GeoMembers(), IsEmpty());
  ASSERT_OK(index.Apply(At(6000, v1::CASE_STATUS_CLOSED)));
  EXPECT_EQ(index.Get("case-1")->closed_us, 5000);
  EXPECT_EQ(index.Get("case-1")->status, v1::CASE_STATUS_CLOSED);
  ASSERT_OK(index.Apply(At(7000, v1::CASE_STATUS_REOPENED)));
  EXPECT_EQ(index.Get("case-1")->closed_us, 0);
  EXPECT_THAT(index.GeoMembers(), ElementsAre("case-1"));
  // An older event arriving late changes nothing.
  ASSERT_OK(index.Apply(At(2000, v1::CASE_STATUS_REJECTED)));
  EXPECT_EQ(index.Get("case-1")->status, v1::CASE_STATUS_REOPENED);
  EXPECT_THAT(index.GeoMembers(), ElementsAre("case-1"));
}

TEST(CaseIndexTest, ACaseWithoutCoordinatesIsNeverInTheGeoSet) {
  InMemoryCaseIndex index;
  CaseUpdate u = At(2000, v1::CASE_STATUS_REGISTERED);
  u.record.has_coordinates = false;
  u.record.lat = u.record.lon = 0;
  ASSERT_OK(index.Apply(u));
  EXPECT_THAT(index.GeoMembers(), IsEmpty());
  EXPECT_THAT(index.ByCitizen("ck1_abc", 10).value(), ::testing::SizeIs(1));
  EXPECT_CODE(index.Apply(At(1, v1::CASE_STATUS_REGISTERED, "")),
              absl::StatusCode::kInvalidArgument);
}

TEST(CaseIndexTest, DistancesAreRedisHaversine) {
  // Mersin's clock tower to Tarsus' Cleopatra Gate, about 27 km.
  EXPECT_NEAR(GeoDistanceMeters(36.7963, 34.6270, 36.9170, 34.8928), 27000, 1500);
  EXPECT_DOUBLE_EQ(GeoDistanceMeters(36.9, 34.9, 36.9, 34.9), 0);
  // One thousandth of a degree of latitude.
  EXPECT_NEAR(GeoDistanceMeters(36.9, 34.9, 36.901, 34.9), 111.23, 0.01);
}

}  // namespace
}  // namespace teksin::channel_callcenter
