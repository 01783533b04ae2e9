// Parser of GET /cluster/metrics/export.
#include "pve/metrics_export.hpp"

#include "pve/json.hpp"

namespace pvex::pve {

Result<std::vector<ExportedMetric>> parse_metrics_export(std::string_view body) {
  constexpr std::string_view k_what = "/cluster/metrics/export";
  Result<json::Object> outer = json::data_object(body, k_what);
  if (!outer) return fail(outer.error());
  std::optional<json::Array> arr = json::opt_array(*outer, "data");
  if (!arr) {
    return fail(ErrorKind::parse,
                std::string(k_what) + ": data has no 'data' array (expected a double envelope)");
  }
  return json::parse_each<ExportedMetric>(
      *arr, k_what, [](json::Object obj) -> Result<ExportedMetric> {
        Result<std::string> id = json::req_string(obj, "id");
        if (!id) return fail(id.error());
        Result<std::string> metric = json::req_string(obj, "metric");
        if (!metric) return fail(metric.error());
        Result<double> value = json::req_double(obj, "value");
        if (!value) return fail(value.error());
        return ExportedMetric{std::move(*id), std::move(*metric), *value,
                              json::opt_int(obj, "timestamp").value_or(0),
                              json::opt_string(obj, "type").value_or("gauge")};
      });
}

}  // namespace pvex::pve
