// Parser of GET /cluster/metrics/export.
#include "pve/metrics_export.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

#include <simdjson.h>

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
/// 10^4 guests). Taken only when the answer is `{"data":{"data":[...]}}` without whitespace
/// around the envelope, has no backslash anywhere (so `"node/` can only open a plain string)
/// and is valid UTF-8; every hit's enclosing object must be flat and parse as an item (a full
/// stage 1 would also check the other items' strings, but keeps structural indexes of ~7 MB
/// for 10^4 guests). Items of other objects are not validated: a
/// malformed guest item does not hide the nodes' traffic. nullopt for anything else, and when
/// no node item is found (the On-Demand and DOM paths then decide, with their exact errors).
std::optional<std::vector<ExportedMetric>> scan_nodes(std::string_view body) {
  constexpr std::string_view k_head = "{\"data\":{\"data\":[", k_tail = "]}}";
  constexpr std::string_view k_needle = "\"node/";
  const std::string_view trimmed = util::trim(body);
  if (!trimmed.starts_with(k_head) || !trimmed.ends_with(k_tail)) return std::nullopt;
  if (std::memchr(body.data(), '\\', body.size()) != nullptr) return std::nullopt;
  if (!simdjson::validate_utf8(body.data(), body.size())) return std::nullopt;
  const size_t first = static_cast<size_t>(trimmed.data() - body.data()) + k_head.size();
  const size_t last = static_cast<size_t>(trimmed.data() - body.data()) + trimmed.size() -
                      k_tail.size();  // the closing bracket of the items
  std::vector<ExportedMetric> out;
  simdjson::dom::parser parser;
  size_t previous_open = std::string_view::npos;
  for (size_t at = first; at < last;) {
    const void* hit = memmem(body.data() + at, last - at, k_needle.data(), k_needle.size());
    if (hit == nullptr) break;
    const size_t pos = static_cast<size_t>(static_cast<const char*>(hit) - body.data());
    at = pos + k_needle.size();
    const size_t open = body.rfind('{', pos);
    const size_t close = body.find('}', pos);
    if (open == std::string_view::npos || open < first || close == std::string_view::npos ||
        close >= last)
      return std::nullopt;
    if (open == previous_open) continue;  // a second hit in the same item
    previous_open = open;
    const std::string_view item = body.substr(open, close + 1 - open);
    // Flat, and an element of the list: after '[' or ',', before ',' or ']'.
    if (item.find_first_of("[]", 0) != std::string_view::npos ||
        (body[open - 1] != '[' && body[open - 1] != ',') ||
        (body[close + 1] != ',' && body[close + 1] != ']'))
      return std::nullopt;
    json::Object obj;
    if (parser.parse(item.data(), item.size()).get_object().get(obj)) return std::nullopt;
    Result<ExportedMetric> m = parse_item(obj);
    if (!m) return std::nullopt;
    if (m->id.starts_with("node/")) out.push_back(std::move(*m));
    at = std::max(at, close + 1);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace

Result<std::vector<ExportedMetric>> parse_metrics_export(std::string_view body) {
  return parse(body, "");
}

Result<std::vector<ExportedMetric>> parse_metrics_export_matching(std::string_view body,
                                                                  std::string_view id_prefix) {
  return parse(body, id_prefix);
}

Result<std::vector<ExportedMetric>> parse_metrics_export_nodes(std::string_view body) {
  if (std::optional<std::vector<ExportedMetric>> scanned = scan_nodes(body))
    return std::move(*scanned);
  if (std::optional<std::vector<ExportedMetric>> fast = parse_on_demand(body, "node/"))
    return std::move(*fast);
  return parse(body, "node/");
}

}  // namespace pvex::pve
