// JSON helpers for the PVE parsers: envelope access and tolerant field conversion.
#include "pve/json.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "util/strings.hpp"

namespace pvex::pve::json {
namespace {

/// Parsers kept between threads: a scrape runs its collectors on fresh threads, and a fresh
/// parser allocates (and page-faults) buffers of several times the body size on its first
/// parse. A thread takes one on its first parse and gives it back when it ends.
class ParserPool {
 public:
  static ParserPool& instance() {
    static ParserPool* pool = new ParserPool;  // never destroyed: threads may end after exit()
    return *pool;
  }
  std::unique_ptr<simdjson::dom::parser> take() {
    std::lock_guard lock(m_mutex);
    if (m_idle.empty()) return std::make_unique<simdjson::dom::parser>();
    std::unique_ptr<simdjson::dom::parser> p = std::move(m_idle.back());
    m_idle.pop_back();
    return p;
  }
  void give_back(std::unique_ptr<simdjson::dom::parser> p) {
    // A parser grown for a big answer (a large cluster's guest lists) holds several times that
    // answer's size: freed, not kept, or eight of them would stay resident between scrapes
    // (10,000 guests: RSS between scrapes grew 73 -> 283 MB over five scrapes).
    if (p->capacity() > k_max_kept_capacity) return;
    std::lock_guard lock(m_mutex);
    if (m_idle.size() < k_max_idle) m_idle.push_back(std::move(p));
  }

 private:
  static constexpr size_t k_max_idle = 8;  // about the number of collectors parsing at once
  static constexpr size_t k_max_kept_capacity = 1 << 20;  // documents up to 1 MiB
  std::mutex m_mutex;
  std::vector<std::unique_ptr<simdjson::dom::parser>> m_idle;
};

/// This thread's parser, taken from the pool on first use and returned at thread exit.
class ParserLease {
 public:
  ParserLease() : m_parser(ParserPool::instance().take()) {}
  ~ParserLease() { ParserPool::instance().give_back(std::move(m_parser)); }
  ParserLease(const ParserLease&) = delete;
  ParserLease& operator=(const ParserLease&) = delete;
  simdjson::dom::parser& get() { return *m_parser; }

 private:
  std::unique_ptr<simdjson::dom::parser> m_parser;
};

thread_local ParseScope* t_scope = nullptr;

simdjson::dom::parser& thread_parser() {
  if (t_scope) return t_scope->parser();
  thread_local ParserLease lease;
  return lease.get();
}

/// Whether `body` can be parsed in place: it is the padded buffer of this thread's scope.
bool is_padded(std::string_view body) {
  return t_scope && !t_scope->padded().empty() && body.data() == t_scope->padded().data() &&
         body.size() == t_scope->padded().size();
}

std::optional<int64_t> double_to_int(double d) {
  if (!std::isfinite(d)) return std::nullopt;
  double t = std::trunc(d);
  if (t < -9.2e18 || t > 9.2e18) return std::nullopt;
  return static_cast<int64_t>(t);
}

}  // namespace

PooledParser::PooledParser() : m_parser(ParserPool::instance().take()) {}

PooledParser::~PooledParser() {
  ParserPool::instance().give_back(std::move(m_parser));
}

KeyIndex::KeyIndex(std::span<const std::string_view> keys, int attempts) {
  for (size_t i = 0; i < keys.size() && i < 64; ++i) {
    m_entries.push_back({keys[i], probe(keys[i])});
    m_sorted.emplace_back(keys[i], static_cast<int>(i));
  }
  std::stable_sort(m_sorted.begin(), m_sorted.end(),
                   [](const auto& a, const auto& b) { return key_less(a.first, b.first); });
  // Multipliers from a fixed sequence (the index is the same on every run): the first that
  // puts every key in a slot of its own.
  uint64_t mul = 0x9E3779B97F4A7C15ull;
  for (int attempt = 0; attempt < attempts && !m_hashed; ++attempt) {
    mul = (mul * 6364136223846793005ull + 1442695040888963407ull) | 1;
    m_table.fill(-1);
    bool clash = false;
    for (size_t i = 0; i < m_entries.size() && !clash; ++i) {
      int8_t& cell = m_table[slot(m_entries[i].probe, mul)];
      if (cell >= 0 && m_entries[static_cast<size_t>(cell)].key != m_entries[i].key)
        clash = true;
      else if (cell < 0)
        cell = static_cast<int8_t>(i);  // a repeated key keeps its first position
    }
    if (!clash) {
      m_mul = mul;
      m_hashed = true;
    }
  }
}

int KeyIndex::find_sorted(std::string_view key) const {
  auto it = std::lower_bound(m_sorted.begin(), m_sorted.end(), key,
                             [](const std::pair<std::string_view, int>& a, std::string_view k) {
                               return key_less(a.first, k);
                             });
  return it != m_sorted.end() && it->first == key ? it->second : -1;
}

ParseScope::ParseScope(std::string_view padded)
    : m_pooled(std::in_place), m_padded(padded), m_outer(t_scope) {
  t_scope = this;
}

void ParserSet::reserve_dom(size_t bytes) {
  simdjson::error_code ignored{};
  if (dom.capacity() < bytes) ignored = dom.allocate(bytes + bytes / 4);
  if (doc.capacity() < bytes) ignored = doc.allocate(bytes + bytes / 4);
  (void)ignored;
}

void ParserSet::reserve_ondemand(size_t bytes) {
  simdjson::error_code ignored{};
  if (ondemand.capacity() < bytes) ignored = ondemand.allocate(bytes + bytes / 4);
  (void)ignored;
}

ParseScope::ParseScope(ParserSet& parsers, std::string_view padded)
    : m_set(&parsers), m_padded(padded), m_outer(t_scope) {
  t_scope = this;
}

ParseScope::~ParseScope() {
  t_scope = m_outer;
}

bool has_padding(std::string_view body) {
  return is_padded(body);
}

std::string_view type_name(Element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY:
      return "array";
    case simdjson::dom::element_type::OBJECT:
      return "object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      return "number";
    case simdjson::dom::element_type::STRING:
      return "string";
    case simdjson::dom::element_type::BOOL:
      return "boolean";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
  }
  return "unknown";
}

