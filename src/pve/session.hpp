// Session: one scrape's view of the PVE API: the deadline, memoised GETs, bounded parallelism,
// and a bound on how many answers are decoded and parsed at once.
#pragma once

#include <chrono>
#include <condition_variable>
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

/// How the bytes of an Answer are encoded (the answer's Content-Encoding).
enum class Encoding { identity, gzip };

/// An answer as received: the bytes, still compressed when the server sent gzip (7-9x smaller
/// than the JSON for the large lists), and their encoding. Implicitly made from a plain Body.
struct Answer {
  Answer() = default;
  Answer(Body body, Encoding enc = Encoding::identity) : bytes(std::move(body)), encoding(enc) {}
  Body bytes;
  Encoding encoding = Encoding::identity;
};

/// The JSON of `answer` with simdjson's padding behind it: the bytes themselves when not
/// encoded, else a fresh decoded buffer. A corrupt gzip body -> ErrorKind::io
/// "GET <path>: invalid gzip body" (or "truncated gzip body").
Result<Body> decode(const Answer& answer, std::string_view path);

/// Fetches one API path (relative to `/api2/json`, e.g. `/cluster/resources`, query string
/// included) and returns the answer as received (a plain Body converts), or an error whose
/// message names the path. Must be thread-safe. The seam between the session and the real HTTP
/// client (tests pass fixtures).
using FetchFn = std::function<Result<Answer>(std::string_view path, Clock::time_point deadline)>;

/// Per-scrape API session. Thread-safe: collectors running concurrently share one.
///
/// Memory: the memo keeps every answer as received (compressed when the server sent gzip) for
/// the whole scrape; decoded JSON lives only while someone uses it. get() hands out the decoded
/// body and shares it with concurrent callers of the same path while any of them holds it;
/// the parse functions (get_model, get_parsed, get_all_models) decode, parse and drop the JSON
/// within one of `parse_slots` slots, so at most that many decoded answers and parser buffers
/// exist at once through them.
class Session {
 public:
  /// `max_parallel` bounds how many requests get_all() and friends run at once; `parse_slots`
  /// how many decode+parse run at once (0: the number of hardware threads, at most 4: each
  /// slot may hold a decoded answer of megabytes plus its parser's buffers, and more than
  /// four parses at once gain little on a scrape that mostly waits for the API).
  Session(FetchFn fetch, Clock::time_point deadline, size_t max_parallel = 8,
          size_t parse_slots = 0);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// GETs `path` once per session: later and concurrent callers of the same path get the same
  /// result (errors included), decoded. Fails with ErrorKind::timeout once the deadline has
  /// passed.
  Result<Body> get(std::string_view path);

  /// GETs `path` once per session, as get(), and returns the answer as received (compressed
  /// when the server sent gzip), for readers that decode it piece by piece themselves.
  Result<Answer> get_answer(std::string_view path);

  /// GETs every path (memoised as get()), up to `max_parallel` at a time, without decoding
  /// them: a wave of requests whose answers later calls read.
  void prefetch(std::span<const std::string> paths);

  /// get(path) parsed with `parse` in a parse slot; the decoded answer is dropped afterwards
  /// (the memoised answer stays). Not memoised: every call parses. Parse errors get the path as
  /// context ("<path>: <message>"); fetch errors are returned as get() returns them.
  template <class T>
  Result<T> get_model(std::string_view path, Result<T> (*parse)(std::string_view json)) {
    Result<T> out = fail(ErrorKind::internal, "not parsed");
    Result<void> used = with_json(path, [&](std::string_view json) {
      out = parse(json);
      if (!out) out = fail(out.error(), path);
    });
    if (!used) return fail(used.error());
    return out;
  }

