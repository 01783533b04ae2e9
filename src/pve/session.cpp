// Session: memoisation (including in-flight sharing), bounded parallel fetching, decoding on use
// and the parse slots.
#include "pve/session.hpp"

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>

#include <simdjson.h>

#include "pve/gzip.hpp"
#include "pve/json.hpp"
#include "util/workers.hpp"

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

bool is_padded(const std::string& s) {
  return s.capacity() - s.size() >= simdjson::SIMDJSON_PADDING;
}

}  // namespace

namespace {

/// Decodes the gzip answer `a` into `out`; a failure names the path.
Result<void> decode_into(const Answer& a, std::string_view path, std::string& out) {
  std::string why;
  if (!gunzip(*a.bytes, out, why))
    return fail(ErrorKind::io, "GET " + std::string(path) + ": " + why);
  return {};
}

}  // namespace

Result<Body> decode(const Answer& answer, std::string_view path) {
  if (answer.encoding == Encoding::identity) return answer.bytes;
  auto out = std::make_shared<std::string>();
  if (Result<void> r = decode_into(answer, path, *out); !r) return fail(r.error());
  return Body(std::move(out));
}

/// A memoised answer; `decoded` shares its JSON between get() callers while any holds it.
struct Session::Entry : Once<Result<Answer>> {
  std::mutex decode_mutex;
  std::weak_ptr<const std::string> decoded;
  std::optional<Error> decode_error;  // decoding is deterministic: fails once, fails always

  Result<Body> decoded_body(const Answer& a, std::string_view path) {
    if (a.encoding == Encoding::identity) return a.bytes;
    std::lock_guard lock(decode_mutex);  // concurrent callers wait for one decode
    if (Body body = decoded.lock()) return body;
    auto out = std::make_shared<std::string>();
    if (Result<void> r = decode_locked(a, path, *out); !r) return fail(r.error());
    decoded = out;
    return Body(std::move(out));
  }

  /// The JSON for one parse: the body itself when not encoded, the JSON a get() caller holds,
  /// or the answer decoded into `buffer` (a parse slot's; not shared with anyone).
  Result<std::string_view> json_for_parse(const Answer& a, std::string_view path, Body& held,
                                          std::string& buffer) {
    if (a.encoding == Encoding::identity) {
      held = a.bytes;
      return std::string_view(*held);
    }
    std::lock_guard lock(decode_mutex);
    if ((held = decoded.lock())) return std::string_view(*held);
    if (Result<void> r = decode_locked(a, path, buffer); !r) return fail(r.error());
    return std::string_view(buffer);
  }

 private:
  /// Decodes into `out` with decode_mutex held; a failure is remembered.
  Result<void> decode_locked(const Answer& a, std::string_view path, std::string& out) {
    if (decode_error) return fail(*decode_error);
    Result<void> r = decode_into(a, path, out);
    if (!r) decode_error = r.error();
    return r;
  }
};

struct Session::Slot {
  json::ParserSet parsers;
  std::string buffer;  // decoded answers, capacity kept
};

namespace {
// A slot keeps parsers and a buffer grown for answers up to this size (a node's guest list of
// 1,000 VMs is ~1.5 MB, the bulk of a big cluster's answers); larger ones (/cluster/resources,
// 3.3 MB, and the metrics export, 8.5 MB, of 10^4 guests; each once per scrape) are decoded and
// parsed with buffers freed right after, so the slots do not keep the largest answers' memory
// for the rest of the scrape.
constexpr size_t k_slot_keep_bytes = 2 << 20;
}  // namespace
struct Session::ParsedEntry : Once<Result<std::shared_ptr<const void>>> {};

Session::Session(FetchFn fetch, Clock::time_point deadline, size_t max_parallel, size_t parse_slots)
    : m_fetch(std::move(fetch)),
      m_deadline(deadline),
      m_max_parallel(max_parallel == 0 ? 1 : max_parallel),
      m_parse_slots(parse_slots != 0
                        ? parse_slots
                        : std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4)) {}

Session::~Session() = default;  // after Slot is complete

std::pair<std::shared_ptr<Session::Entry>, Result<Answer>> Session::answer(std::string_view path) {
  auto [entry, owner] = claim<Entry>(m_mutex, m_entries, path);
  if (!owner) return {entry, entry->wait()};
  {
    std::lock_guard lock(m_mutex);
    ++m_fetches;
  }
  Result<Answer> a =
      Clock::now() >= m_deadline
          ? Result<Answer>(
                fail(ErrorKind::timeout, "GET " + std::string(path) + ": scrape deadline exceeded"))
          : m_fetch(path, m_deadline);
  return {entry, entry->publish(std::move(a))};
}

