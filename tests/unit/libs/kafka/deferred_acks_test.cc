// DeferredAcks::Defer and AckBatch::Complete without a broker: a handler's completion that other
// code finishes later (ADR 0023). How the consumer uses them is in tests/integration/kafka_test.cc.
#include <thread>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "kafka/publisher.h"

namespace teksin::kafka {
namespace {

TEST(DeferredAcksTest, OutsideAScopeThereIsNothingToDefer) {
  EXPECT_EQ(DeferredAcks::Current(), nullptr);
  EXPECT_EQ(DeferredAcks::Defer(), nullptr);
}

TEST(DeferredAcksTest, ADeferredCompletionIsRegisteredInTheInnermostScopeAndPendingUntilCompleted) {
  std::vector<std::shared_ptr<AckBatch>> outer_batches, inner_batches;
  std::shared_ptr<AckBatch> done;
  {
    DeferredAcks outer;
    {
      DeferredAcks inner;
      done = DeferredAcks::Defer();
      ASSERT_NE(done, nullptr);
      inner_batches = inner.Take();
    }
    outer_batches = outer.Take();
  }
  ASSERT_EQ(inner_batches.size(), 1u);
  EXPECT_EQ(inner_batches[0], done);
  EXPECT_TRUE(outer_batches.empty());
  EXPECT_FALSE(done->Done());
  EXPECT_FALSE(done->WaitFor(std::chrono::milliseconds(0)));
  done->Complete(absl::OkStatus());
  EXPECT_TRUE(done->Done());
  EXPECT_EQ(done->Error(), "");
}

TEST(DeferredAcksTest, AFailedCompletionCarriesItsReasonAndOnlyTheFirstCompletionCounts) {
  std::shared_ptr<AckBatch> done;
  {
    DeferredAcks scope;
    done = DeferredAcks::Defer();
  }
  done->Complete(absl::UnavailableError("redis went away"));
  done->Complete(absl::OkStatus());  // too late: the event already failed
  EXPECT_TRUE(done->Done());
  EXPECT_EQ(done->Error(), "redis went away");

  std::shared_ptr<AckBatch> ok;
  {
    DeferredAcks scope;
    ok = DeferredAcks::Defer();
  }
  ok->Complete(absl::OkStatus());
  ok->Complete(absl::InternalError("late"));
  EXPECT_EQ(ok->Error(), "");
}

TEST(DeferredAcksTest, AWaiterWakesWhenAnotherThreadCompletes) {
  std::shared_ptr<AckBatch> done;
  {
    DeferredAcks scope;
    done = DeferredAcks::Defer();
  }
  std::thread completer([done] { done->Complete(absl::OkStatus()); });
  // Generous: the point is that the wait ends because of Complete, not how fast.
  EXPECT_TRUE(done->WaitFor(std::chrono::seconds(60)));
  completer.join();
  EXPECT_EQ(done->Error(), "");
}

}  // namespace
}  // namespace teksin::kafka
