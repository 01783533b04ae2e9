// JSON helpers for the PVE parsers: simdjson DOM access returning Result/optional, tolerant of
// PVE's loose typing (numbers as strings, booleans as 0/1). Only pve/*.cpp include this file.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "util/result.hpp"

namespace pvex::pve::json {

using Element = simdjson::dom::element;
using Object = simdjson::dom::object;
using Array = simdjson::dom::array;

/// A DOM parser taken from the shared pool; given back (or freed, when it grew past 1 MiB)
/// when destroyed.
class PooledParser {
 public:
  PooledParser();
  ~PooledParser();
  PooledParser(const PooledParser&) = delete;
  PooledParser& operator=(const PooledParser&) = delete;
  simdjson::dom::parser& get() { return *m_parser; }

 private:
  std::unique_ptr<simdjson::dom::parser> m_parser;
};

/// A DOM and an On-Demand parser that a caller keeps across parses (a session's parse slot):
/// their buffers, several times the size of the largest answer parsed, are allocated and
/// page-faulted once instead of once per parse.
struct ParserSet {
  simdjson::dom::parser dom;
  simdjson::dom::document doc;  // what `dom` parses into (its tape and strings)
  simdjson::ondemand::parser ondemand;

  /// Grow the DOM parser and document, or the On-Demand parser, for an answer of `bytes`, with
  /// room to spare: the next node's list is a little larger or smaller, and growing to exactly
  /// what is needed would reallocate (and page-fault) for most of them. Each kind is grown only
  /// when a parse uses it. A failed allocation shows again in the parse.
  void reserve_dom(size_t bytes);
  void reserve_ondemand(size_t bytes);
};

/// While alive, this thread's parses (parse_root, parse_data, ...) use a parser taken from the
/// pool for this scope only (or the caller's ParserSet) instead of the thread's own one, so a
/// thread that parses once does not keep a grown parser for its lifetime. `padded`, when given,
/// is a buffer with simdjson::SIMDJSON_PADDING readable bytes behind it: a parse of exactly
/// that buffer reads it in place instead of copying it into the parser first. Scopes nest; the
/// innermost wins.
class ParseScope {
 public:
  explicit ParseScope(std::string_view padded = {});
  ParseScope(ParserSet& parsers, std::string_view padded);
  ~ParseScope();
  ParseScope(const ParseScope&) = delete;
  ParseScope& operator=(const ParseScope&) = delete;

  simdjson::dom::parser& parser() { return m_set ? m_set->dom : m_pooled->get(); }
  /// The caller's document to parse an answer of `bytes` into (parser() and it grown for
  /// it), or null (the parser's own).
  simdjson::dom::document* document(size_t bytes) {
    if (m_set) m_set->reserve_dom(bytes);
    return m_set ? &m_set->doc : nullptr;
  }
  /// The caller's On-Demand parser grown for an answer of `bytes`, or null (iterate() then
  /// uses one of its own).
  simdjson::ondemand::parser* ondemand_parser(size_t bytes) {
    if (m_set) m_set->reserve_ondemand(bytes);
    return m_set ? &m_set->ondemand : nullptr;
  }
  std::string_view padded() const { return m_padded; }

