// Parsers of zpool/zfs machine-readable (-Hp) output and of the zpool status config tree.
#include "zfs/zpool.hpp"

#include <algorithm>

#include "util/strings.hpp"

namespace pvex::zfs {
namespace {

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t tab = line.find('\t', start);
    out.push_back(
        line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) return out;
    start = tab + 1;
  }
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    start = end + 1;
  }
  return out;
}

/// A `-p` number or `-`; false on anything else.
template <class T>
bool parse_optional(std::string_view s, std::optional<T>& out) {
  if (s == "-" || s.empty()) return true;
  if constexpr (std::is_same_v<T, double>) {
    if (!s.empty() && (s.back() == 'x' || s.back() == '%')) s.remove_suffix(1);
    out = util::parse_double(s);
  } else {
    out = util::parse_uint(s);
  }
  return out.has_value();
}

bool is_class_header(std::string_view name) {
  return name == "logs" || name == "cache" || name == "spares" || name == "special" ||
         name == "dedup";
}

}  // namespace

Result<std::vector<PoolSpace>> parse_zpool_list(std::string_view text) {
  std::vector<PoolSpace> pools;
  size_t n = 0;
  for (std::string_view line : lines_of(text)) {
    ++n;
    if (util::trim(line).empty()) continue;
    const std::vector<std::string_view> f = split_tabs(line);
    if (f.size() != 11)
      return fail(ErrorKind::parse, "zpool list line " + std::to_string(n) + ": " +
                                        std::to_string(f.size()) + " fields, expected 11");
    PoolSpace p;
    p.name = std::string(f[0]);
    const bool ok = parse_optional(f[1], p.size_bytes) && parse_optional(f[2], p.allocated_bytes) &&
                    parse_optional(f[3], p.free_bytes) &&
                    parse_optional(f[4], p.checkpoint_bytes) &&
                    parse_optional(f[5], p.expand_size_bytes) &&
                    parse_optional(f[6], p.fragmentation_percent) &&
                    parse_optional(f[7], p.capacity_percent) && parse_optional(f[8], p.dedup_ratio);
    if (!ok || p.name.empty())
      return fail(ErrorKind::parse, "zpool list line " + std::to_string(n) + ": malformed number");
    p.health = std::string(f[9]);
    pools.push_back(std::move(p));
  }
  return pools;
}

Result<std::vector<PoolStatus>> parse_zpool_status(std::string_view text) {
  std::vector<PoolStatus> pools;
  bool in_config = false;
  std::vector<std::string> stack;  // names of the current row's ancestors, by depth
  for (std::string_view line : lines_of(text)) {
    const std::string_view trimmed = util::trim(line);
    const size_t colon = line.find(':');
    const bool is_key = !line.empty() && line[0] != '\t' && colon != std::string_view::npos;
    if (is_key) {
      const std::string_view key = util::trim(line.substr(0, colon));
      const std::string_view value = util::trim(line.substr(colon + 1));
      in_config = key == "config";
      if (key == "pool") {
        pools.push_back(PoolStatus{std::string(value), {}, {}, {}});
      } else if (!pools.empty() && key == "state") {
        pools.back().state = std::string(value);
      } else if (!pools.empty() && key == "errors") {
        if (value == "No known data errors") {
          pools.back().data_errors = 0;
        } else {
          const std::vector<std::string_view> w = util::split_ws(value);
          if (!w.empty()) pools.back().data_errors = util::parse_uint(w[0]);
        }
      }
      continue;
    }
    if (!in_config || line.empty() || line[0] != '\t' || trimmed.empty()) continue;
    if (pools.empty()) return fail(ErrorKind::parse, "zpool status: config row before 'pool:'");
    std::string_view row = line.substr(1);
    size_t spaces = 0;
    while (spaces < row.size() && row[spaces] == ' ') ++spaces;
    const std::vector<std::string_view> f = util::split_ws(row);
    if (f.empty() || (f[0] == "NAME" && f.size() >= 2 && f[1] == "STATE")) continue;
    Vdev v;
    v.name = std::string(f[0]);
    v.depth = static_cast<int>(spaces / 2);
    if (f.size() >= 2) v.state = std::string(f[1]);
    // Spares (AVAIL/INUSE) have no counter columns: their free text starts right after STATE.
    const bool has_counters = f.size() >= 5 && f[2].front() >= '0' && f[2].front() <= '9';
    if (has_counters) {
      v.read_errors = util::parse_uint(f[2]);
      v.write_errors = util::parse_uint(f[3]);
      v.checksum_errors = util::parse_uint(f[4]);
    }
    // Free text after the columns, as printed (`was /dev/sdb3`, `too many errors`).
    const size_t text_from = std::min(f.size(), has_counters ? size_t{5} : size_t{2});
    if (text_from < f.size()) {
      const char* begin = f[text_from].data();
      v.message = std::string(util::trim(std::string_view(begin, row.data() + row.size() - begin)));
    }
    if (v.depth == 0 && is_class_header(v.name) && f.size() == 1) v.state.clear();
    stack.resize(static_cast<size_t>(v.depth));
    while (stack.size() < static_cast<size_t>(v.depth)) stack.emplace_back();
    stack.push_back(v.name);
    for (size_t i = 0; i < stack.size(); ++i) v.path += (i ? "/" : "") + stack[i];
    pools.back().vdevs.push_back(std::move(v));
  }
  return pools;
}

Result<std::vector<DatasetSpace>> parse_zfs_list(std::string_view text) {
  std::vector<DatasetSpace> out;
  size_t n = 0;
  for (std::string_view line : lines_of(text)) {
    ++n;
    if (util::trim(line).empty()) continue;
    const std::vector<std::string_view> f = split_tabs(line);
    if (f.size() != 9)
      return fail(ErrorKind::parse, "zfs list line " + std::to_string(n) + ": " +
                                        std::to_string(f.size()) + " fields, expected 9");
    DatasetSpace d;
    d.name = std::string(f[0]);
    d.type = std::string(f[1]);
    const bool ok =
        parse_optional(f[2], d.used_bytes) && parse_optional(f[3], d.available_bytes) &&
        parse_optional(f[4], d.referenced_bytes) && parse_optional(f[5], d.logical_used_bytes) &&
        parse_optional(f[6], d.snapshots_used_bytes) && parse_optional(f[7], d.compression_ratio) &&
        parse_optional(f[8], d.volume_size_bytes);
    if (!ok || d.name.empty())
      return fail(ErrorKind::parse, "zfs list line " + std::to_string(n) + ": malformed number");
    out.push_back(std::move(d));
  }
  return out;
}

std::string_view pool_of(std::string_view dataset) {
  return dataset.substr(0, dataset.find('/'));
}

}  // namespace pvex::zfs
