// GuestFilter: which guests the PVE collectors report (config.guests: node, tag, pool, name).
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "util/result.hpp"

namespace pvex::collectors {

/// What the filter looks at, from whichever source knows it (cluster view or node list).
struct GuestIdentity {
  std::string_view node;
  std::string_view name;
  std::string_view tags;  // raw PVE tag string, any separator
  std::string_view pool;  // "" when in no pool
};

/// A guest is kept when it passes every include list that is set (node in include_nodes, at
/// least one tag in include_tags, pool in include_pools, name fully matching include_name)
/// and hits no exclude (node, any tag, pool, name fully matching exclude_name).
class GuestFilter {
 public:
  /// Fails with ErrorKind::config when a name pattern is not a valid regular expression.
  static Result<GuestFilter> create(const config::GuestConfig& config);

  bool keeps(const GuestIdentity& guest) const;
  /// False when no guest of `node` can pass (node include/exclude lists): skip its calls.
  bool keeps_node(std::string_view node) const;

 private:
  explicit GuestFilter(const config::GuestConfig& config) : m_config(&config) {}
  const config::GuestConfig* m_config;
  std::optional<std::regex> m_include_name, m_exclude_name;
};

/// Tags split on any separator, sorted, de-duplicated and joined with ';' (pve_guest_info).
std::string canonical_tags(std::string_view tags);

}  // namespace pvex::collectors
