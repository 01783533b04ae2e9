// GuestFilter: include/exclude guests by node, tag, pool and name pattern.
#include "collectors/guest_filter.hpp"

#include <algorithm>

#include "pve/cluster.hpp"

namespace pvex::collectors {
namespace {

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool any_tag_in(const std::vector<std::string>& list, std::string_view tags) {
  for (const std::string& tag : pve::split_tags(tags))
    if (contains(list, tag)) return true;
  return false;
}

Result<std::optional<std::regex>> compile(const std::string& pattern, std::string_view key) {
  if (pattern.empty()) return std::optional<std::regex>{};
  // std::regex reports syntax errors only by throwing; keep the exception inside this function.
  try {
    return std::optional<std::regex>(std::regex(pattern, std::regex::ECMAScript));
  } catch (const std::regex_error& e) {
    return fail(ErrorKind::config, "guests." + std::string(key) +
                                       ": invalid regular expression \"" + pattern +
                                       "\": " + e.what());
  }
}

}  // namespace

Result<GuestFilter> GuestFilter::create(const config::GuestConfig& config) {
  GuestFilter f(config);
  Result<std::optional<std::regex>> inc = compile(config.include_name, "include_name");
  if (!inc) return fail(inc.error());
  Result<std::optional<std::regex>> exc = compile(config.exclude_name, "exclude_name");
  if (!exc) return fail(exc.error());
  f.m_include_name = std::move(*inc);
  f.m_exclude_name = std::move(*exc);
  return f;
}

bool GuestFilter::keeps_node(std::string_view node) const {
  const config::GuestConfig& c = *m_config;
  if (!c.include_nodes.empty() && !contains(c.include_nodes, node)) return false;
  return !contains(c.exclude_nodes, node);
}

bool GuestFilter::keeps(const GuestIdentity& g) const {
  const config::GuestConfig& c = *m_config;
  if (!keeps_node(g.node)) return false;
  if (!c.include_tags.empty() && !any_tag_in(c.include_tags, g.tags)) return false;
  if (!c.exclude_tags.empty() && any_tag_in(c.exclude_tags, g.tags)) return false;
  if (!c.include_pools.empty() && !contains(c.include_pools, g.pool)) return false;
  if (!g.pool.empty() && contains(c.exclude_pools, g.pool)) return false;
  if (m_include_name && !std::regex_match(g.name.begin(), g.name.end(), *m_include_name))
    return false;
  if (m_exclude_name && std::regex_match(g.name.begin(), g.name.end(), *m_exclude_name))
    return false;
  return true;
}

std::string canonical_tags(std::string_view tags) {
  // One tag or none (the common case): nothing to split, sort or de-duplicate.
  if (tags.find_first_of("; ,\t") == std::string_view::npos) return std::string(tags);
  std::vector<std::string> list = pve::split_tags(tags);
  std::sort(list.begin(), list.end());
  list.erase(std::unique(list.begin(), list.end()), list.end());
  std::string out;
  for (const std::string& t : list) {
    if (!out.empty()) out += ';';
    out += t;
  }
  return out;
}

}  // namespace pvex::collectors
