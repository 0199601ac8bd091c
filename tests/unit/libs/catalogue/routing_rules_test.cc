// Routing rules as data (deploy/config/routing-rules.json), over the real catalogue and the 13
// districts of the boundary file.
#include "catalogue/routing_rules.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/reference_data.h"
#include "support/status.h"

namespace teksin::catalogue {
namespace {

using ::teksin::testing::RealCatalogue;
using ::teksin::testing::RealDistricts;
using ::teksin::testing::RealRules;
using ::testing::HasSubstr;

TEST(RoutingRulesTest, RealFileLoads) {
  auto rules = RoutingRules::LoadFile(teksin::testing::ConfigFile("routing-rules.json"),
                                      RealCatalogue(), RealDistricts().Districts());
  ASSERT_OK(rules);
  EXPECT_EQ(rules->version(), "2026-11-28.1");
  EXPECT_EQ(rules->default_owner(), "koordinasyon");
}

TEST(RoutingRulesTest, LocalStreetInTarsusGoesToTarsusMunicipality) {
  Decision d = RealRules()->Decide("yol-sokak", "Tarsus");
  EXPECT_EQ(d.owner.id, "ilce-tarsus");
  EXPECT_EQ(d.owner.kind, v1::OWNER_KIND_DISTRICT_MUNICIPALITY);
  EXPECT_EQ(d.owner.district, "Tarsus");
  EXPECT_EQ(d.rule_id, "R-yol-sokak");
}

TEST(RoutingRulesTest, AtDistrictFollowsTheCasesDistrict) {
  EXPECT_EQ(RealRules()->Decide("yol-sokak", "Yenişehir").owner.id, "ilce-yenisehir");
  EXPECT_EQ(RealRules()->Decide("cop-alinmadi", "Çamlıyayla").owner.id, "ilce-camliyayla");
}

TEST(RoutingRulesTest, DistrictRuleWinsOverTheStarRule) {
  // Parks in the four central districts are the metropolitan Park ve Bahçeler's.
  Decision central = RealRules()->Decide("park-bakim", "Mezitli");
  EXPECT_EQ(central.owner.id, "park-bahceler");
  EXPECT_EQ(central.rule_id, "R-park-bakim-merkez");
  // Elsewhere the district municipality's.
  Decision tarsus = RealRules()->Decide("park-bakim", "Tarsus");
  EXPECT_EQ(tarsus.owner.id, "ilce-tarsus");
  EXPECT_EQ(tarsus.rule_id, "R-park-bakim");
}

TEST(RoutingRulesTest, MetropolitanAndOutsideOwners) {
  EXPECT_EQ(RealRules()->Decide("yol-ana-arter", "Tarsus").owner.id, "yol-yapim");
  Decision water = RealRules()->Decide("su-ariza", "Mut");
  EXPECT_EQ(water.owner.id, "meski");
  EXPECT_EQ(water.owner.kind, v1::OWNER_KIND_UTILITY);
  Decision power = RealRules()->Decide("elektrik", "Anamur");
  EXPECT_EQ(power.owner.id, "toroslar-edas");
  EXPECT_EQ(power.owner.kind, v1::OWNER_KIND_EXTERNAL_INSTITUTION);
}

TEST(RoutingRulesTest, UnknownCategoryGoesToTheCoordinationCentre) {
  Decision d = RealRules()->Decide("ufo-sighting", "Tarsus");
  EXPECT_EQ(d.owner.id, "koordinasyon");
  EXPECT_EQ(d.owner.kind, v1::OWNER_KIND_COORDINATION_CENTRE);
  EXPECT_EQ(d.rule_id, "default");
}

TEST(RoutingRulesTest, DistrictRuleWithoutADistrictGoesToTheCoordinationCentre) {
  Decision d = RealRules()->Decide("yol-sokak", "");
  EXPECT_EQ(d.owner.id, "koordinasyon");
  EXPECT_EQ(d.rule_id, "default");
}

TEST(RoutingRulesTest, EveryCategoryHasARealOwnerInEveryDistrict) {
  for (const auto& s : RealCatalogue().services()) {
    for (const auto& district : RealDistricts().Districts()) {
      Decision d = RealRules()->Decide(s.code, district);
      EXPECT_NE(d.rule_id, "default") << s.code << " in " << district;
      EXPECT_EQ(d.rule_id.rfind("R-" + s.code, 0), 0u) << s.code << " in " << district;
      if (d.owner.kind == v1::OWNER_KIND_DISTRICT_MUNICIPALITY) {
        EXPECT_EQ(d.owner.district, district) << s.code;
      }
    }
  }
}

// A small world for the validation tests: two categories, two districts.
class RoutingRulesLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = Catalogue::LoadJson(R"({"version": "t", "services": [
      {"code": "yol", "name_tr": "Yol", "target": {"kind": "hours", "value": 24}},
      {"code": "park", "name_tr": "Park", "target": {"kind": "working_days", "value": 3}}]})");
    ASSERT_OK(c);
    catalogue_ = *c;
  }

  absl::StatusOr<RoutingRules> Load(const std::string& rules) {
    std::string doc = R"({"version": "t", "default_owner": "koordinasyon", "owners": [
      {"id": "koordinasyon", "name": "Koordinasyon", "kind": "COORDINATION_CENTRE"},
      {"id": "yol-yapim", "name": "Yol Yapım", "kind": "METROPOLITAN_DEPARTMENT"},
      {"id": "ilce-tarsus", "name": "Tarsus Belediyesi", "kind": "DISTRICT_MUNICIPALITY",
       "district": "Tarsus"},
      {"id": "ilce-mut", "name": "Mut Belediyesi", "kind": "DISTRICT_MUNICIPALITY",
       "district": "Mut"}],
      "rules": )" + rules + "}";
    return RoutingRules::LoadJson(doc, catalogue_, districts_);
  }

  Catalogue catalogue_;
  std::vector<std::string> districts_ = {"Mut", "Tarsus"};
};

