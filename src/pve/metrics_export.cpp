// Parser of GET /cluster/metrics/export.
#include "pve/metrics_export.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

#include <simdjson.h>

#include "pve/gzip.hpp"
#include "pve/json.hpp"
#include "util/strings.hpp"

namespace pvex::pve {
namespace {

constexpr std::string_view k_what = "/cluster/metrics/export";

Result<ExportedMetric> parse_item(json::Object obj) {
  Result<std::string> id = json::req_string(obj, "id");
  if (!id) return fail(id.error());
  Result<std::string> metric = json::req_string(obj, "metric");
  if (!metric) return fail(metric.error());
  Result<double> value = json::req_double(obj, "value");
  if (!value) return fail(value.error());
  return ExportedMetric{std::move(*id), std::move(*metric), *value,
                        json::opt_int(obj, "timestamp").value_or(0),
                        json::opt_string(obj, "type").value_or("gauge")};
}

/// True when `obj` is an item parse_item accepts and its id (a string) does not start with
/// `prefix`: it can be dropped without building it. Anything doubtful goes to parse_item,
/// which reports malformed items exactly as the unfiltered parse does.
bool skippable(json::Object obj, std::string_view prefix) {
  std::optional<json::Element> id = json::member(obj, "id");
  std::string_view id_text;
  if (!id || id->get_string().get(id_text) || id_text.starts_with(prefix)) return false;
  std::optional<json::Element> metric = json::member(obj, "metric");
  if (!metric || !(metric->is_string() || metric->is_number())) return false;
  std::optional<json::Element> value = json::member(obj, "value");
  return value && json::to_double(*value).has_value();
}

namespace od = simdjson::ondemand;

/// A string value as plain_text; nullopt for any other type or a string with escapes.
std::optional<std::string_view> plain_string(od::value v) {
  od::raw_json_string raw;
  if (v.get_raw_json_string().get(raw)) return std::nullopt;
  return json::plain_text(raw.raw());
}

/// A number value converted as json::to_double converts the DOM's (numbers, numeric strings);
/// nullopt for anything else, including what to_double would accept but is rare (booleans).
std::optional<double> number_value(od::value v) {
  od::json_type type;
  if (v.type().get(type)) return std::nullopt;
  if (type == od::json_type::string) {
    std::optional<std::string_view> text = plain_string(v);
    return text ? util::parse_double(util::trim(*text)) : std::nullopt;
  }
  if (type != od::json_type::number) return std::nullopt;
  od::number n;
  if (v.get_number().get(n)) return std::nullopt;
  switch (n.get_number_type()) {
    case od::number_type::signed_integer:
      return static_cast<double>(n.get_int64());
    case od::number_type::unsigned_integer:
      return static_cast<double>(n.get_uint64());
    case od::number_type::floating_point_number:
      return n.get_double();
  }
  return std::nullopt;
}

/// The filtered parse of a well-formed answer with On-Demand: no DOM (whose tape and string
/// copies are ~2.5x the 8.5 MB answer of 10^4 guests) and no copy of the items left out.
/// nullopt as soon as anything is unusual (a malformed item, escapes, duplicate-key subtleties
/// aside, types the DOM path would convert): the DOM parse then decides and reports, so errors
/// stay exactly those of parse(). Unlike the DOM, values of keys no item reads are not
/// validated (stage 1 still checks the structure, strings and UTF-8 of the whole answer).
std::optional<std::vector<ExportedMetric>> parse_on_demand(std::string_view body,
                                                           std::string_view id_prefix) {
  std::optional<od::parser> parser;
  simdjson::padded_string copy;
  od::document doc;
  od::object root;
  if (json::iterate(parser, body, copy, doc) || doc.get_object().get(root)) return std::nullopt;
  std::vector<ExportedMetric> out;
  // Every member of both envelopes is walked (not looked up), so that at the end the whole
  // document has been passed and trailing garbage shows.
  auto first_member = [](od::object obj, std::string_view name, auto&& use) {
    bool found = false;
    for (auto member : obj) {
      od::field f;
      if (std::move(member).get(f)) return false;
      std::optional<std::string_view> key = json::plain_text(f.key().raw());
      if (!key) return false;
      if (*key != name || found) continue;
      found = true;
      if (!use(f.value())) return false;
    }
    return found;
  };
  auto items_of = [&](od::array items) {
    for (auto element : items) {
      od::object obj;
      if (std::move(element).get_object().get(obj)) return false;
      // The first member of each key counts, null or not (json::member's view of the DOM).
      enum : unsigned { k_id = 1, k_metric = 2, k_value = 4, k_timestamp = 8, k_type = 16 };
      unsigned seen = 0;
      std::optional<std::string_view> id, metric, type;
      std::optional<double> value;
      std::optional<int64_t> timestamp;
      bool odd = false;  // a timestamp or type the DOM path would convert
      for (auto member : obj) {
        od::field f;
        if (std::move(member).get(f)) return false;
        std::optional<std::string_view> key = json::plain_text(f.key().raw());
        if (!key) return false;
        unsigned bit = 0;
        if (*key == "id")
          bit = k_id;
        else if (*key == "metric")
          bit = k_metric;
        else if (*key == "value")
          bit = k_value;
        else if (*key == "timestamp")
          bit = k_timestamp;
        else if (*key == "type")
          bit = k_type;
        if (bit == 0 || (seen & bit)) continue;
        seen |= bit;
        od::value v = f.value();
        bool null = false;
        if (v.is_null().get(null)) return false;
        if (null) continue;
        switch (bit) {
          case k_id:
            id = plain_string(v);
            break;
          case k_metric:
            metric = plain_string(v);
            break;
          case k_value:
            value = number_value(v);
            break;
          case k_timestamp: {
            int64_t t;
            if (v.get_int64().get(t))
              odd = true;
            else
              timestamp = t;
            break;
          }
          case k_type:
            type = plain_string(v);
            if (!type) odd = true;
            break;
        }
      }
      if (!id || !metric || !value) return false;
      if (!id->starts_with(id_prefix)) continue;
      if (odd) return false;
      out.push_back(ExportedMetric{std::string(*id), std::string(*metric), *value,
                                   timestamp.value_or(0), std::string(type.value_or("gauge"))});
    }
    return true;
  };
  const bool ok = first_member(root, "data", [&](od::value data) {
    od::object outer;
    if (data.get_object().get(outer)) return false;
    return first_member(outer, "data", [&](od::value list) {
      od::array items;
      return !list.get_array().get(items) && items_of(items);
    });
  });
  // On-Demand 3.0 cannot tell whether the root was the whole document: at least the last
  // character must close it (the DOM path reports what else follows).
  std::string_view rest = util::trim(body);
  if (!ok || rest.empty() || rest.back() != '}') return std::nullopt;
  return out;
}

Result<std::vector<ExportedMetric>> parse(std::string_view body, std::string_view id_prefix) {
  Result<json::Object> outer = json::data_object(body, k_what);
  if (!outer) return fail(outer.error());
  std::optional<json::Array> arr = json::opt_array(*outer, "data");
  if (!arr) {
    return fail(ErrorKind::parse,
                std::string(k_what) + ": data has no 'data' array (expected a double envelope)");
  }
  std::vector<ExportedMetric> out;
  if (id_prefix.empty()) out.reserve(arr->size());
  size_t index = 0;
  for (json::Element e : *arr) {
    const size_t i = index++;
    json::Object obj;
    if (e.get_object().get(obj))
      return fail(json::as_object(e, json::element_context(k_what, i)).error());
    if (!id_prefix.empty() && skippable(obj, id_prefix)) continue;
    Result<ExportedMetric> item = parse_item(obj);
    if (!item) return fail(item.error(), json::element_context(k_what, i));
    if (item->id.starts_with(id_prefix)) out.push_back(std::move(*item));  // numeric ids
  }
  return out;
}

/// The node items of an answer in the shape PVE writes, found by their id's text instead of a
/// walk over every item: ~150 node items among ~150,000 guest and storage items (8.5 MB at
/// 10^4 guests). Fed the answer in pieces as it is decoded, it keeps only the last unfinished
/// item between pieces, so the answer is never held whole. Taken only when the answer is
/// `{"data":{"data":[...]}}` (whitespace only between the items), has no backslash anywhere
/// (so `"node/` can only open a plain string) and is valid UTF-8; every hit's enclosing object
/// must be flat, an element of a list, and parse as an item. Items of other objects are not
/// validated: a malformed guest item does not hide the nodes' traffic. Anything else, and an
/// answer without node items, gives nullopt: the On-Demand and DOM paths then decide, with
/// their exact errors.
class NodeScan {
 public:
  /// Takes the next piece; false once the answer is not one the scan takes.
  bool feed(std::string_view piece) {
    if (!m_ok) return false;
    if (std::memchr(piece.data(), '\\', piece.size()) != nullptr) return m_ok = false;
    m_window.append(piece);
    if (!m_head && !head()) return m_ok;
    m_ok = scan(false) && cut();
    return m_ok;
  }

