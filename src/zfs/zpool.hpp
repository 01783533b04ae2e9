// Models and parsers of `zpool list -Hp`, `zpool status -p` and `zfs list -Hp` output.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace pvex::zfs {

/// The `-o` columns passed to `zpool list -Hp`, in order.
inline constexpr std::string_view k_zpool_list_columns =
    "name,size,allocated,free,checkpoint,expandsize,fragmentation,capacity,dedupratio,health,"
    "altroot";

/// One pool from `zpool list`. Numbers printed as `-` (not applicable) are nullopt.
struct PoolSpace {
  std::string name;
  std::optional<uint64_t> size_bytes, allocated_bytes, free_bytes, checkpoint_bytes,
      expand_size_bytes;
  std::optional<double> fragmentation_percent, capacity_percent, dedup_ratio;
  std::string health;

  bool operator==(const PoolSpace&) const = default;
};

/// Parses `zpool list -Hp -o <k_zpool_list_columns>`: one TAB-separated line per pool. Fails
/// (parse) on a line with the wrong number of fields or a malformed number.
Result<std::vector<PoolSpace>> parse_zpool_list(std::string_view text);

/// One element of a pool's configuration tree.
struct Vdev {
  std::string name;   // as printed: `mirror-0`, `ata-...-part3`, `logs`
  std::string path;   // position in the tree: `rpool/mirror-0/ata-...-part3`, `logs/nvme-...`
  int depth = 0;      // 0 = pool root or class header
  std::string state;  // empty for class headers
  std::optional<uint64_t> read_errors, write_errors, checksum_errors;
  std::string message;  // trailing text: `was /dev/sdb3`, `(resilvering)`, ...

  bool operator==(const Vdev&) const = default;
};

/// One pool from `zpool status -p`.
struct PoolStatus {
  std::string name;
  std::string state;
  std::vector<Vdev> vdevs;              // tree order; class headers (`logs`, `cache`, ...) included
  std::optional<uint64_t> data_errors;  // from the `errors:` line

  bool operator==(const PoolStatus&) const = default;
};

/// Parses `zpool status -p` for any number of pools. Config rows are `TAB`, two spaces per
/// level, then NAME STATE READ WRITE CKSUM and free text. Abbreviated counters (`1.2K`, no `-p`)
/// are left unset. "no pools available" gives an empty list. Fails (parse) on config rows
/// before any `pool:` line.
Result<std::vector<PoolStatus>> parse_zpool_status(std::string_view text);

/// The `-o` columns passed to `zfs list -Hp -t filesystem,volume`, in order.
inline constexpr std::string_view k_zfs_list_columns =
    "name,type,used,available,referenced,logicalused,usedbysnapshots,compressratio,volsize";

struct DatasetSpace {
  std::string name;
  std::string type;  // filesystem or volume
  std::optional<uint64_t> used_bytes, available_bytes, referenced_bytes, logical_used_bytes,
      snapshots_used_bytes, volume_size_bytes;
  std::optional<double> compression_ratio;

  bool operator==(const DatasetSpace&) const = default;
};

/// Parses `zfs list -Hp -o <k_zfs_list_columns>`. Fails (parse) on a malformed line.
Result<std::vector<DatasetSpace>> parse_zfs_list(std::string_view text);

/// The pool a dataset belongs to: the part before the first `/`.
std::string_view pool_of(std::string_view dataset);

}  // namespace pvex::zfs
