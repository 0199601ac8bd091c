#include "common/env.h"

#include <cstdlib>
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/status.h"

namespace teksin::common {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Vars = std::map<std::string, std::string>;

TEST(EnvReaderTest, ReadsTypedValues) {
  EnvReader env(Vars{{"PORT", "8080"},
                 {"DEBUG", "yes"},
                 {"RATIO", "0.25"},
                 {"BROKERS", " a:9092 , b:9092,, "},
                 {"NAME", "intake"}});
  EXPECT_EQ(env.Int("PORT", 1, 1, 65535), 8080);
  EXPECT_TRUE(env.Bool("DEBUG", false));
  EXPECT_DOUBLE_EQ(env.Double("RATIO", 1, 0, 1), 0.25);
  EXPECT_THAT(env.List("BROKERS", ""), ElementsAre("a:9092", "b:9092"));
  EXPECT_EQ(env.Required("NAME"), "intake");
  EXPECT_OK(env.Finish());
}

TEST(EnvReaderTest, UnsetVariablesFallBack) {
  EnvReader env(Vars{});
  EXPECT_EQ(env.String("X", "fallback"), "fallback");
  EXPECT_EQ(env.Int("X", 7, 0, 10), 7);
  EXPECT_FALSE(env.Bool("X", false));
  EXPECT_THAT(env.List("X", "a,b"), ElementsAre("a", "b"));
  EXPECT_OK(env.Finish());
}

TEST(EnvReaderTest, FinishNamesEveryProblemAtOnce) {
  EnvReader env(Vars{{"PORT", "eighty"},
                 {"PARTITIONS", "0"},
                 {"DEBUG", "maybe"},
                 {"RATIO", "lots"}});
  EXPECT_EQ(env.Int("PORT", 8080, 1, 65535), 8080);  // bad values fall back
  env.Int("PARTITIONS", 6, 1, 1024);
  env.Bool("DEBUG", false);
  env.Double("RATIO", 0.5, 0, 1);
  env.Required("SECRET");

  absl::Status s = env.Finish();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  std::string m(s.message());
  EXPECT_THAT(m, HasSubstr("PORT=\"eighty\" is not a whole number"));
  EXPECT_THAT(m, HasSubstr("PARTITIONS=0 is outside [1, 1024]"));
  EXPECT_THAT(m, HasSubstr("DEBUG=\"maybe\" is not a boolean"));
  EXPECT_THAT(m, HasSubstr("RATIO=\"lots\" is not a number"));
  EXPECT_THAT(m, HasSubstr("SECRET is required but not set"));
}

TEST(ReadCommonConfigTest, DefaultsAndOverrides) {
  EnvReader env(Vars{{"TEKSIN_TOPIC_PREFIX", "t1"}, {"TEKSIN_TOPIC_PARTITIONS", "3"}});
  CommonConfig c = ReadCommonConfig(env);
  EXPECT_OK(env.Finish());
  EXPECT_EQ(c.topic_prefix, "t1");
  EXPECT_EQ(c.topic_partitions, 3);
  EXPECT_EQ(c.kafka_brokers, "127.0.0.1:9092");
  EXPECT_EQ(c.log_level, "info");
  EXPECT_FALSE(c.instance_id.empty());
}

TEST(ReadCommonConfigTest, BadPartitionCountIsReported) {
  EnvReader env(Vars{{"TEKSIN_TOPIC_PARTITIONS", "0"}});
  CommonConfig c = ReadCommonConfig(env);
  EXPECT_EQ(c.topic_partitions, 6);
  EXPECT_THAT(std::string(env.Finish().message()), HasSubstr("TEKSIN_TOPIC_PARTITIONS"));
}

TEST(EnvReaderTest, AnEmptyEnvironmentVariableCountsAsUnset) {
  ASSERT_EQ(setenv("TEKSIN_UNIT_TEST_EMPTY", "", 1), 0);
  EnvReader env;
  EXPECT_EQ(env.String("TEKSIN_UNIT_TEST_EMPTY", "fallback"), "fallback");
  env.Required("TEKSIN_UNIT_TEST_EMPTY");
  EXPECT_THAT(std::string(env.Finish().message()),
              HasSubstr("TEKSIN_UNIT_TEST_EMPTY is required but not set"));
  unsetenv("TEKSIN_UNIT_TEST_EMPTY");
}

// Regression: the test constructor treats empty values as unset, as the real environment does.
TEST(EnvReaderTest, MapValuesBehaveLikeTheEnvironmentForEmptyValues) {
  EnvReader env(Vars{{"SECRET", ""}, {"PORT", ""}});
  EXPECT_EQ(env.String("SECRET", "fallback"), "fallback");
  EXPECT_EQ(env.Int("PORT", 8080, 1, 65535), 8080);
  env.Required("SECRET");
  absl::Status s = env.Finish();
  EXPECT_THAT(std::string(s.message()), HasSubstr("SECRET is required but not set"));
  EXPECT_THAT(std::string(s.message()), ::testing::Not(HasSubstr("PORT")));
}

}  // namespace
}  // namespace teksin::common