  /// After the last piece: the node items, or nullopt.
  std::optional<std::vector<ExportedMetric>> finish() {
    if (!m_ok || !m_head || !scan(true)) return std::nullopt;
    const std::string_view rest = util::trim(m_window);
    if (!rest.ends_with(k_tail) || !simdjson::validate_utf8(m_window.data(), m_window.size()) ||
        m_items.empty())
      return std::nullopt;
    return std::move(m_items);
  }

 private:
  static constexpr std::string_view k_head = "{\"data\":{\"data\":[", k_tail = "]}}";
  static constexpr std::string_view k_needle = "\"node/";
  static bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

  /// Checks the envelope's head once enough has arrived; false while waiting or on a mismatch
  /// (m_ok tells which).
  bool head() {
    const size_t start = m_window.find_first_not_of(" \t\r\n");
    if (start == std::string::npos || m_window.size() - start < k_head.size()) return false;
    if (std::string_view(m_window).substr(start, k_head.size()) != k_head) return m_ok = false;
    m_head = true;
    m_pos = m_floor = start + k_head.size();
    return true;
  }

  /// Reads every complete hit from m_pos; stops at an item that has not fully arrived (false
  /// for that only when `last`), false on anything unusual.
  bool scan(bool last) {
    m_pending = std::string::npos;
    for (;;) {
      const void* hit = memmem(m_window.data() + m_pos, m_window.size() - m_pos, k_needle.data(),
                               k_needle.size());
      if (hit == nullptr) return true;
      const size_t pos = static_cast<size_t>(static_cast<const char*>(hit) - m_window.data());
      const size_t open = m_window.rfind('{', pos);
      const size_t close = m_window.find('}', pos);
      if (open == std::string::npos || open < m_floor || open == 0) return false;
      if (close == std::string::npos) {
        m_pending = open;  // the rest of this item has not arrived yet
        return !last;
      }
      // Flat, and an element of the list: after '[' or ',', before ',' or ']' (whitespace
      // between them allowed).
      size_t next = close + 1;
      while (next < m_window.size() && is_space(m_window[next])) ++next;
      if (next == m_window.size()) {
        m_pending = open;
        return !last;
      }
      size_t before = open;
      while (before > 0 && is_space(m_window[before - 1])) --before;
      const std::string_view item = std::string_view(m_window).substr(open, close + 1 - open);
      if (before == 0 || item.find_first_of("[]") != std::string_view::npos ||
          (m_window[before - 1] != '[' && m_window[before - 1] != ',') ||
          (m_window[next] != ',' && m_window[next] != ']'))
        return false;
      json::Object obj;
      if (m_parser.parse(item.data(), item.size()).get_object().get(obj)) return false;
      Result<ExportedMetric> m = parse_item(obj);
      if (!m) return false;
      if (m->id.starts_with("node/")) m_items.push_back(std::move(*m));
      m_pos = close + 1;
    }
  }