 private:
  std::optional<PooledParser> m_pooled;
  ParserSet* m_set = nullptr;
  std::string_view m_padded;
  ParseScope* m_outer;
};

/// Whether `body` is exactly the padded buffer of this thread's innermost ParseScope, i.e.
/// simdjson may read SIMDJSON_PADDING bytes past its end (for On-Demand parses in place).
bool has_padding(std::string_view body);

/// Parses `body` with this thread's parser and returns the envelope's `data` member. The
/// returned element is a view that stays valid until the next parse on the same thread, so
/// parse functions copy what they need before returning. Malformed JSON, a body that is not an
/// object or one without `data` -> ErrorKind::parse naming `what` (e.g. "/cluster/resources").
Result<Element> parse_data(std::string_view body, std::string_view what);

/// The whole response object (for envelope members next to `data`, like `total` of tasks).
Result<Object> parse_root(std::string_view body, std::string_view what);

/// `data` as an object / array (see parse_data); anything else -> ErrorKind::parse.
Result<Object> data_object(std::string_view body, std::string_view what);
Result<Array> data_array(std::string_view body, std::string_view what);

/// The element's JSON type as a word for error messages ("object", "string", ...).
std::string_view type_name(Element e);

/// A member of `obj`; nullopt when absent or JSON null.
std::optional<Element> member(Object obj, std::string_view key);

/// A JSON value reduced to what the tolerant conversions below look at, so that the DOM and the
/// On-Demand parsers convert alike: its type and, for scalars, its value (a string is a view
/// into the parser's buffer or the input).
struct Scalar {
  enum class Type { int64, uint64, float64, boolean, string, null, other };  // other: {} or []
  Type type = Type::other;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  bool b = false;
  std::string_view s;
};

/// The Scalar of a DOM element.
Scalar scalar(Element e);

/// The Scalar of an On-Demand value (consuming it when it is a scalar); nullopt when the value
/// is malformed (the DOM parse then reports it).
std::optional<Scalar> scalar(simdjson::ondemand::value v);

/// The text of a JSON string token without unescaping it (a view into the input), or nullopt
/// when it has escapes. `raw` points behind the opening quote of a string stage 1 validated
/// (an On-Demand raw_json_string, e.g. a key).
std::optional<std::string_view> plain_text(const char* raw);

// Tolerant conversions of one element (PVE pitfalls §6): numbers may arrive as numeric strings,
// booleans as 0/1 or "1"/"". Values of a type that cannot be converted give nullopt.
std::optional<std::string> to_string(const Scalar& v);
std::optional<int64_t> to_int(const Scalar& v);
std::optional<uint64_t> to_uint(const Scalar& v);
std::optional<double> to_double(const Scalar& v);
std::optional<bool> to_bool(const Scalar& v);
// The same for a DOM element: to_x(scalar(e)).
std::optional<std::string> to_string(Element e);  // strings as is, numbers as decimal text
std::optional<int64_t> to_int(Element e);         // floats are truncated toward zero
std::optional<uint64_t> to_uint(Element e);       // negative values give nullopt
std::optional<double> to_double(Element e);
std::optional<bool> to_bool(Element e);  // true/false, any number (!= 0), "1"/"0"/"true"/"", ...

// Optional fields: absent, null or not convertible -> nullopt.
std::optional<std::string> opt_string(Object obj, std::string_view key);
std::optional<int64_t> opt_int(Object obj, std::string_view key);
std::optional<uint64_t> opt_uint(Object obj, std::string_view key);
std::optional<double> opt_double(Object obj, std::string_view key);
std::optional<bool> opt_bool(Object obj, std::string_view key);

/// A member that is an object / array; nullopt when absent, null or of another type.
std::optional<Object> opt_object(Object obj, std::string_view key);
std::optional<Array> opt_array(Object obj, std::string_view key);

// Required fields: absent or not convertible -> ErrorKind::parse "missing field 'k'" or
// "field 'k' has type T, expected E".
Result<std::string> req_string(Object obj, std::string_view key);
Result<int64_t> req_int(Object obj, std::string_view key);
Result<uint64_t> req_uint(Object obj, std::string_view key);
Result<double> req_double(Object obj, std::string_view key);

/// An object element or a parse error "<what> is a T, expected an object".
Result<Object> as_object(Element e, std::string_view what);
Result<Array> as_array(Element e, std::string_view what);

/// The order of KeyIndex's fallback search: by length, then bytes (most comparisons end at the
/// length).
inline bool key_less(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size();
  if (!a.empty() && a[0] != b[0])  // memcmp's order, without the call
    return static_cast<unsigned char>(a[0]) < static_cast<unsigned char>(b[0]);
  return a < b;
}

/// A fixed set of up to 64 keys, found with one hashed probe and one comparison: the member
/// loops over the big lists (10^4 guests with ~40 keys, ~30 per drive) look up ~10^6 keys per
/// scrape. The hash mixes the length with the first, middle and last eight bytes; its
/// multipliers are chosen when the index is built so that the set's keys do not collide. A set
/// that no tried multiplier separates is searched by binary search instead (still correct).
class KeyIndex {
 public:
  /// `attempts`: how many multipliers to try before falling back to binary search.
  explicit KeyIndex(std::span<const std::string_view> keys, int attempts = 4096);
  /// The position of `key` in the constructor's `keys`, or -1.
  int find(std::string_view key) const {
    const Probe p = probe(key);
    if (!m_hashed) return find_sorted(key);
    const int i = m_table[slot(p, m_mul)];
    if (i < 0) return -1;
    const Entry& e = m_entries[static_cast<size_t>(i)];
    if (e.probe.size != p.size || e.probe.first != p.first || e.probe.last != p.last) return -1;
    // first and last cover keys of up to 16 bytes; longer ones compare what lies between.
    if (p.size > 16 && std::memcmp(key.data() + 8, e.key.data() + 8, p.size - 16) != 0) return -1;
    return i;
  }
  size_t size() const { return m_entries.size(); }
  std::string_view key(size_t i) const { return m_entries[i].key; }