  /// get_model(path, parse), once per session and model type: later and concurrent callers
  /// share the model (or the error). For the large answers several collectors read
  /// (/cluster/resources).
  template <class T>
  Result<std::shared_ptr<const T>> get_parsed(std::string_view path,
                                              Result<T> (*parse)(std::string_view json)) {
    Result<std::shared_ptr<const void>> model =
        get_parsed_erased(path, typeid(T).name(), [&]() -> Result<std::shared_ptr<const void>> {
          Result<T> parsed = get_model(path, parse);
          if (!parsed) return fail(parsed.error());
          return std::make_shared<const T>(std::move(*parsed));
        });
    if (!model) return fail(model.error());
    return std::static_pointer_cast<const T>(*model);
  }

  /// GETs every path, up to `max_parallel` at a time; results in the order of `paths`.
  std::vector<Result<Body>> get_all(std::span<const std::string> paths);

  /// get_model() of every path, up to `max_parallel` at a time: each answer is parsed by the
  /// worker that fetched it as soon as it arrives (in a parse slot), so its JSON is gone before
  /// the slower answers come in. Results in the order of `paths`.
  /// `only_reader`: the caller is the only reader of these paths in this scrape, and each
  /// answer is released (see release()) right after its parse.
  template <class T>
  std::vector<Result<T>> get_all_models(std::span<const std::string> paths,
                                        Result<T> (*parse)(std::string_view json),
                                        bool only_reader = false) {
    std::vector<Result<T>> out(paths.size(), fail(ErrorKind::internal, "not fetched"));
    run_parallel(paths.size(), [&](size_t i) {
      out[i] = get_model(paths[i], parse);
      if (only_reader) release(paths[i]);
    });
    return out;
  }

  /// Frees the memoised answer of `path` for the rest of the session, for a caller that is the
  /// path's only reader in this scrape and has read it (a big cluster's guest lists and metrics
  /// export: most of the answers' memory). Asking for the path again in this session is then an
  /// internal error ("... released by its only reader"), never a second request.
  void release(std::string_view path);

  Clock::time_point deadline() const { return m_deadline; }

  /// How many fetches the session actually started (memoised hits not counted).
  size_t fetch_count() const;

  /// The most decode+parse that ran at once so far (for tests of the parse_slots bound).
  size_t max_parses_at_once() const;

 private:
  struct Entry;
  struct ParsedEntry;
  using ParseErased = std::function<Result<std::shared_ptr<const void>>()>;
  Result<std::shared_ptr<const void>> get_parsed_erased(std::string_view path,
                                                        std::string_view type_key,
                                                        const ParseErased& parse);
  /// The memoised answer of `path` (fetched by the first caller) and its entry.
  std::pair<std::shared_ptr<Entry>, Result<Answer>> answer(std::string_view path);
  /// Decodes `path` in a parse slot and calls `use(json)`; the JSON is dropped afterwards
  /// unless another get() caller holds it.
  Result<void> with_json(std::string_view path, const std::function<void(std::string_view)>& use);
  /// Calls `job(i)` for every i < n on up to max_parallel threads (this one included).
  void run_parallel(size_t n, const std::function<void(size_t)>& job);

  FetchFn m_fetch;
  Clock::time_point m_deadline;
  size_t m_max_parallel;
  mutable std::mutex m_mutex;
  std::map<std::string, std::shared_ptr<Entry>, std::less<>> m_entries;
  std::map<std::string, std::shared_ptr<ParsedEntry>, std::less<>> m_parsed;  // type + path
  size_t m_fetches = 0;

  // Parse slots: a slot keeps its parsers and a buffer for decoded answers while parses keep
  // it busy, and one idle slot is kept for the session, so the ~20 large answers of a big
  // cluster's scrape page-fault parser buffers about once per slot instead of once per answer
  // (10^4 guests: 24,000 -> 11,000 page faults per scrape). Answers larger than
  // k_slot_keep_bytes get a parser and buffer of their own, freed right after.
  struct Slot;
  std::unique_ptr<Slot> take_slot();
  void give_slot(std::unique_ptr<Slot> slot);
  size_t m_parse_slots;
  mutable std::mutex m_slot_mutex;
  std::condition_variable m_slot_cv;
  std::vector<std::unique_ptr<Slot>> m_idle_slots;
  size_t m_parsing = 0;
  size_t m_max_parsing = 0;
};

}  // namespace pvex::pve
