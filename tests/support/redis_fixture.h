// A test fixture holding a client of the "infra" fixture's Redis. Its SetUp connects; a fixture
// that derives from it calls RedisFixture::SetUp() first and returns if that failed
// (HasFatalFailure()). Base is ::testing::Test or ::testing::TestWithParam<T>.
#pragma once

#include <memory>
#include <utility>

#include "gtest/gtest.h"
#include "metrics/registry.h"
#include "redis/client.h"
#include "support/suite_harness.h"

namespace teksin::testing {

template <typename Base = ::testing::Test>
class RedisFixture : public Base {
 protected:
  void SetUp() override {
    infra_ = LoadInfra();
    auto c = ConnectRedis(infra_, &registry_);
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = std::move(*c);
  }

  Infra infra_;
  metrics::Registry registry_;  // the client's metrics
  std::unique_ptr<redis::RedisClient> client_;
};

}  // namespace teksin::testing
