// Tests of util::run_parallel and its workers.
#include "util/workers.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace pvex::util {
namespace {

TEST(RunParallel, EveryIndexOnceAndNoMoreAtOnceThanAllowed) {
  for (size_t parallel : {size_t{1}, size_t{3}, size_t{16}}) {
    std::vector<std::atomic<int>> runs(200);
    std::atomic<int> inside{0}, most{0};
    run_parallel(runs.size(), parallel, [&](size_t i) {
      const int now = ++inside;
      int seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      ++runs[i];
      --inside;
    });
    for (size_t i = 0; i < runs.size(); ++i) EXPECT_EQ(runs[i].load(), 1) << i;
    EXPECT_LE(most.load(), static_cast<int>(parallel));
    EXPECT_GE(most.load(), 1);
  }
  run_parallel(0, 4, [](size_t) { FAIL() << "no index"; });
}

TEST(RunParallel, JobsMayRunParallelJobsThemselves) {
  // Every outer job waits (bounded) until all outer jobs have started, then runs an inner wave:
  // workers are added when none is idle, so nothing waits for a worker its caller holds.
  constexpr size_t k_outer = 6;
  std::mutex m;
  std::condition_variable cv;
  size_t started = 0;
  std::atomic<size_t> inner{0};
  run_parallel(k_outer, k_outer, [&](size_t) {
    {
      std::unique_lock lock(m);
      ++started;
      cv.notify_all();
      EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return started == k_outer; }));
    }
    run_parallel(10, 5, [&](size_t) { ++inner; });
  });
  EXPECT_EQ(inner.load(), k_outer * 10);
}

TEST(RunParallel, AThrowingJobStopsTheRestAndIsRethrownAfterTheOthersEnd) {
  for (size_t thrower : {size_t{0}, size_t{5}}) {
    std::atomic<int> done{0}, inside{0};
    try {
      run_parallel(1000, 4, [&](size_t i) {
        ++inside;
        if (i == thrower) {
          --inside;
          throw std::runtime_error("job " + std::to_string(i));
        }
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        ++done;
        --inside;
      });
      ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()), "job " + std::to_string(thrower));
    }
    EXPECT_EQ(inside.load(), 0);  // nobody still runs the caller's job
    EXPECT_LT(done.load(), 1000 - 1);
  }
}

/// Waits (bounded) until every worker is back waiting for a job; the counts then.
std::pair<size_t, size_t> settled_counts() {
  for (int i = 0; i < 2000; ++i) {
    const auto [idle, total] = worker_counts();
    if (idle == total) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return worker_counts();
}

TEST(RunParallel, WorkersAreKeptForTheNextWave) {
  run_parallel(8, 8, [](size_t) { std::this_thread::sleep_for(std::chrono::milliseconds(2)); });
  const auto [idle, total] = settled_counts();
  EXPECT_EQ(idle, total);
  EXPECT_GE(total, 7u);  // the helpers of that wave, at least
  run_parallel(4, 4, [](size_t) { std::this_thread::sleep_for(std::chrono::milliseconds(2)); });
  EXPECT_EQ(settled_counts().second, total);  // reused, none added
}

}  // namespace
}  // namespace pvex::util
