// The process-wide workers behind run_parallel.
#include "util/workers.hpp"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

namespace pvex::util {
namespace {

class Workers {
 public:
  static Workers& instance() {
    // Never destroyed: workers may still be waiting when the process exits.
    static Workers* w = new Workers;
    return *w;
  }

  void post(std::function<void()> task) {
    std::unique_lock lock(m_mutex);
    m_tasks.push_back(std::move(task));
    if (m_idle >= m_tasks.size()) {
      m_cv.notify_one();
      return;
    }
    // No idle worker for this task: a new one (detached; it ends when idle too long).
    ++m_idle;  // counted as idle until it takes a task, so the next post does not add another
    ++m_total;
    std::thread([this] { loop(); }).detach();
  }

  std::pair<size_t, size_t> counts() {
    std::lock_guard lock(m_mutex);
    return {m_idle, m_total};
  }

 private:
  static constexpr size_t k_max_idle = 96;
  static constexpr auto k_idle_time = std::chrono::seconds(60);

  void loop() {
    std::unique_lock lock(m_mutex);
    for (;;) {
      // Idle for a minute: ended (a target scraped every 15-60 s keeps its workers).
      if (!m_cv.wait_for(lock, k_idle_time, [&] { return !m_tasks.empty(); })) {
        --m_idle;
        --m_total;
        return;
      }
      std::function<void()> task = std::move(m_tasks.front());
      m_tasks.pop_front();
      --m_idle;
      lock.unlock();
      task();
      task = nullptr;  // what it captured goes before the worker waits again
      release_stack();
      lock.lock();
      if (m_idle >= k_max_idle) {  // enough others wait already
        --m_total;
        return;
      }
      ++m_idle;
    }
  }

  /// Gives the pages of this thread's stack below the current frame back to the system, as
  /// glibc does for a thread that ends: a job (TLS handshakes, parses) may have used tens of
  /// kilobytes that an idle worker would otherwise keep resident (~70 workers: ~2 MB).
  static void release_stack() {
    static thread_local char* low = nullptr;  // the lowest address of this thread's stack
    if (low == nullptr) {
      pthread_attr_t attr;
      if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
      void* addr = nullptr;
      size_t size = 0;
      const bool ok = pthread_attr_getstack(&attr, &addr, &size) == 0;
      pthread_attr_destroy(&attr);
      if (!ok) return;
      low = static_cast<char*>(addr);
    }
    const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    char here;
    // One page of margin below this frame for the calls that follow (the wait).
    const uintptr_t top = (reinterpret_cast<uintptr_t>(&here) & ~(page - 1)) - 2 * page;
    const uintptr_t bottom = (reinterpret_cast<uintptr_t>(low) + page - 1) & ~(page - 1);
    if (top > bottom) (void)madvise(reinterpret_cast<void*>(bottom), top - bottom, MADV_DONTNEED);
  }

  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::deque<std::function<void()>> m_tasks;
  size_t m_idle = 0;
  size_t m_total = 0;
};

}  // namespace

void run_parallel(size_t n, size_t parallel, const std::function<void(size_t)>& job) {
  if (n == 0) return;
  struct Shared {
    std::atomic<size_t> next{0};
    std::mutex mutex;
    std::condition_variable done_cv;
    size_t running = 0;
    std::exception_ptr error;  // the first job that threw; no index is handed out after it
  };
  auto shared = std::make_shared<Shared>();
  // `job` is the caller's: the caller waits below until no helper runs it any more.
  auto work = [shared, &job, n] {
    try {
      for (size_t i = shared->next++; i < n; i = shared->next++) job(i);
    } catch (...) {
      shared->next = n;
      std::lock_guard lock(shared->mutex);
      if (!shared->error) shared->error = std::current_exception();
    }
  };
  const size_t helpers = std::min(std::max<size_t>(parallel, 1), n) - 1;
  shared->running = helpers;
  for (size_t h = 0; h < helpers; ++h) {
    Workers::instance().post([shared, work] {
      work();
      std::lock_guard lock(shared->mutex);
      if (--shared->running == 0) shared->done_cv.notify_all();
    });
  }
  work();
  std::unique_lock lock(shared->mutex);
  shared->done_cv.wait(lock, [&] { return shared->running == 0; });
  if (shared->error) std::rethrow_exception(shared->error);
}

std::pair<size_t, size_t> worker_counts() {
  return Workers::instance().counts();
}

}  // namespace pvex::util
