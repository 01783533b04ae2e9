// Session: memoisation (including in-flight sharing) and bounded parallel fetching.
#include "pve/session.hpp"

#include <atomic>
#include <condition_variable>
#include <optional>
#include <thread>

namespace pvex::pve {

struct Session::Entry {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  std::optional<Result<Body>> result;
};

struct Session::ParsedEntry {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  std::optional<Result<std::shared_ptr<const void>>> result;
};

Session::Session(FetchFn fetch, Clock::time_point deadline, size_t max_parallel)
    : m_fetch(std::move(fetch)),
      m_deadline(deadline),
      m_max_parallel(max_parallel == 0 ? 1 : max_parallel) {}

Session::~Session() = default;

Result<Body> Session::get(std::string_view path) {
  std::shared_ptr<Entry> entry;
  bool owner = false;
  {
    std::lock_guard lock(m_mutex);
    auto it = m_entries.find(path);
    if (it == m_entries.end()) {
      entry = std::make_shared<Entry>();
      m_entries.emplace(std::string(path), entry);
      owner = true;
      ++m_fetches;
    } else {
      entry = it->second;
    }
  }
  if (owner) {
    Result<Body> r = Clock::now() >= m_deadline
                         ? Result<Body>(fail(ErrorKind::timeout, "GET " + std::string(path) +
                                                                     ": scrape deadline exceeded"))
                         : m_fetch(path, m_deadline);
    std::lock_guard lock(entry->mutex);
    entry->result = std::move(r);
    entry->done = true;
    entry->done_cv.notify_all();
    return *entry->result;
  }
  std::unique_lock lock(entry->mutex);
  entry->done_cv.wait(lock, [&] { return entry->done; });
  return *entry->result;
}

Result<std::shared_ptr<const void>> Session::get_parsed_erased(std::string_view path,
                                                               std::string_view type_key,
                                                               const ParseErased& parse) {
  std::string key(type_key);
  key += '\n';
  key += path;
  std::shared_ptr<ParsedEntry> entry;
  bool owner = false;
  {
    std::lock_guard lock(m_mutex);
    auto it = m_parsed.find(key);
    if (it == m_parsed.end()) {
      entry = std::make_shared<ParsedEntry>();
      m_parsed.emplace(std::move(key), entry);
      owner = true;
    } else {
      entry = it->second;
    }
  }
  if (owner) {
    Result<Body> body = get(path);
    Result<std::shared_ptr<const void>> r =
        body ? parse(**body) : Result<std::shared_ptr<const void>>(fail(body.error()));
    std::lock_guard lock(entry->mutex);
    entry->result = std::move(r);
    entry->done = true;
    entry->done_cv.notify_all();
    return *entry->result;
  }
  std::unique_lock lock(entry->mutex);
  entry->done_cv.wait(lock, [&] { return entry->done; });
  return *entry->result;
}

std::vector<Result<Body>> Session::get_all(std::span<const std::string> paths) {
  std::vector<Result<Body>> results(paths.size(), fail(ErrorKind::internal, "not fetched"));
  if (paths.empty()) return results;
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < paths.size(); i = next++) results[i] = get(paths[i]);
  };
  const size_t n_threads = std::min(m_max_parallel, paths.size());
  std::vector<std::thread> threads;
  threads.reserve(n_threads - 1);
  for (size_t t = 1; t < n_threads; ++t) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  return results;
}

size_t Session::fetch_count() const {
  std::lock_guard lock(m_mutex);
  return m_fetches;
}

}  // namespace pvex::pve