TEST_F(RoutingRulesLoadTest, GoodRulesLoad) {
  auto r = Load(R"([
    {"id": "R-yol", "category": "yol", "owner": "yol-yapim", "districts": ["*"]},
    {"id": "R-yol-mut", "category": "yol", "owner": "@district", "districts": ["Mut"]},
    {"id": "R-park", "category": "park", "owner": "@district", "districts": ["*"]}])");
  ASSERT_OK(r);
  EXPECT_EQ(r->Decide("yol", "Mut").owner.id, "ilce-mut");
  EXPECT_EQ(r->Decide("yol", "Mut").rule_id, "R-yol-mut");
  EXPECT_EQ(r->Decide("yol", "Tarsus").owner.id, "yol-yapim");
  EXPECT_EQ(r->Decide("park", "Tarsus").owner.id, "ilce-tarsus");
}

TEST_F(RoutingRulesLoadTest, NamesEveryProblemAtOnce) {
  auto r = Load(R"([
    {"id": "R-yol", "category": "yol", "owner": "ghost-unit", "districts": ["*"]},
    {"id": "R-yol", "category": "yol", "owner": "yol-yapim", "districts": ["Adana"]},
    {"id": "R-kar", "category": "kar", "owner": "yol-yapim", "districts": ["Tarsus"]}])");
  EXPECT_CODE(r, absl::StatusCode::kInvalidArgument);
  std::string m(r.status().message());
  EXPECT_THAT(m, HasSubstr("rule \"R-yol\": owner \"ghost-unit\" is not among the owners"));
  EXPECT_THAT(m, HasSubstr("rule \"R-yol\": duplicate rule id"));
  EXPECT_THAT(m, HasSubstr("rule \"R-yol\": unknown district \"Adana\""));
  EXPECT_THAT(m, HasSubstr("rule \"R-kar\": category \"kar\" is not in the catalogue"));
  EXPECT_THAT(m, HasSubstr("category \"park\" has no \"*\" rule"));
}

