// Models and parsers of /nodes/{node}/disks/zfs and /nodes/{node}/disks/zfs/{pool}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace pvex::pve {

/// One pool of `GET /nodes/{node}/disks/zfs`. PVE turns unknown values (`-`) into 0.
struct ZfsPoolSummary {
  std::string name;
  std::optional<double> size_bytes, alloc_bytes, free_bytes;
  std::optional<double> frag_percent;  // 0 when unknown
  std::optional<double> dedup_ratio;
  std::string health;

  bool operator==(const ZfsPoolSummary&) const = default;
};

/// One element of the `zpool status` tree PVE returns: pool vdev, vdev, disk or class header.
/// The error counters come from abbreviated text (`1.2K` arrives as 1.2): only zero/non-zero
/// is reliable.
struct ZfsTreeNode {
  std::string name;
  std::string state;  // empty for class headers (logs, cache, spares, ...)
  std::optional<double> read, write, cksum;
  std::string msg;
  std::vector<ZfsTreeNode> children;

  bool operator==(const ZfsTreeNode&) const = default;
};

/// `GET /nodes/{node}/disks/zfs/{pool}`.
struct ZfsPoolDetail {
  std::string name;
  std::string state;
  std::string status, action, scan, errors;
  std::vector<ZfsTreeNode> children;  // [0] is the pool vdev; then logs/cache/spares/...

  bool operator==(const ZfsPoolDetail&) const = default;
};

/// Parses the list answer (`{"data":[...]}`); numbers may also come as numeric strings.
/// Fails (parse) on malformed JSON, a missing `data` array or an entry without `name`.
Result<std::vector<ZfsPoolSummary>> parse_disks_zfs(std::string_view json);

/// Parses the detail answer. Fails (parse) on malformed JSON, a missing `data` object, or a
/// tree deeper than 32 levels.
Result<ZfsPoolDetail> parse_disks_zfs_detail(std::string_view json);

/// The number of known data errors from the `errors` text: 0 for "No known data errors", N
/// for "N data errors, ..."; nullopt otherwise.
std::optional<uint64_t> data_errors_of(std::string_view errors);

/// `/nodes/<node>/disks/zfs[/<pool>]` with path segments percent-encoded.
std::string disks_zfs_path(std::string_view node, std::string_view pool = {});

}  // namespace pvex::pve