Result<Body> Session::get(std::string_view path) {
  auto [entry, a] = answer(path);
  if (!a) return fail(a.error());
  return entry->decoded_body(*a, path);
}

Result<Answer> Session::get_answer(std::string_view path) {
  return answer(path).second;
}

void Session::release(std::string_view path) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard lock(m_mutex);
    auto it = m_entries.find(path);
    if (it == m_entries.end()) return;
    entry = it->second;
  }
  std::lock_guard lock(entry->mutex);
  if (!entry->done || !entry->result || !*entry->result) return;  // nothing held
  entry->result = Result<Answer>(fail(
      ErrorKind::internal, "GET " + std::string(path) + ": answer released by its only reader"));
}

void Session::prefetch(std::span<const std::string> paths) {
  run_parallel(paths.size(), [&](size_t i) { (void)answer(paths[i]); });
}

std::unique_ptr<Session::Slot> Session::take_slot() {
  std::unique_lock lock(m_slot_mutex);
  m_slot_cv.wait(lock, [&] { return m_parsing < m_parse_slots; });
  ++m_parsing;
  m_max_parsing = std::max(m_max_parsing, m_parsing);
  if (m_idle_slots.empty()) return std::make_unique<Slot>();
  std::unique_ptr<Slot> slot = std::move(m_idle_slots.back());
  m_idle_slots.pop_back();
  return slot;
}

void Session::give_slot(std::unique_ptr<Slot> slot) {
  {
    std::lock_guard lock(m_slot_mutex);
    --m_parsing;
    // One idle slot is enough to keep warm: when the parses no longer overlap (a wave's end,
    // or answers arriving slower than they are parsed) the others' buffers are freed, so the
    // scrape's peak, when the collectors put their rows together after the big parses, does
    // not hold every slot's parser for the largest list.
    if (m_idle_slots.empty()) {
      m_idle_slots.push_back(std::move(slot));
      slot = nullptr;
    }
  }
  m_slot_cv.notify_one();
  slot.reset();  // outside the lock
}

Result<void> Session::with_json(std::string_view path,
                                const std::function<void(std::string_view)>& use) {
  auto [entry, a] = answer(path);
  if (!a) return fail(a.error());
  std::unique_ptr<Slot> slot = take_slot();
  Result<void> out;
  {
    const std::optional<size_t> size =
        a->encoding == Encoding::gzip ? gzip_content_size(*a->bytes) : a->bytes->size();
    const bool keep = size && *size <= k_slot_keep_bytes;
    if (keep && slot->buffer.capacity() < *size + simdjson::SIMDJSON_PADDING) {
      // Room to spare, as ParserSet::reserve_dom.
      slot->buffer.clear();
      slot->buffer.reserve(*size + *size / 4 + simdjson::SIMDJSON_PADDING);
    }
    std::string own;  // the buffer of an answer too large for the slot's
    std::string& buffer = keep ? slot->buffer : own;
    Body held;
    Result<std::string_view> json = entry->json_for_parse(*a, path, held, buffer);
    if (json) {
      // Decoded buffers have simdjson's padding: parsed in place, not copied first. A large
      // answer's parser comes from the pool for this parse only and is freed right after.
      const std::string_view padded = is_padded(held ? *held : buffer) ? *json : std::string_view();
      std::optional<json::ParseScope> scope;
      if (keep)
        scope.emplace(slot->parsers, padded);
      else
        scope.emplace(padded);
      use(*json);
    } else {
      out = fail(json.error());
    }
  }  // a large answer's JSON and parser are gone before the slot is
  give_slot(std::move(slot));
  return out;
}

Result<std::shared_ptr<const void>> Session::get_parsed_erased(std::string_view path,
                                                               std::string_view type_key,
                                                               const ParseErased& parse) {
  std::string key(type_key);
  key += '\n';
  key += path;
  auto [entry, owner] = claim<ParsedEntry>(m_mutex, m_parsed, key);
  if (!owner) return entry->wait();
  return entry->publish(parse());
}

std::vector<Result<Body>> Session::get_all(std::span<const std::string> paths) {
  std::vector<Result<Body>> results(paths.size(), fail(ErrorKind::internal, "not fetched"));
  run_parallel(paths.size(), [&](size_t i) { results[i] = get(paths[i]); });
  return results;
}

void Session::run_parallel(size_t n, const std::function<void(size_t)>& job) {
  util::run_parallel(n, m_max_parallel, job);
}

size_t Session::fetch_count() const {
  std::lock_guard lock(m_mutex);
  return m_fetches;
}

size_t Session::max_parses_at_once() const {
  std::lock_guard lock(m_slot_mutex);
  return m_max_parsing;
}

}  // namespace pvex::pve
