// Family: a metric's name, help, type and label names; defined once per metric, as a constant.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pvex::metrics {

enum class Type { counter, gauge, histogram, summary };

/// One metric family. Counters carry `_total` in `name` (the text format's sample name); the
/// OpenMetrics writer strips it for the metadata lines. `unit` is optional: when empty, the
/// writer derives it from the name's suffix (`_bytes`, `_seconds`, ...).
struct Family {
  Family() = default;
  Family(std::string name_, std::string help_, Type type_, std::vector<std::string> labels_ = {},
         std::string unit_ = {})
      : name(std::move(name_)),
        help(std::move(help_)),
        type(type_),
        labels(std::move(labels_)),
        unit(std::move(unit_)) {}

  std::string name;
  std::string help;
  Type type = Type::gauge;
  std::vector<std::string> labels;
  std::string unit;

  bool operator==(const Family&) const = default;
};

std::string_view to_string(Type type);

}  // namespace pvex::metrics