Result<Object> parse_root(std::string_view body, std::string_view what) {
  Element root;
  // realloc_if_needed copies the body into a padded buffer (the parser keeps it: one more copy
  // of the answer resident), so only where the body has no padding of its own.
  simdjson::dom::document* doc = t_scope ? t_scope->document(body.size()) : nullptr;
  simdjson::error_code err =
      doc ? thread_parser()
                .parse_into_document(*doc, reinterpret_cast<const uint8_t*>(body.data()),
                                     body.size(), !is_padded(body))
                .get(root)
          : thread_parser().parse(body.data(), body.size(), !is_padded(body)).get(root);
  if (err) {
    return fail(ErrorKind::parse, fmt::format("{}: invalid JSON ({}, {} bytes)", what,
                                              simdjson::error_message(err), body.size()));
  }
  Object obj;
  if (root.get_object().get(obj)) {
    return fail(ErrorKind::parse, fmt::format("{}: response is a JSON {}, expected an object", what,
                                              type_name(root)));
  }
  return obj;
}

Result<Element> parse_data(std::string_view body, std::string_view what) {
  Result<Object> root = parse_root(body, what);
  if (!root) return fail(root.error());
  Object obj = *root;
  Element data;
  if (obj["data"].get(data)) {
    return fail(ErrorKind::parse, fmt::format("{}: response has no 'data' member", what));
  }
  return data;
}

std::string element_context(std::string_view what, size_t index) {
  return fmt::format("{}[{}]", what, index);
}

Result<Object> as_object(Element e, std::string_view what) {
  Object obj;
  if (e.get_object().get(obj)) {
    return fail(ErrorKind::parse,
                fmt::format("{} is a {}, expected an object", what, type_name(e)));
  }
  return obj;
}

Result<Array> as_array(Element e, std::string_view what) {
  Array arr;
  if (e.get_array().get(arr)) {
    return fail(ErrorKind::parse, fmt::format("{} is a {}, expected an array", what, type_name(e)));
  }
  return arr;
}

Result<Object> data_object(std::string_view body, std::string_view what) {
  Result<Element> data = parse_data(body, what);
  if (!data) return fail(data.error());
  return as_object(*data, fmt::format("{}: data", what));
}

Result<Array> data_array(std::string_view body, std::string_view what) {
  Result<Element> data = parse_data(body, what);
  if (!data) return fail(data.error());
  return as_array(*data, fmt::format("{}: data", what));
}

