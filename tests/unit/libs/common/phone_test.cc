#include "common/phone.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/status.h"

namespace teksin::common {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

struct Written {
  const char* raw;
  const char* e164;
};

class AcceptedPhoneTest : public ::testing::TestWithParam<Written> {};

TEST_P(AcceptedPhoneTest, NormalisesToE164) {
  auto got = NormalizeTurkishPhone(GetParam().raw);
  ASSERT_OK(got);
  EXPECT_EQ(*got, GetParam().e164);
}

INSTANTIATE_TEST_SUITE_P(
    FormsPeopleWrite, AcceptedPhoneTest,
    ::testing::Values(Written{"0 532 123 45 67", "+905321234567"},
                      Written{"0532 123 45 67", "+905321234567"},
                      Written{"+90 532 123 4567", "+905321234567"},
                      Written{"90-532-1234567", "+905321234567"},
                      Written{"5321234567", "+905321234567"},
                      Written{"0090 532 123 45 67", "+905321234567"},
                      Written{"0532.123.45.67", "+905321234567"},
                      Written{"(0324) 185 00 00", "+903241850000"},
                      Written{"  0532 123 45 67  ", "+905321234567"}));

class RejectedPhoneTest : public ::testing::TestWithParam<const char*> {};

TEST_P(RejectedPhoneTest, IsInvalidArgument) {
  EXPECT_CODE(NormalizeTurkishPhone(GetParam()), absl::StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(
    NotTurkishNumbers, RejectedPhoneTest,
    ::testing::Values("0532 12A 45 67",     // a letter
                      "beni arayın",         // no number at all
                      "",                    // empty
                      "532 123",             // too short
                      "0532 123 45 67 89",   // too long
                      "+44 20 7946 0958",    // United Kingdom
                      "+1 212 555 0100",     // United States
                      "0044 20 7946 0958",   // international prefix, not Türkiye
                      "0632 123 45 67",      // no Turkish number starts with 6
                      "+90 532 123 45 67 +"  // a second plus sign
                      ));

TEST(NormalizeTurkishPhoneTest, ForeignNumberMessageSaysOnlyTurkish) {
  auto got = NormalizeTurkishPhone("+44 20 7946 0958");
  EXPECT_THAT(std::string(got.status().message()), HasSubstr("Turkish"));
}

TEST(CitizenKeyTest, IsStableForTheSameNumberAndSecret) {
  EXPECT_EQ(CitizenKey("secret-1", "+905321234567"), CitizenKey("secret-1", "+905321234567"));
}

TEST(CitizenKeyTest, SameCitizenWhateverFormTheyTyped) {
  auto a = NormalizeTurkishPhone("0532 123 45 67");
  auto b = NormalizeTurkishPhone("+90 532 123 4567");
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_EQ(CitizenKey("secret-1", *a), CitizenKey("secret-1", *b));
}

TEST(CitizenKeyTest, DependsOnTheSecret) {
  EXPECT_NE(CitizenKey("secret-1", "+905321234567"), CitizenKey("secret-2", "+905321234567"));
}

TEST(CitizenKeyTest, DiffersBetweenCitizens) {
  EXPECT_NE(CitizenKey("secret-1", "+905321234567"), CitizenKey("secret-1", "+905321234568"));
}

TEST(CitizenKeyTest, IsVersionedHexAndNeverContainsTheNumber) {
  std::string key = CitizenKey("secret-1", "+905321234567");
  EXPECT_THAT(key, MatchesRegex("ck1_[0-9a-f]{40}"));
  EXPECT_THAT(key, Not(HasSubstr("5321234567")));
  EXPECT_THAT(key, Not(HasSubstr("905321234567")));
}

TEST(CitizenKeySecretTest, RequiredAndLongEnough) {
  EnvReader ok(std::map<std::string, std::string>{{"TEKSIN_CITIZEN_KEY_SECRET", "0123456789abcdef"}});
  EXPECT_EQ(ReadCitizenKeySecret(ok), "0123456789abcdef");
  EXPECT_OK(ok.Finish());
  EnvReader missing(std::map<std::string, std::string>{});
  ReadCitizenKeySecret(missing);
  EXPECT_THAT(std::string(missing.Finish().message()), HasSubstr("TEKSIN_CITIZEN_KEY_SECRET is required"));
  EnvReader short_secret(std::map<std::string, std::string>{{"TEKSIN_CITIZEN_KEY_SECRET", "short"}});
  ReadCitizenKeySecret(short_secret);
  EXPECT_THAT(std::string(short_secret.Finish().message()), HasSubstr("at least 16 characters"));
}

}  // namespace
}  // namespace teksin::common
