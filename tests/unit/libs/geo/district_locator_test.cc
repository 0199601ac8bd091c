// Point-to-district over the real Mersin boundary file (shared/data/mersin-boundaries). The
// sample points were checked against the file's polygons before being written down here.
#include "geo/district_locator.h"

#include <random>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/paths.h"
#include "support/status.h"

namespace teksin::geo {
namespace {

using ::testing::Contains;
using ::testing::Optional;
using ::testing::SizeIs;

const DistrictLocator& RealDistricts() {
  static const DistrictLocator kDistricts = teksin::testing::OrDie(
      DistrictLocator::FromGeoJsonFile(teksin::testing::BoundaryFile()), "district boundaries");
  return kDistricts;
}

TEST(DistrictLocatorTest, KnowsTheThirteenDistricts) {
  EXPECT_THAT(RealDistricts().Districts(),
              ::testing::ElementsAre("Akdeniz", "Anamur", "Aydıncık", "Bozyazı", "Erdemli",
                                     "Gülnar", "Mezitli", "Mut", "Silifke", "Tarsus", "Toroslar",
                                     "Yenişehir", "Çamlıyayla"));
  EXPECT_TRUE(RealDistricts().Has("Tarsus"));
  EXPECT_FALSE(RealDistricts().Has("Adana"));
  EXPECT_FALSE(RealDistricts().Has("tarsus"));
}

TEST(DistrictLocatorTest, CentralTarsus) {
  EXPECT_THAT(RealDistricts().Locate(36.918, 34.895), Optional(std::string("Tarsus")));
}

TEST(DistrictLocatorTest, Mezitli) {
  EXPECT_THAT(RealDistricts().Locate(36.75, 34.52), Optional(std::string("Mezitli")));
}

TEST(DistrictLocatorTest, CentralMersin) {
  EXPECT_THAT(RealDistricts().Locate(36.80, 34.64), Optional(std::string("Akdeniz")));
  EXPECT_THAT(RealDistricts().Locate(36.79, 34.59), Optional(std::string("Yenişehir")));
}

TEST(DistrictLocatorTest, SilifkeAndAnamurOnTheWestCoast) {
  EXPECT_THAT(RealDistricts().Locate(36.377, 33.934), Optional(std::string("Silifke")));
  EXPECT_THAT(RealDistricts().Locate(36.08, 32.83), Optional(std::string("Anamur")));
}

TEST(DistrictLocatorTest, AdanaIsOutsideMersin) {
  EXPECT_EQ(RealDistricts().Locate(37.0, 35.32), std::nullopt);
}

TEST(DistrictLocatorTest, TheSeaIsInNoDistrict) {
  EXPECT_EQ(RealDistricts().Locate(36.0, 33.0), std::nullopt);
}

TEST(DistrictLocatorTest, LatitudeAndLongitudeAreNotSwapped) {
  // (lon, lat) passed by mistake lands in Syria, outside every district.
  EXPECT_EQ(RealDistricts().Locate(34.895, 36.918), std::nullopt);
}

TEST(DistrictLocatorTest, RandomPointsLandBackInTheirDistrict) {
  std::mt19937_64 rng(20260522);
  auto districts = RealDistricts().Districts();
  ASSERT_THAT(districts, SizeIs(13));
  for (const auto& d : districts) {
    for (int i = 0; i < 20; ++i) {
      auto p = RealDistricts().RandomPointIn(d, rng);
      ASSERT_TRUE(p.has_value()) << d;
      EXPECT_THAT(RealDistricts().Locate(p->lat, p->lon), Optional(d))
          << d << " at " << p->lat << "," << p->lon;
      // Mersin lies between 35.8-37.5 N and 32.5-35.2 E.
      EXPECT_GT(p->lat, 35.8);
      EXPECT_LT(p->lat, 37.5);
      EXPECT_GT(p->lon, 32.5);
      EXPECT_LT(p->lon, 35.2);
    }
  }
}

TEST(DistrictLocatorTest, NoRandomPointInAnUnknownDistrict) {
  std::mt19937_64 rng(1);
  EXPECT_EQ(RealDistricts().RandomPointIn("Adana", rng).has_value(), false);
}

TEST(DistrictLocatorLoadTest, HolesAreOutside) {
  auto loc = DistrictLocator::FromGeoJson(R"({"type":"FeatureCollection","features":[
    {"type":"Feature","properties":{"name":"Ring"},
     "geometry":{"type":"Polygon","coordinates":[
       [[0,0],[10,0],[10,10],[0,10],[0,0]],
       [[4,4],[6,4],[6,6],[4,6],[4,4]]]}}]})");
  ASSERT_OK(loc);
  EXPECT_THAT(loc->Locate(2, 2), Optional(std::string("Ring")));
  EXPECT_EQ(loc->Locate(5, 5), std::nullopt);
  EXPECT_EQ(loc->Locate(11, 5), std::nullopt);
}

TEST(DistrictLocatorLoadTest, RejectsWhatIsNotABoundaryFile) {
  EXPECT_CODE(DistrictLocator::FromGeoJson("[]"), absl::StatusCode::kInvalidArgument);
  EXPECT_CODE(DistrictLocator::FromGeoJson(R"({"type":"FeatureCollection","features":[]})"),
              absl::StatusCode::kInvalidArgument);
  EXPECT_CODE(DistrictLocator::FromGeoJson(R"({"features":[{"properties":{"name":"P"},
      "geometry":{"type":"Point","coordinates":[1,2]}}]})"),
              absl::StatusCode::kInvalidArgument);
  EXPECT_CODE(DistrictLocator::FromGeoJson(R"({"features":[{"properties":{"ad":"P"},
      "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]})"),
              absl::StatusCode::kInvalidArgument);
  EXPECT_CODE(DistrictLocator::FromGeoJsonFile("/nonexistent.geojson"),
              absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace teksin::geo