std::optional<Element> member(Object obj, std::string_view key) {
  Element e;
  if (obj[key].get(e)) return std::nullopt;
  if (e.is_null()) return std::nullopt;
  return e;
}

Scalar scalar(Element e) {
  Scalar v;
  switch (e.type()) {
    case simdjson::dom::element_type::INT64:
      v.type = Scalar::Type::int64;
      v.i = e.get_int64().value_unsafe();
      break;
    case simdjson::dom::element_type::UINT64:
      v.type = Scalar::Type::uint64;
      v.u = e.get_uint64().value_unsafe();
      break;
    case simdjson::dom::element_type::DOUBLE:
      v.type = Scalar::Type::float64;
      v.d = e.get_double().value_unsafe();
      break;
    case simdjson::dom::element_type::BOOL:
      v.type = Scalar::Type::boolean;
      v.b = e.get_bool().value_unsafe();
      break;
    case simdjson::dom::element_type::STRING:
      v.type = Scalar::Type::string;
      v.s = e.get_string().value_unsafe();
      break;
    case simdjson::dom::element_type::NULL_VALUE:
      v.type = Scalar::Type::null;
      break;
    default:
      break;
  }
  return v;
}

std::optional<Scalar> scalar(simdjson::ondemand::value value) {
  namespace od = simdjson::ondemand;
  od::json_type type;
  if (value.type().get(type)) return std::nullopt;
  Scalar v;
  switch (type) {
    case od::json_type::number: {
      od::number n;
      if (value.get_number().get(n)) return std::nullopt;
      switch (n.get_number_type()) {
        case od::number_type::signed_integer:
          v.type = Scalar::Type::int64;
          v.i = n.get_int64();
          break;
        case od::number_type::unsigned_integer:
          v.type = Scalar::Type::uint64;
          v.u = n.get_uint64();
          break;
        case od::number_type::floating_point_number:
          v.type = Scalar::Type::float64;
          v.d = n.get_double();
          break;
      }
      break;
    }
    case od::json_type::string: {
      od::raw_json_string raw;
      if (value.get_raw_json_string().get(raw)) return std::nullopt;
      if (std::optional<std::string_view> plain = plain_text(raw.raw())) {
        v.s = *plain;  // no escapes: a view into the input, nothing copied
      } else if (value.get_string().get(v.s)) {
        return std::nullopt;
      }
      v.type = Scalar::Type::string;
      break;
    }
    case od::json_type::boolean:
      if (value.get_bool().get(v.b)) return std::nullopt;
      v.type = Scalar::Type::boolean;
      break;
    case od::json_type::null: {
      bool null = false;
      if (value.is_null().get(null) || !null) return std::nullopt;
      v.type = Scalar::Type::null;
      break;
    }
    default:
      break;  // an object or array: skipped by the caller's iteration
  }
  return v;
}

std::optional<std::string_view> plain_text(const char* raw) {
  const char* end = raw;
  while (*end != '"') {
    if (*end == '\\') return std::nullopt;
    ++end;
  }
  return std::string_view(raw, static_cast<size_t>(end - raw));
}

std::optional<std::string> to_string(const Scalar& v) {
  switch (v.type) {
    case Scalar::Type::string:
      return std::string(v.s);
    case Scalar::Type::int64:
      return std::to_string(v.i);
    case Scalar::Type::uint64:
      return std::to_string(v.u);
    case Scalar::Type::float64:
      return fmt::format("{}", v.d);
    default:
      return std::nullopt;
  }
}