  /// Drops what is read: everything before the item a hit waits in for its end, or else before
  /// the last item begun after what is read (a needle cut in two may lie in it), keeping one
  /// character before it for the element check. What is dropped is checked for valid UTF-8
  /// (it ends before an ASCII character, so no sequence is cut).
  bool cut() {
    const size_t last_open = m_window.rfind('{');
    const size_t keep = m_pending != std::string::npos                         ? m_pending
                        : last_open != std::string::npos && last_open >= m_pos ? last_open
                                                                               : m_pos;
    size_t drop = keep;  // keep the separator before the item, and the whitespace after it
    while (drop > 0 && is_space(m_window[drop - 1])) --drop;
    drop = drop > 0 ? drop - 1 : 0;
    if (drop == 0) return true;
    if (!simdjson::validate_utf8(m_window.data(), drop)) return false;
    m_window.erase(0, drop);
    m_pos = m_pos > drop ? m_pos - drop : 0;
    m_pos = std::max(m_pos, keep - drop);
    m_floor = m_floor > drop ? m_floor - drop : 0;
    return true;
  }

  std::string m_window;                  // the unread rest of what arrived
  size_t m_pos = 0;                      // where the next hit is looked for
  size_t m_floor = 0;                    // no item starts before this (the envelope's head)
  size_t m_pending = std::string::npos;  // the start of an item a hit waits in for its end
  bool m_head = false;
  bool m_ok = true;
  std::vector<ExportedMetric> m_items;
  simdjson::dom::parser m_parser;  // one small item at a time
};

std::optional<std::vector<ExportedMetric>> scan_nodes(std::string_view body) {
  NodeScan scan;
  if (!scan.feed(body)) return std::nullopt;
  return scan.finish();
}

}  // namespace

Result<std::vector<ExportedMetric>> parse_metrics_export(std::string_view body) {
  return parse(body, "");
}

Result<std::vector<ExportedMetric>> parse_metrics_export_matching(std::string_view body,
                                                                  std::string_view id_prefix) {
  return parse(body, id_prefix);
}

std::optional<std::vector<ExportedMetric>> scan_metrics_export_nodes(std::string_view bytes,
                                                                     bool gzipped, size_t piece) {
  if (!gzipped) return scan_nodes(bytes);
  GunzipReader reader(bytes);
  NodeScan scan;
  std::string decoded;
  while (reader.next(decoded, std::max<size_t>(piece, 1)))
    if (!scan.feed(decoded)) return std::nullopt;
  if (reader.failed()) return std::nullopt;
  return scan.finish();
}

Result<std::vector<ExportedMetric>> parse_metrics_export_nodes(std::string_view body) {
  if (std::optional<std::vector<ExportedMetric>> scanned = scan_nodes(body))
    return std::move(*scanned);
  if (std::optional<std::vector<ExportedMetric>> fast = parse_on_demand(body, "node/"))
    return std::move(*fast);
  return parse(body, "node/");
}

}  // namespace pvex::pve
