// Session: memoisation (including in-flight sharing) and bounded parallel fetching.
#include "pve/session.hpp"

#include <atomic>
#include <condition_variable>
#include <optional>
#include <thread>

namespace pvex::pve {

namespace {

/// A value computed once by the caller that claimed it; everyone else waits for it.
template <class T>
struct Once {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  std::optional<T> result;

  T publish(T value) {
    std::lock_guard lock(mutex);
    result = std::move(value);
    done = true;
    done_cv.notify_all();
    return *result;
  }
  T wait() {
    std::unique_lock lock(mutex);
    done_cv.wait(lock, [&] { return done; });
    return *result;
  }
};

/// The entry of `key` in `map` and whether this caller created it (and so must publish it).
template <class E, class Map>
std::pair<std::shared_ptr<E>, bool> claim(std::mutex& mutex, Map& map, std::string_view key) {
  std::lock_guard lock(mutex);
  auto it = map.find(key);
  if (it != map.end()) return {it->second, false};
  auto entry = std::make_shared<E>();
  map.emplace(std::string(key), entry);
  return {entry, true};
}

}  // namespace

struct Session::Entry : Once<Result<Body>> {};
struct Session::ParsedEntry : Once<Result<std::shared_ptr<const void>>> {};

Session::Session(FetchFn fetch, Clock::time_point deadline, size_t max_parallel)
    : m_fetch(std::move(fetch)),
      m_deadline(deadline),
      m_max_parallel(max_parallel == 0 ? 1 : max_parallel) {}

Session::~Session() = default;

Result<Body> Session::get(std::string_view path) {
  auto [entry, owner] = claim<Entry>(m_mutex, m_entries, path);
  if (!owner) return entry->wait();
  {
    std::lock_guard lock(m_mutex);
    ++m_fetches;
  }
  return entry->publish(
      Clock::now() >= m_deadline
          ? Result<Body>(
                fail(ErrorKind::timeout, "GET " + std::string(path) + ": scrape deadline exceeded"))
          : m_fetch(path, m_deadline));
}

Result<std::shared_ptr<const void>> Session::get_parsed_erased(std::string_view path,
                                                               std::string_view type_key,
                                                               const ParseErased& parse) {
  std::string key(type_key);
  key += '\n';
  key += path;
  auto [entry, owner] = claim<ParsedEntry>(m_mutex, m_parsed, key);
  if (!owner) return entry->wait();
  Result<Body> body = get(path);
  return entry->publish(body ? parse(**body)
                             : Result<std::shared_ptr<const void>>(fail(body.error())));
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
