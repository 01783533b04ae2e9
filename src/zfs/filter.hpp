// DatasetFilter: which datasets (by full name) get per-dataset series: include/exclude regexes.
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace pvex::zfs {

class DatasetFilter {
 public:
  /// Compiles the patterns (ECMAScript, matched against the whole dataset name); empty
  /// patterns mean "all" / "none". Fails with ErrorKind::config on a bad pattern.
  static Result<DatasetFilter> make(std::string_view include, std::string_view exclude);

  /// True when `dataset` matches the include pattern (or there is none) and not the exclude one.
  bool allows(std::string_view dataset) const;

 private:
  std::optional<std::regex> m_include;
  std::optional<std::regex> m_exclude;
};

}  // namespace pvex::zfs