TEST_F(RoutingRulesLoadTest, OverlappingRulesAndEmptyDistricts) {
  auto r = Load(R"([
    {"id": "R-yol", "category": "yol", "owner": "yol-yapim", "districts": ["*"]},
    {"id": "R-yol-2", "category": "yol", "owner": "@district", "districts": ["*"]},
    {"id": "R-park", "category": "park", "owner": "@district", "districts": ["*"]},
    {"id": "R-park-2", "category": "park", "owner": "@district", "districts": []}])");
  EXPECT_CODE(r, absl::StatusCode::kInvalidArgument);
  std::string m(r.status().message());
  EXPECT_THAT(m, HasSubstr("rule \"R-yol-2\": overlaps rule \"R-yol\" for yol in *"));
  EXPECT_THAT(m, HasSubstr("rule \"R-park-2\": districts is empty"));
}

TEST_F(RoutingRulesLoadTest, OwnersAreValidated) {
  std::string doc = R"({"version": "t", "default_owner": "nobody", "owners": [
      {"id": "Yol Yapım", "name": "Yol Yapım", "kind": "METROPOLITAN_DEPARTMENT"},
      {"id": "ilce-tarsus", "name": "Tarsus", "kind": "DISTRICT_MUNICIPALITY", "district": "Tarsus"},
      {"id": "ilce-adana", "name": "Adana", "kind": "DISTRICT_MUNICIPALITY", "district": "Adana"},
      {"id": "ilce-tarsus", "name": "Tarsus again", "kind": "MUNICIPALITY"}],
      "rules": [{"id": "R-yol", "category": "yol", "owner": "ilce-tarsus", "districts": ["*"]},
                {"id": "R-park", "category": "park", "owner": "ilce-tarsus", "districts": ["*"]}]})";
  auto r = RoutingRules::LoadJson(doc, catalogue_, districts_);
  EXPECT_CODE(r, absl::StatusCode::kInvalidArgument);
  std::string m(r.status().message());
  EXPECT_THAT(m, HasSubstr("owner \"Yol Yapım\": id must be lower-case ASCII"));
  EXPECT_THAT(m, HasSubstr("owner \"ilce-adana\": district \"Adana\" is not a known district"));
  EXPECT_THAT(m, HasSubstr("owner \"ilce-tarsus\": unknown kind MUNICIPALITY"));
  EXPECT_THAT(m, HasSubstr("owner \"ilce-tarsus\": duplicate id"));
  EXPECT_THAT(m, HasSubstr("default_owner \"nobody\" is not among the owners"));
  EXPECT_THAT(m, HasSubstr("district \"Mut\" has no district municipality owner"));
}

TEST_F(RoutingRulesLoadTest, ARuleMayCarryADeadlineInSeconds) {
  auto r = Load(R"([
    {"id": "R-yol", "category": "yol", "owner": "yol-yapim", "districts": ["*"],
     "deadline_seconds": 20},
    {"id": "R-park", "category": "park", "owner": "@district", "districts": ["*"]}])");
  ASSERT_OK(r);
  EXPECT_EQ(r->Decide("yol", "Mut").deadline_seconds, 20);
  EXPECT_EQ(r->Decide("park", "Mut").deadline_seconds, 0);
  EXPECT_EQ(r->Decide("unknown", "Mut").deadline_seconds, 0);
  for (const char* bad : {"0", "-5", "2592001", "1.5", "\"20\""}) {
    auto b = Load(std::string(R"([
      {"id": "R-yol", "category": "yol", "owner": "yol-yapim", "districts": ["*"],
       "deadline_seconds": )") + bad + R"(},
      {"id": "R-park", "category": "park", "owner": "@district", "districts": ["*"]}])");
    EXPECT_CODE(b, absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(b.status().message()),
                HasSubstr("rule \"R-yol\": deadline_seconds must be a whole number"))
        << bad;
  }
}

}  // namespace
}  // namespace teksin::catalogue
