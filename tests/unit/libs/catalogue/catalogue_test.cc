// The request catalogue (deploy/config/service-catalogue.json).
#include "catalogue/catalogue.h"

#include <string>

#include "events/topics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/reference_data.h"
#include "support/status.h"

namespace teksin::catalogue {
namespace {

using ::teksin::testing::RealCatalogue;
using ::testing::HasSubstr;
using ::testing::SizeIs;

TEST(CatalogueTest, RealFileHas49Services) {
  EXPECT_THAT(RealCatalogue().services(), SizeIs(49));
  EXPECT_EQ(RealCatalogue().version(), "2026-11-28.1");
}

TEST(CatalogueTest, EveryCodeCanNameATopicAndHasATarget) {
  for (const auto& s : RealCatalogue().services()) {
    EXPECT_TRUE(events::IsValidUnitId(s.code)) << s.code;
    EXPECT_GE(s.priority, 1) << s.code;
    EXPECT_LE(s.priority, 5) << s.code;
    EXPECT_GT(s.target.value, 0) << s.code;
    EXPECT_FALSE(s.name_tr.empty()) << s.code;
    EXPECT_FALSE(s.name_en.empty()) << s.code;
    EXPECT_EQ(RealCatalogue().Find(s.code), &s);
  }
}

TEST(CatalogueTest, LocalStreetDefect) {
  const ServiceDef* s = RealCatalogue().Find("yol-sokak");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->name_tr, "Sokak/kaldırım bozukluğu");
  EXPECT_EQ(s->priority, 3);
  EXPECT_EQ(s->target.kind, calendar::Target::Kind::kHours);
  EXPECT_EQ(s->target.value, 24);
  EXPECT_EQ(s->legal_basis, calendar::LegalBasis::kNone);
  EXPECT_THAT(s->request_types,
              ::testing::ElementsAre(v1::REQUEST_TYPE_COMPLAINT, v1::REQUEST_TYPE_REQUEST));
}

TEST(CatalogueTest, InformationRequestsFollowLaw4982) {
  const ServiceDef* s = RealCatalogue().Find("bilgi-edinme");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->legal_basis, calendar::LegalBasis::kLaw4982);
  EXPECT_EQ(s->target.kind, calendar::Target::Kind::kWorkingDays);
  EXPECT_EQ(s->target.value, 15);
}

TEST(CatalogueTest, EmergenciesArePriorityOne) {
  for (const char* code : {"dere-taskin", "yangin", "kadin-destek", "dogalgaz"}) {
    const ServiceDef* s = RealCatalogue().Find(code);
    ASSERT_NE(s, nullptr) << code;
    EXPECT_TRUE(s->emergency) << code;
    EXPECT_EQ(s->priority, 1) << code;
  }
}

TEST(CatalogueTest, UnknownCodeIsNotFound) {
  EXPECT_EQ(RealCatalogue().Find("pothole"), nullptr);
  EXPECT_EQ(RealCatalogue().Find(""), nullptr);
}

TEST(CatalogueLoadTest, ReportsEveryProblemNamingTheService) {
  auto c = Catalogue::LoadJson(R"({"version": "t", "services": [
    {"code": "a", "name_tr": "A", "priority": 9, "target": {"kind": "hours", "value": 1}},
    {"code": "a", "name_tr": "A2", "target": {"kind": "weeks", "value": 1}},
    {"code": "Bad_Code", "name_tr": "B", "target": {"kind": "hours", "value": 0},
     "request_types": ["COMPLAINT", "praise"], "legal_basis": "657"}]})");
  EXPECT_CODE(c, absl::StatusCode::kInvalidArgument);
  std::string m(c.status().message());
  EXPECT_THAT(m, HasSubstr("service \"a\": priority must be 1..5"));
  EXPECT_THAT(m, HasSubstr("service \"a\": duplicate code"));
  EXPECT_THAT(m, HasSubstr("service \"a\": target.kind must be"));
  EXPECT_THAT(m, HasSubstr("service \"Bad_Code\": code must be [a-z0-9-]+"));
  EXPECT_THAT(m, HasSubstr("service \"Bad_Code\": target.value must be positive"));
  EXPECT_THAT(m, HasSubstr("service \"Bad_Code\": unknown request type praise"));
  EXPECT_THAT(m, HasSubstr("service \"Bad_Code\": legal_basis must be 3071, 4982 or empty"));
}

TEST(CatalogueLoadTest, RejectsEmptyAndMalformedFiles) {
  EXPECT_CODE(Catalogue::LoadJson("{"), absl::StatusCode::kInvalidArgument);
  EXPECT_CODE(Catalogue::LoadJson(R"({"version": "t", "services": []})"),
              absl::StatusCode::kInvalidArgument);
  EXPECT_CODE(Catalogue::LoadJson(R"({"version": "t", "services": [{"code": "a"}]})"),
              absl::StatusCode::kInvalidArgument);
  EXPECT_CODE(Catalogue::LoadFile("/nonexistent/catalogue.json"), absl::StatusCode::kNotFound);
}

TEST(ParseRequestTypeTest, EnglishAndTurkishWords) {
  v1::RequestType t = v1::REQUEST_TYPE_UNSPECIFIED;
  EXPECT_TRUE(ParseRequestType("COMPLAINT", &t));
  EXPECT_EQ(t, v1::REQUEST_TYPE_COMPLAINT);
  EXPECT_TRUE(ParseRequestType("sikayet", &t));
  EXPECT_EQ(t, v1::REQUEST_TYPE_COMPLAINT);
  EXPECT_TRUE(ParseRequestType("Ihbar", &t));
  EXPECT_EQ(t, v1::REQUEST_TYPE_TIP);
  EXPECT_FALSE(ParseRequestType("praise", &t));
  EXPECT_EQ(t, v1::REQUEST_TYPE_TIP);
}

TEST(NamesTest, AsReportsShowThem) {
  EXPECT_STREQ(RequestTypeName(v1::REQUEST_TYPE_SUGGESTION), "suggestion");
  EXPECT_STREQ(ChannelName(v1::CHANNEL_MOBILE_APP), "mobile_app");
  EXPECT_STREQ(AgeGroupName(v1::AGE_GROUP_65_PLUS), "65+");
  EXPECT_STREQ(AgeGroupName(v1::AGE_GROUP_UNSPECIFIED), "unknown");
  EXPECT_STREQ(OwnerKindName(v1::OWNER_KIND_UTILITY), "UTILITY");
  EXPECT_STREQ(CaseStatusName(v1::CASE_STATUS_IN_PROGRESS), "in_progress");
}

}  // namespace
}  // namespace teksin::catalogue
