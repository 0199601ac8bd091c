// CompletionBatcher without a broker: batches by size, by delay and on Flush/Stop, retries a
// failing batch, fails the completions when it gives up, and leaves completions the work
// function set itself. No test depends on how fast anything runs: a delay-triggered batch is
// only waited for (generously), never timed.
#include "kafka/completion_batcher.h"

#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace teksin::kafka {
namespace {

std::shared_ptr<AckBatch> Pending() {
  DeferredAcks scope;
  return DeferredAcks::Defer();
}

bool Finished(const std::shared_ptr<AckBatch>& done) {
  return done->WaitFor(std::chrono::seconds(60));
}

struct Recorder {
  std::mutex mu;
  std::vector<std::vector<int>> batches;
  int failures_left = 0;
  absl::Status Work(std::vector<int>& items, const CompletionBatcher<int>::Completions& done) {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(items.size(), done.size());
    if (failures_left > 0) {
      --failures_left;
      return absl::UnavailableError("redis went away");
    }
    batches.push_back(items);
    return absl::OkStatus();
  }
};

BatcherOptions Options(size_t max_items, std::chrono::milliseconds max_delay) {
  BatcherOptions o;
  o.max_items = max_items;
  o.max_delay = max_delay;
  o.first_backoff = std::chrono::milliseconds(1);
  return o;
}

TEST(CompletionBatcherTest, AFullBatchIsDoneAtOnceInOrderAndEveryItemCompletesOk) {
  Recorder r;
  // A delay no test waits for: only the size can start the batch.
  CompletionBatcher<int> b("test", Options(3, std::chrono::hours(1)),
                           [&](auto& items, const auto& done) { return r.Work(items, done); });
  std::vector<std::shared_ptr<AckBatch>> done;
  for (int i = 1; i <= 3; ++i) {
    done.push_back(Pending());
    b.Add(i, done.back());
  }
  for (const auto& d : done) {
    ASSERT_TRUE(Finished(d));
    EXPECT_EQ(d->Error(), "");
  }
  std::lock_guard<std::mutex> lock(r.mu);
  ASSERT_EQ(r.batches.size(), 1u);
  EXPECT_EQ(r.batches[0], (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(b.batches(), 1);
  EXPECT_EQ(b.items(), 3);
}

TEST(CompletionBatcherTest, AnItemAloneIsDoneAfterTheDelayWithoutAnyoneAsking) {
  Recorder r;
  CompletionBatcher<int> b("test", Options(100, std::chrono::milliseconds(2)),
                           [&](auto& items, const auto& done) { return r.Work(items, done); });
  auto done = Pending();
  b.Add(7, done);
  ASSERT_TRUE(Finished(done));
  EXPECT_EQ(done->Error(), "");
}

TEST(CompletionBatcherTest, FlushReturnsOnlyAfterEverythingQueuedBeforeItIsDone) {
  Recorder r;
  CompletionBatcher<int> b("test", Options(100, std::chrono::hours(1)),
                           [&](auto& items, const auto& done) { return r.Work(items, done); });
  auto first = Pending(), second = Pending();
  b.Add(1, first);
  b.Add(2, second);
  b.Flush();
  EXPECT_TRUE(first->Done());
  EXPECT_TRUE(second->Done());
  b.Flush();  // nothing queued: returns at once
}

TEST(CompletionBatcherTest, AFailingBatchIsTriedAgainWithTheSameItems) {
  Recorder r;
  r.failures_left = 2;
  CompletionBatcher<int> b("test", Options(2, std::chrono::hours(1)),
                           [&](auto& items, const auto& done) { return r.Work(items, done); });
  auto a = Pending(), c = Pending();
  b.Add(1, a);
  b.Add(2, c);
  ASSERT_TRUE(Finished(a));
  ASSERT_TRUE(Finished(c));
  EXPECT_EQ(a->Error(), "");
  EXPECT_EQ(b.failed_attempts(), 2);
  std::lock_guard<std::mutex> lock(r.mu);
  ASSERT_EQ(r.batches.size(), 1u);
  EXPECT_EQ(r.batches[0], (std::vector<int>{1, 2}));
}

TEST(CompletionBatcherTest, WhenEveryAttemptFailsEveryCompletionCarriesTheError) {
  Recorder r;
  r.failures_left = 1000;
  BatcherOptions o = Options(2, std::chrono::hours(1));
  o.max_attempts = 3;
  CompletionBatcher<int> b("test", o,
                           [&](auto& items, const auto& done) { return r.Work(items, done); });
  auto a = Pending(), c = Pending();
  b.Add(1, a);
  b.Add(2, c);
  ASSERT_TRUE(Finished(a));
  ASSERT_TRUE(Finished(c));
  EXPECT_EQ(a->Error(), "redis went away");
  EXPECT_EQ(c->Error(), "redis went away");
  EXPECT_EQ(b.failed_attempts(), 3);
  EXPECT_EQ(b.batches(), 0);
}

TEST(CompletionBatcherTest, ACompletionTheWorkSetItselfIsKept) {
  CompletionBatcher<int> b("test", Options(2, std::chrono::hours(1)),
                           [](std::vector<int>& items,
                              const CompletionBatcher<int>::Completions& done) {
                             for (size_t i = 0; i < items.size(); ++i) {
                               if (items[i] < 0) done[i]->Complete(absl::InternalError("negative"));
                             }
                             return absl::OkStatus();
                           });
  auto good = Pending(), bad = Pending();
  b.Add(1, good);
  b.Add(-1, bad);
  ASSERT_TRUE(Finished(good));
  ASSERT_TRUE(Finished(bad));
  EXPECT_EQ(good->Error(), "");
  EXPECT_EQ(bad->Error(), "negative");
}

TEST(CompletionBatcherTest, StopDoesWhatIsQueuedAndRefusesWhatComesAfter) {
  Recorder r;
  CompletionBatcher<int> b("intake", Options(100, std::chrono::hours(1)),
                           [&](auto& items, const auto& done) { return r.Work(items, done); });
  auto queued = Pending();
  b.Add(1, queued);
  b.Stop();
  EXPECT_TRUE(queued->Done());
  EXPECT_EQ(queued->Error(), "");
  auto late = Pending();
  b.Add(2, late);
  EXPECT_TRUE(late->Done());
  EXPECT_EQ(late->Error(), "intake is shutting down");
}

TEST(CompletionBatcherTest, TwoWorkersDoBatchesSideBySideAndFlushWaitsForTheEarliest) {
  // Batches of at most 2, a lone item taken after 1 ms: how the items fall into batches depends
  // on timing, but the batch holding item 1 is held until the test releases it.
  BatcherOptions o = Options(2, std::chrono::milliseconds(1));
  o.workers = 2;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::mutex mu;
  std::vector<int> done_items;
  CompletionBatcher<int> b("test", o, [&](auto& items, const auto&) {
    if (items.front() == 1) released.wait();
    std::lock_guard<std::mutex> lock(mu);
    done_items.insert(done_items.end(), items.begin(), items.end());
    return absl::OkStatus();
  });
  std::vector<std::shared_ptr<AckBatch>> done;
  auto add = [&](int i) {
    done.push_back(Pending());
    b.Add(i, done.back());
  };
  for (int i = 1; i <= 4; ++i) add(i);
  // A flush of the four items queued so far must wait for item 1, even once more items than that
  // are done by the other worker (items 3 to 6, done while item 1 is held).
  std::atomic<bool> flushed{false};
  std::thread flusher([&] {
    b.Flush();
    flushed = true;
  });
  add(5);
  add(6);
  for (int i = 2; i < 6; ++i) ASSERT_TRUE(Finished(done[i])) << i;
  EXPECT_FALSE(done[0]->Done());
  EXPECT_FALSE(flushed.load());
  release.set_value();
  flusher.join();
  EXPECT_TRUE(flushed.load());
  for (const auto& d : done) {
    ASSERT_TRUE(Finished(d));
    EXPECT_EQ(d->Error(), "");
  }
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(done_items.size(), 6u);
}

}  // namespace
}  // namespace teksin::kafka