 private:
  static constexpr size_t k_slot_bits = 10;
  struct Probe {
    uint64_t first = 0, middle = 0, last = 0;  // little-endian loads, zero-padded
    size_t size = 0;
  };
  struct Entry {
    std::string_view key;
    Probe probe;
  };
  static uint64_t load(const char* p, size_t n) {
    uint64_t v = 0;
    if (n > 0) std::memcpy(&v, p, n < 8 ? n : 8);  // an empty key's data may be null
    return v;
  }
  static Probe probe(std::string_view k) {
    Probe p;
    p.size = k.size();
    p.first = load(k.data(), p.size);
    if (p.size > 8) p.last = load(k.data() + p.size - 8, 8);
    if (p.size > 16) p.middle = load(k.data() + p.size / 2 - 4, 8);
    return p;
  }
  static size_t slot(const Probe& p, uint64_t mul) {
    uint64_t h = p.first * 0x9E3779B97F4A7C15ull ^ p.last * 0xC2B2AE3D27D4EB4Full ^
                 p.middle * 0x165667B19E3779F9ull ^ p.size;
    h ^= h >> 32;
    return static_cast<size_t>((h * mul) >> (64 - k_slot_bits));
  }
  int find_sorted(std::string_view key) const;

  std::vector<Entry> m_entries;
  std::vector<std::pair<std::string_view, int>> m_sorted;  // the fallback
  std::array<int8_t, size_t{1} << k_slot_bits> m_table{};
  uint64_t m_mul = 0;
  bool m_hashed = false;
};

/// Visits the members of `obj` once, in document order, and calls `visit(i, value)` for the
/// first member named `keys.key(i)` unless its value is null: what `member(obj, keys.key(i))`
/// would return for every i, in one pass instead of one scan of the object per key.
template <class Visit>
void visit_members(Object obj, const KeyIndex& keys, Visit&& visit) {
  uint64_t seen = 0;  // keys.size() <= 64
  for (auto [key, value] : obj) {
    const int found = keys.find(key);
    if (found < 0) continue;
    const size_t i = static_cast<size_t>(found);
    if (seen & (uint64_t{1} << i)) continue;
    seen |= uint64_t{1} << i;
    if (!value.is_null()) visit(i, value);
  }
}

/// The keys of a field list, in its order (for KeyIndex).
template <class Fields>
std::vector<std::string_view> keys_of(const Fields& fields) {
  std::vector<std::string_view> keys;
  for (const auto& f : fields) keys.push_back(f.first);
  return keys;
}

/// A model's optional fields by key, applied with visit_members: `set(model, value)` runs for
/// the first non-null member of each key. At most 64 keys.
template <class Model>
class FieldTable {
 public:
  using Setter = void (*)(Model&, Element);
  FieldTable(std::initializer_list<std::pair<std::string_view, Setter>> fields)
      : m_fields(fields.begin(), fields.begin() + std::min<size_t>(fields.size(), 64)),
        m_index(keys_of(m_fields)) {}
  void apply(Object obj, Model& model) const {
    visit_members(obj, m_index, [&](size_t i, Element e) { m_fields[i].second(model, e); });
  }

