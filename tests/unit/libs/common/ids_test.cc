#include "common/ids.h"

#include <set>
#include <string>

#include "common/crypto.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace teksin::common {
namespace {

using ::testing::MatchesRegex;

// Crockford base 32 without I, L, O, U, in two groups of five.
constexpr char kTrackingCodeForm[] =
    "[0-9A-HJKMNP-TV-Z][0-9A-HJKMNP-TV-Z][0-9A-HJKMNP-TV-Z][0-9A-HJKMNP-TV-Z][0-9A-HJKMNP-TV-Z]-"
    "[0-9A-HJKMNP-TV-Z][0-9A-HJKMNP-TV-Z][0-9A-HJKMNP-TV-Z][0-9A-HJKMNP-TV-Z][0-9A-HJKMNP-TV-Z]";

TEST(NewIdTest, Is32LowerCaseHexAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string id = NewId();
    EXPECT_THAT(id, MatchesRegex("[0-9a-f]{32}"));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(DerivedIdTest, IsDeterministic) {
  EXPECT_EQ(DerivedId("event-1", "intake"), DerivedId("event-1", "intake"));
}

TEST(DerivedIdTest, DependsOnParentAndPurpose) {
  EXPECT_NE(DerivedId("event-1", "intake"), DerivedId("event-2", "intake"));
  EXPECT_NE(DerivedId("event-1", "route-1"), DerivedId("event-1", "route-2"));
}

TEST(DerivedIdTest, IsTheFirst128BitsOfSha256OfParentSlashPurpose) {
  std::string id = DerivedId("event-1", "intake");
  EXPECT_THAT(id, MatchesRegex("[0-9a-f]{32}"));
  EXPECT_EQ(id, Sha256Hex("event-1/intake").substr(0, 32));
}

TEST(TrackingCodeTest, HasTheReadableForm) {
  for (int i = 0; i < 200; ++i) {
    EXPECT_THAT(NewTrackingCode(), MatchesRegex(kTrackingCodeForm));
  }
}

TEST(TrackingCodeTest, NewCodeNormalisesToItself) {
  std::string code = NewTrackingCode();
  std::string out;
  ASSERT_TRUE(NormalizeTrackingCode(code, &out));
  EXPECT_EQ(out, code);
}

struct Typed {
  const char* typed;
  const char* normalised;
};

class NormalizeTrackingCodeTest : public ::testing::TestWithParam<Typed> {};

TEST_P(NormalizeTrackingCodeTest, AcceptsWhatCitizensType) {
  std::string out;
  ASSERT_TRUE(NormalizeTrackingCode(GetParam().typed, &out)) << GetParam().typed;
  EXPECT_EQ(out, GetParam().normalised);
}

INSTANTIATE_TEST_SUITE_P(
    Variants, NormalizeTrackingCodeTest,
    ::testing::Values(Typed{"7KQ2M-X9D4F", "7KQ2M-X9D4F"},
                      Typed{"7kq2m-x9d4f", "7KQ2M-X9D4F"},   // lower case
                      Typed{"7KQ2MX9D4F", "7KQ2M-X9D4F"},    // no dash
                      Typed{"7kq2m x9d4f", "7KQ2M-X9D4F"},   // a space
                      Typed{"7KQ2M-X9DOF", "7KQ2M-X9D0F"},   // O read as zero
                      Typed{"7kq2m-x9dof", "7KQ2M-X9D0F"},   // o read as zero
                      Typed{"IL234-56789", "11234-56789"},   // I and L read as one
                      Typed{"il234-56789", "11234-56789"}));

TEST(NormalizeTrackingCodeTest, RejectsWhatIsNotACode) {
  std::string out = "untouched";
  EXPECT_FALSE(NormalizeTrackingCode("7KQ2M", &out));            // too short
  EXPECT_FALSE(NormalizeTrackingCode("7KQ2M-X9D4F-A", &out));    // too long
  EXPECT_FALSE(NormalizeTrackingCode("7KQ2U-X9D4F", &out));      // U is not used
  EXPECT_FALSE(NormalizeTrackingCode("7KQ2M/X9D4F", &out));      // punctuation
  EXPECT_FALSE(NormalizeTrackingCode("", &out));
  EXPECT_EQ(out, "untouched");
}

}  // namespace
}  // namespace teksin::common
