// Parser of GET /cluster/metrics/export.
#include "pve/metrics_export.hpp"

#include "pve/json.hpp"

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

}  // namespace

Result<std::vector<ExportedMetric>> parse_metrics_export(std::string_view body) {
  return parse(body, "");
}

Result<std::vector<ExportedMetric>> parse_metrics_export_matching(std::string_view body,
                                                                  std::string_view id_prefix) {
  return parse(body, id_prefix);
}

Result<std::vector<ExportedMetric>> parse_metrics_export_nodes(std::string_view body) {
  return parse(body, "node/");
}

}  // namespace pvex::pve
