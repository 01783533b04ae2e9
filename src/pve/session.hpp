// Session: one scrape's view of the PVE API: the deadline, memoised GETs and bounded parallelism.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "util/result.hpp"

namespace pvex::pve {

using Clock = std::chrono::steady_clock;

/// A response body. Shared so that concurrent scrapes and collectors can hold one answer
/// without copying it; its capacity leaves room for simdjson's padding where the client can.
using Body = std::shared_ptr<const std::string>;

/// Fetches one API path (relative to `/api2/json`, e.g. `/cluster/resources`, query string
/// included) and returns the JSON body, or an error whose message names the path. Must be
/// thread-safe. The seam between the session and the real HTTP client (tests pass fixtures).
using FetchFn = std::function<Result<Body>(std::string_view path, Clock::time_point deadline)>;

/// Per-scrape API session. Thread-safe: collectors running concurrently share one.
class Session {
 public:
  /// `max_parallel` bounds how many requests get_all() runs at once.
  Session(FetchFn fetch, Clock::time_point deadline, size_t max_parallel = 8);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// GETs `path` once per session: later and concurrent callers of the same path get the same
  /// result (errors included). Fails with ErrorKind::timeout once the deadline has passed.
  Result<Body> get(std::string_view path);

  /// get(path) parsed with `parse`, once per session and model type: later and concurrent
  /// callers share the model (or the error, whose message names the path). For the large
  /// answers several collectors read (/cluster/resources).
  template <class T>
  Result<std::shared_ptr<const T>> get_parsed(std::string_view path,
                                              Result<T> (*parse)(std::string_view json)) {
    Result<std::shared_ptr<const void>> model =
        get_parsed_erased(path, typeid(T).name(), [&](const std::string& body) {
          Result<T> parsed = parse(body);
          if (!parsed) return Result<std::shared_ptr<const void>>(fail(parsed.error(), path));
          return Result<std::shared_ptr<const void>>(std::make_shared<const T>(std::move(*parsed)));
        });
    if (!model) return fail(model.error());
    return std::static_pointer_cast<const T>(*model);
  }

  /// GETs every path, up to `max_parallel` at a time; results in the order of `paths`.
  std::vector<Result<Body>> get_all(std::span<const std::string> paths);

  Clock::time_point deadline() const { return m_deadline; }

  /// How many fetches the session actually started (memoised hits not counted).
  size_t fetch_count() const;

 private:
  struct Entry;
  struct ParsedEntry;
  using ParseErased = std::function<Result<std::shared_ptr<const void>>(const std::string& body)>;
  Result<std::shared_ptr<const void>> get_parsed_erased(std::string_view path,
                                                        std::string_view type_key,
                                                        const ParseErased& parse);

  FetchFn m_fetch;
  Clock::time_point m_deadline;
  size_t m_max_parallel;
  mutable std::mutex m_mutex;
  std::map<std::string, std::shared_ptr<Entry>, std::less<>> m_entries;
  std::map<std::string, std::shared_ptr<ParsedEntry>, std::less<>> m_parsed;  // type + path
  size_t m_fetches = 0;
};

}  // namespace pvex::pve
