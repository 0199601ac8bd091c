// channel_callcenter's environment: defaults as the README documents them, and every mistake
// reported at once.
#include "channel_callcenter/config.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/status.h"

namespace teksin::channel_callcenter {
namespace {

using ::testing::HasSubstr;

using Vars = std::map<std::string, std::string>;

common::CommonConfig Common() {
  common::CommonConfig c;
  c.config_dir = "/etc/teksin";
  c.shared_dir = "/srv/shared";
  return c;
}

TEST(CallCenterConfigTest, Defaults) {
  common::EnvReader env(Vars{{"TEKSIN_CITIZEN_KEY_SECRET", "0123456789abcdef"}});
  auto c = ReadCallCenterConfig(env, Common());
  ASSERT_OK(c);
  EXPECT_EQ(c->grpc_port, 9313);
  EXPECT_EQ(c->rate_limit, 120);
  EXPECT_EQ(c->rate_window, absl::Seconds(60));
  EXPECT_EQ(c->idempotency_ttl, absl::Hours(24));
  EXPECT_EQ(c->catalogue_file, "/etc/teksin/service-catalogue.json");
  EXPECT_EQ(c->boundaries_file, "/srv/shared/data/mersin-boundaries/mersin-districts.geojson");
  EXPECT_EQ(c->batch_max_events, 100u);
  EXPECT_EQ(c->batch_max_delay, std::chrono::milliseconds(3));
}

TEST(CallCenterConfigTest, Overrides) {
  common::EnvReader env({{"TEKSIN_CITIZEN_KEY_SECRET", "0123456789abcdef"},
                         {"CALLCENTER_GRPC_PORT", "19313"},
                         {"CALLCENTER_RATE_LIMIT", "30"},
                         {"CALLCENTER_RATE_WINDOW_SECONDS", "10"},
                         {"CALLCENTER_IDEMPOTENCY_TTL_HOURS", "48"},
                         {"CALLCENTER_BOUNDARIES_FILE", "/tmp/b.geojson"},
                         {"CALLCENTER_BATCH_MAX_EVENTS", "1"},
                         {"CALLCENTER_BATCH_MAX_DELAY_MS", "20"}});
  auto c = ReadCallCenterConfig(env, Common());
  ASSERT_OK(c);
  EXPECT_EQ(c->grpc_port, 19313);
  EXPECT_EQ(c->rate_limit, 30);
  EXPECT_EQ(c->rate_window, absl::Seconds(10));
  EXPECT_EQ(c->idempotency_ttl, absl::Hours(48));
  EXPECT_EQ(c->boundaries_file, "/tmp/b.geojson");
  EXPECT_EQ(c->batch_max_events, 1u);
  EXPECT_EQ(c->batch_max_delay, std::chrono::milliseconds(20));
}

TEST(CallCenterConfigTest, EveryProblemAtOnce) {
  common::EnvReader missing({{"CALLCENTER_GRPC_PORT", "http"},
                             {"CALLCENTER_RATE_LIMIT", "0"},
                             {"CALLCENTER_BATCH_MAX_EVENTS", "0"},
                             {"CALLCENTER_BATCH_MAX_DELAY_MS", "5000"}});
  auto c = ReadCallCenterConfig(missing, Common());
  EXPECT_CODE(c, absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(), HasSubstr("TEKSIN_CITIZEN_KEY_SECRET is required"));
  EXPECT_THAT(c.status().message(), HasSubstr("CALLCENTER_GRPC_PORT"));
  EXPECT_THAT(c.status().message(), HasSubstr("CALLCENTER_RATE_LIMIT"));
  EXPECT_THAT(c.status().message(), HasSubstr("CALLCENTER_BATCH_MAX_EVENTS"));
  EXPECT_THAT(c.status().message(), HasSubstr("CALLCENTER_BATCH_MAX_DELAY_MS"));
  common::EnvReader short_secret(Vars{{"TEKSIN_CITIZEN_KEY_SECRET", "short"}});
  auto s = ReadCallCenterConfig(short_secret, Common());
  EXPECT_CODE(s, absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("at least 16 characters"));
}

}  // namespace
}  // namespace teksin::channel_callcenter