 private:
  std::vector<std::pair<std::string_view, Setter>> m_fields;
  KeyIndex m_index;
};

/// One flat object read with On-Demand: its members in document order (keys without escapes,
/// values as Scalars; nested objects and arrays as Type::other). The accessors below read it
/// as their Object overloads read a DOM object (first member of a key; null = absent).
struct FlatObject {
  std::vector<std::pair<std::string_view, Scalar>> members;
};

std::optional<Scalar> member(const FlatObject& obj, std::string_view key);
std::optional<std::string> opt_string(const FlatObject& obj, std::string_view key);
std::optional<int64_t> opt_int(const FlatObject& obj, std::string_view key);
std::optional<uint64_t> opt_uint(const FlatObject& obj, std::string_view key);
std::optional<double> opt_double(const FlatObject& obj, std::string_view key);
std::optional<bool> opt_bool(const FlatObject& obj, std::string_view key);
Result<std::string> req_string(const FlatObject& obj, std::string_view key);
Result<int64_t> req_int(const FlatObject& obj, std::string_view key);

/// Reads the members of the On-Demand object `obj` into `out` (cleared first); false when the
/// object is malformed or has a key with escapes (the DOM parse then decides).
bool read_flat(simdjson::ondemand::object obj, FlatObject& out);

/// Starts an On-Demand iteration of `body` with this thread's ParseScope's On-Demand parser,
/// else with `local` (made here): in place when it has padding (has_padding), else over a padded
/// copy made in `copy`. The On-Demand kernel is simdjson's builtin one (the portable fallback
/// kernel for a generic x86-64 build; stage 1 and the DOM dispatch at run time).
simdjson::error_code iterate(std::optional<simdjson::ondemand::parser>& local,
                             std::string_view body, simdjson::padded_string& copy,
                             simdjson::ondemand::document& doc);

/// A model's optional scalar fields by key, for both parsers: `set(model, value)` runs for
/// the first non-null member of each key (visit_members' rule). At most 64 keys.
template <class Model>
class ScalarFieldTable {
 public:
  using Setter = void (*)(Model&, const Scalar&);
  ScalarFieldTable(std::initializer_list<std::pair<std::string_view, Setter>> fields)
      : m_fields(fields.begin(), fields.begin() + std::min<size_t>(fields.size(), 64)),
        m_index(keys_of(m_fields)) {}
  void apply(Object obj, Model& model) const {
    visit_members(obj, m_index, [&](size_t i, Element e) { m_fields[i].second(model, scalar(e)); });
  }
  void apply(const FlatObject& obj, Model& model) const {
    uint64_t seen = 0;
    for (const auto& [key, value] : obj.members) {
      const int found = m_index.find(key);
      if (found < 0) continue;
      const size_t i = static_cast<size_t>(found);
      if (seen & (uint64_t{1} << i)) continue;
      seen |= uint64_t{1} << i;
      if (value.type != Scalar::Type::null) m_fields[i].second(model, value);
    }
  }

 private:
  std::vector<std::pair<std::string_view, Setter>> m_fields;
  KeyIndex m_index;
};

/// "<what>[index]", the context of an array element in error messages.
std::string element_context(std::string_view what, size_t index);

/// Parses the elements of `array` in order with `parse_one(Object) -> Result<T>` and hands each
/// to `each(T&&)`; the first failure becomes "<what>[i]: <message>" (the elements before it
/// have been handed over).
template <class T, class F, class Each>
Result<void> visit_each(Array array, std::string_view what, F&& parse_one, Each&& each) {
  size_t index = 0;
  for (Element e : array) {
    // The context string is built only on failure: lists have up to 10^5 elements.
    Object obj;
    if (e.get_object().get(obj)) return fail(as_object(e, element_context(what, index)).error());
    Result<T> item = parse_one(obj);
    if (!item) return fail(item.error(), element_context(what, index));
    each(std::move(*item));
    ++index;
  }
  return {};
}

/// Parses every element of `array` with `parse_one(Object) -> Result<T>`; the first failure
/// becomes "<what>[i]: <message>".
template <class T, class F>
Result<std::vector<T>> parse_each(Array array, std::string_view what, F&& parse_one) {
  std::vector<T> out;
  out.reserve(array.size());
  Result<void> r =
      visit_each<T>(array, what, parse_one, [&](T&& item) { out.push_back(std::move(item)); });
  if (!r) return fail(r.error());
  return out;
}

}  // namespace pvex::pve::json
