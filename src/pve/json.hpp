// JSON helpers for the PVE parsers: simdjson DOM access returning Result/optional, tolerant of
// PVE's loose typing (numbers as strings, booleans as 0/1). Only pve/*.cpp include this file.
#pragma once

#include <algorithm>
#include <cstdint>
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

  /// Grows the buffers for answers of `bytes` (with room to spare: the next node's list is a
  /// little larger or smaller, and growing to exactly what is needed would reallocate, and
  /// page-fault, for most of them). A failed allocation shows again in the parse.
  void reserve(size_t bytes);
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
  /// The caller's document to parse into, or null (the parser's own).
  simdjson::dom::document* document() { return m_set ? &m_set->doc : nullptr; }
  /// The caller's On-Demand parser, or null (iterate() then uses one of its own).
  simdjson::ondemand::parser* ondemand_parser() { return m_set ? &m_set->ondemand : nullptr; }
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

/// The order of visit_members' keys: by length, then bytes (most comparisons end at the length).
inline bool key_less(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size();
  if (!a.empty() && a[0] != b[0])  // memcmp's order, without the call
    return static_cast<unsigned char>(a[0]) < static_cast<unsigned char>(b[0]);
  return a < b;
}

/// Visits the members of `obj` once, in document order, and calls `visit(i, value)` for the
/// first member named `keys[i]` unless its value is null: what `member(obj, keys[i])` would
/// return for every i, in one pass instead of one scan of the object per key. `keys` must be
/// sorted by key_less. For the large lists (10^4 guests with ~40 keys and ~30 per drive).
template <class Visit>
void visit_members(Object obj, std::span<const std::string_view> keys, Visit&& visit) {
  uint64_t seen = 0;  // keys.size() <= 64
  for (auto [key, value] : obj) {
    auto it = std::lower_bound(keys.begin(), keys.end(), key, key_less);
    if (it == keys.end() || *it != key) continue;
    const size_t i = static_cast<size_t>(it - keys.begin());
    if (seen & (uint64_t{1} << i)) continue;
    seen |= uint64_t{1} << i;
    if (!value.is_null()) visit(i, value);
  }
}

/// A model's optional fields by key, applied with visit_members: `set(model, value)` runs for
/// the first non-null member of each key. At most 64 keys.
template <class Model>
class FieldTable {
 public:
  using Setter = void (*)(Model&, Element);
  FieldTable(std::initializer_list<std::pair<std::string_view, Setter>> fields) : m_fields(fields) {
    std::sort(m_fields.begin(), m_fields.end(),
              [](const auto& a, const auto& b) { return key_less(a.first, b.first); });
    for (const auto& f : m_fields) m_keys.push_back(f.first);
    if (m_keys.size() > 64) m_keys.resize(64);  // visit_members' limit; no table comes close
  }
  void apply(Object obj, Model& model) const {
    visit_members(obj, m_keys, [&](size_t i, Element e) { m_fields[i].second(model, e); });
  }

 private:
  std::vector<std::pair<std::string_view, Setter>> m_fields;
  std::vector<std::string_view> m_keys;
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
      : m_fields(fields) {
    std::sort(m_fields.begin(), m_fields.end(),
              [](const auto& a, const auto& b) { return key_less(a.first, b.first); });
    for (const auto& f : m_fields) m_keys.push_back(f.first);
    if (m_keys.size() > 64) m_keys.resize(64);
  }
  void apply(Object obj, Model& model) const {
    visit_members(obj, m_keys, [&](size_t i, Element e) { m_fields[i].second(model, scalar(e)); });
  }
  void apply(const FlatObject& obj, Model& model) const {
    uint64_t seen = 0;
    for (const auto& [key, value] : obj.members) {
      auto it = std::lower_bound(m_keys.begin(), m_keys.end(), key, key_less);
      if (it == m_keys.end() || *it != key) continue;
      const size_t i = static_cast<size_t>(it - m_keys.begin());
      if (seen & (uint64_t{1} << i)) continue;
      seen |= uint64_t{1} << i;
      if (value.type != Scalar::Type::null) m_fields[i].second(model, value);
    }
  }

 private:
  std::vector<std::pair<std::string_view, Setter>> m_fields;
  std::vector<std::string_view> m_keys;
};

/// "<what>[index]", the context of an array element in error messages.
std::string element_context(std::string_view what, size_t index);

/// Parses every element of `array` with `parse_one(Object) -> Result<T>`; the first failure
/// becomes "<what>[i]: <message>".
template <class T, class F>
Result<std::vector<T>> parse_each(Array array, std::string_view what, F&& parse_one) {
  std::vector<T> out;
  out.reserve(array.size());
  size_t index = 0;
  for (Element e : array) {
    // The context string is built only on failure: lists have up to 10^5 elements.
    Object obj;
    if (e.get_object().get(obj)) return fail(as_object(e, element_context(what, index)).error());
    Result<T> item = parse_one(obj);
    if (!item) return fail(item.error(), element_context(what, index));
    out.push_back(std::move(*item));
    ++index;
  }
  return out;
}

}  // namespace pvex::pve::json