std::optional<int64_t> to_int(const Scalar& v) {
  switch (v.type) {
    case Scalar::Type::int64:
      return v.i;
    case Scalar::Type::uint64:
      if (v.u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
      return static_cast<int64_t>(v.u);
    case Scalar::Type::float64:
      return double_to_int(v.d);
    case Scalar::Type::boolean:
      return v.b ? 1 : 0;
    case Scalar::Type::string: {
      std::string_view s = util::trim(v.s);
      if (std::optional<int64_t> i = util::parse_int(s)) return i;
      if (std::optional<double> d = util::parse_double(s)) return double_to_int(*d);
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

std::optional<uint64_t> to_uint(const Scalar& v) {
  if (v.type == Scalar::Type::uint64) return v.u;
  if (v.type == Scalar::Type::string) {
    std::string_view s = util::trim(v.s);
    if (std::optional<uint64_t> u = util::parse_uint(s)) return u;
  }
  std::optional<int64_t> i = to_int(v);
  if (!i || *i < 0) return std::nullopt;
  return static_cast<uint64_t>(*i);
}

std::optional<double> to_double(const Scalar& v) {
  switch (v.type) {
    case Scalar::Type::int64:
      return static_cast<double>(v.i);
    case Scalar::Type::uint64:
      return static_cast<double>(v.u);
    case Scalar::Type::float64:
      return v.d;
    case Scalar::Type::boolean:
      return v.b ? 1.0 : 0.0;
    case Scalar::Type::string:
      return util::parse_double(util::trim(v.s));
    default:
      return std::nullopt;
  }
}

std::optional<bool> to_bool(const Scalar& v) {
  switch (v.type) {
    case Scalar::Type::boolean:
      return v.b;
    case Scalar::Type::int64:
    case Scalar::Type::uint64:
    case Scalar::Type::float64:
      return to_double(v).value_or(0) != 0;
    case Scalar::Type::string: {
      std::string_view s = util::trim(v.s);
      if (s.empty()) return false;  // cpuinfo.hvm is "1" or ""
      return util::parse_bool(s);
    }
    default:
      return std::nullopt;
  }
}

std::optional<std::string> to_string(Element e) {
  return to_string(scalar(e));
}
// The common case first, straight from the tape: an integer the DOM stored as int64 (every
// integer up to 2^63); anything else takes the tolerant conversions of its Scalar.
std::optional<int64_t> to_int(Element e) {
  if (e.type() == simdjson::dom::element_type::INT64) return e.get_int64().value_unsafe();
  return to_int(scalar(e));
}
std::optional<uint64_t> to_uint(Element e) {
  if (e.type() == simdjson::dom::element_type::INT64) {
    const int64_t i = e.get_int64().value_unsafe();
    if (i >= 0) return static_cast<uint64_t>(i);
    return std::nullopt;
  }
  return to_uint(scalar(e));
}
std::optional<double> to_double(Element e) {
  if (e.type() == simdjson::dom::element_type::DOUBLE) return e.get_double().value_unsafe();
  if (e.type() == simdjson::dom::element_type::INT64)
    return static_cast<double>(e.get_int64().value_unsafe());
  return to_double(scalar(e));
}
std::optional<bool> to_bool(Element e) {
  return to_bool(scalar(e));
}

std::optional<std::string> opt_string(Object obj, std::string_view key) {
  std::optional<Element> e = member(obj, key);
  return e ? to_string(*e) : std::nullopt;
}
std::optional<int64_t> opt_int(Object obj, std::string_view key) {
  std::optional<Element> e = member(obj, key);
  return e ? to_int(*e) : std::nullopt;
}
std::optional<uint64_t> opt_uint(Object obj, std::string_view key) {
  std::optional<Element> e = member(obj, key);
  return e ? to_uint(*e) : std::nullopt;
}
std::optional<double> opt_double(Object obj, std::string_view key) {
  std::optional<Element> e = member(obj, key);
  return e ? to_double(*e) : std::nullopt;
}
std::optional<bool> opt_bool(Object obj, std::string_view key) {
  std::optional<Element> e = member(obj, key);
  return e ? to_bool(*e) : std::nullopt;
}

std::optional<Object> opt_object(Object obj, std::string_view key) {
  std::optional<Element> e = member(obj, key);
  Object sub;
  if (!e || e->get_object().get(sub)) return std::nullopt;
  return sub;
}
std::optional<Array> opt_array(Object obj, std::string_view key) {
  std::optional<Element> e = member(obj, key);
  Array sub;
  if (!e || e->get_array().get(sub)) return std::nullopt;
  return sub;
}

namespace {

template <class T, class Convert>
Result<T> required(Object obj, std::string_view key, std::string_view expected, Convert convert) {
  std::optional<Element> e = member(obj, key);
  if (!e) return fail(ErrorKind::parse, fmt::format("missing field '{}'", key));
  std::optional<T> v = convert(*e);
  if (!v) {
    return fail(ErrorKind::parse,
                fmt::format("field '{}' has type {}, expected {}", key, type_name(*e), expected));
  }
  return std::move(*v);
}

}  // namespace

Result<std::string> req_string(Object obj, std::string_view key) {
  return required<std::string>(obj, key, "a string", [](Element e) { return to_string(e); });
}
Result<int64_t> req_int(Object obj, std::string_view key) {
  return required<int64_t>(obj, key, "an integer", [](Element e) { return to_int(e); });
}
Result<uint64_t> req_uint(Object obj, std::string_view key) {
  return required<uint64_t>(obj, key, "a non-negative integer",
                            [](Element e) { return to_uint(e); });
}
Result<double> req_double(Object obj, std::string_view key) {
  return required<double>(obj, key, "a number", [](Element e) { return to_double(e); });
}

std::optional<Scalar> member(const FlatObject& obj, std::string_view key) {
  for (const auto& [k, v] : obj.members)
    if (k == key) return v.type == Scalar::Type::null ? std::nullopt : std::optional<Scalar>(v);
  return std::nullopt;
}

std::optional<std::string> opt_string(const FlatObject& obj, std::string_view key) {
  std::optional<Scalar> v = member(obj, key);
  return v ? to_string(*v) : std::nullopt;
}
std::optional<int64_t> opt_int(const FlatObject& obj, std::string_view key) {
  std::optional<Scalar> v = member(obj, key);
  return v ? to_int(*v) : std::nullopt;
}
std::optional<uint64_t> opt_uint(const FlatObject& obj, std::string_view key) {
  std::optional<Scalar> v = member(obj, key);
  return v ? to_uint(*v) : std::nullopt;
}
std::optional<double> opt_double(const FlatObject& obj, std::string_view key) {
  std::optional<Scalar> v = member(obj, key);
  return v ? to_double(*v) : std::nullopt;
}
std::optional<bool> opt_bool(const FlatObject& obj, std::string_view key) {
  std::optional<Scalar> v = member(obj, key);
  return v ? to_bool(*v) : std::nullopt;
}

namespace {

std::string_view type_name(const Scalar& v) {
  switch (v.type) {
    case Scalar::Type::int64:
    case Scalar::Type::uint64:
    case Scalar::Type::float64:
      return "number";
    case Scalar::Type::boolean:
      return "boolean";
    case Scalar::Type::string:
      return "string";
    case Scalar::Type::null:
      return "null";
    case Scalar::Type::other:
      break;
  }
  return "object or array";
}

template <class T, class Convert>
Result<T> required(const FlatObject& obj, std::string_view key, std::string_view expected,
                   Convert convert) {
  std::optional<Scalar> v = member(obj, key);
  if (!v) return fail(ErrorKind::parse, fmt::format("missing field '{}'", key));
  std::optional<T> out = convert(*v);
  if (!out) {
    return fail(ErrorKind::parse,
                fmt::format("field '{}' has type {}, expected {}", key, type_name(*v), expected));
  }
  return std::move(*out);
}

}  // namespace

Result<std::string> req_string(const FlatObject& obj, std::string_view key) {
  return required<std::string>(obj, key, "a string", [](const Scalar& v) { return to_string(v); });
}
Result<int64_t> req_int(const FlatObject& obj, std::string_view key) {
  return required<int64_t>(obj, key, "an integer", [](const Scalar& v) { return to_int(v); });
}

bool read_flat(simdjson::ondemand::object obj, FlatObject& out) {
  out.members.clear();
  for (auto member : obj) {
    simdjson::ondemand::field f;
    if (std::move(member).get(f)) return false;
    std::optional<std::string_view> key = plain_text(f.key().raw());
    if (!key) return false;
    std::optional<Scalar> value = scalar(f.value());
    if (!value) return false;
    out.members.emplace_back(*key, *value);
  }
  return true;
}

simdjson::error_code iterate(std::optional<simdjson::ondemand::parser>& local,
                             std::string_view body, simdjson::padded_string& copy,
                             simdjson::ondemand::document& doc) {
  simdjson::ondemand::parser* scoped = t_scope ? t_scope->ondemand_parser(body.size()) : nullptr;
  simdjson::ondemand::parser& parser = scoped ? *scoped : local.emplace();
  if (has_padding(body)) {
    return parser
        .iterate(simdjson::padded_string_view(body.data(), body.size(),
                                              body.size() + simdjson::SIMDJSON_PADDING))
        .get(doc);
  }
  copy = simdjson::padded_string(body);
  return parser.iterate(copy).get(doc);
}

}  // namespace pvex::pve::json
