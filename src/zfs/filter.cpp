// DatasetFilter: std::regex kept inside this module; its exceptions become config errors.
// GCC 12 reports a false -Wmaybe-uninitialized inside <regex>'s NFA builder under -O2 with the
// sanitizers; it is libstdc++'s code, not ours.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "zfs/filter.hpp"

namespace pvex::zfs {
namespace {

Result<std::optional<std::regex>> compile(std::string_view pattern, std::string_view what) {
  if (pattern.empty()) return std::optional<std::regex>{};
  try {
    return std::optional<std::regex>(
        std::regex(pattern.begin(), pattern.end(), std::regex::ECMAScript | std::regex::optimize));
  } catch (const std::regex_error& e) {
    return fail(ErrorKind::config,
                std::string(what) + ": invalid regular expression '" + std::string(pattern) + "'");
  }
}

}  // namespace

Result<DatasetFilter> DatasetFilter::make(std::string_view include, std::string_view exclude) {
  Result<std::optional<std::regex>> inc = compile(include, "zfs.dataset_include");
  if (!inc) return fail(inc.error());
  Result<std::optional<std::regex>> exc = compile(exclude, "zfs.dataset_exclude");
  if (!exc) return fail(exc.error());
  DatasetFilter f;
  f.m_include = std::move(*inc);
  f.m_exclude = std::move(*exc);
  return f;
}

bool DatasetFilter::allows(std::string_view dataset) const {
  if (m_include && !std::regex_match(dataset.begin(), dataset.end(), *m_include)) return false;
  if (m_exclude && std::regex_match(dataset.begin(), dataset.end(), *m_exclude)) return false;
  return true;
}

}  // namespace pvex::zfs
