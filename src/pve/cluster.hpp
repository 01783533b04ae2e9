// Models and parsers of the cluster-wide views: GET /cluster/status and GET /cluster/resources.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace pvex::pve {

/// The `type: cluster` entry of /cluster/status (absent on a standalone node).
struct ClusterInfo {
  std::string name;
  std::optional<int64_t> nodes;           // configured members, offline ones included
  std::optional<int64_t> config_version;  // corosync config version
  bool quorate = false;

  bool operator==(const ClusterInfo&) const = default;
};

/// A `type: node` entry of /cluster/status.
struct ClusterMember {
  std::string name;
  std::optional<int64_t> node_id;  // corosync node id (0 on a standalone node)
  std::optional<std::string> ip;
  bool local = false;   // the node that answered
  bool online = false;  // corosync view
  std::string level;    // subscription level c/b/s/p, "" if none or unknown

  bool operator==(const ClusterMember&) const = default;
};

struct ClusterStatus {
  std::optional<ClusterInfo> cluster;
  std::vector<ClusterMember> members;

  bool operator==(const ClusterStatus&) const = default;
};

/// Parses GET /cluster/status. Entries of other types are skipped; an entry without `type` or
/// `name` -> ErrorKind::parse.
Result<ClusterStatus> parse_cluster_status(std::string_view json);

/// A `type: node` entry of /cluster/resources. Statistics are absent for offline nodes (or
/// without Sys.Audit).
struct NodeResource {
  std::string node;
  std::string status;  // online, offline, unknown
  std::optional<uint64_t> uptime_seconds;
  std::optional<double> cpu_ratio;  // of all host CPUs
  std::optional<double> maxcpu;     // logical CPUs
  std::optional<uint64_t> mem_bytes, maxmem_bytes;
  std::optional<uint64_t> disk_bytes, maxdisk_bytes;  // root file system
  std::optional<std::string> level;                   // subscription level
  std::optional<int64_t> cgroup_mode;
  std::optional<std::string> host_arch;
  std::optional<std::string> hastate;  // online, maintenance, unknown, fence, gone

  bool operator==(const NodeResource&) const = default;
};

enum class GuestType { qemu, lxc };
std::string_view to_string(GuestType type);

/// A `type: qemu` or `type: lxc` entry of /cluster/resources. Statistics are absent without
/// RRD data (status "unknown").
struct GuestResource {
  GuestType type = GuestType::qemu;
  int64_t vmid = 0;
  std::string node;
  std::string status;  // QEMU run state (running, paused, ...), stopped, unknown
  std::optional<std::string> name;
  std::optional<bool> is_template;
  std::optional<uint64_t> uptime_seconds;
  std::optional<double> cpu_ratio;  // of the guest's own CPUs
  std::optional<double> maxcpu;
  std::optional<uint64_t> mem_bytes, maxmem_bytes;
  std::optional<uint64_t> memhost_bytes;  // QEMU, PVE 9
  std::optional<uint64_t> disk_bytes;     // always 0 for QEMU
  std::optional<uint64_t> maxdisk_bytes;
  std::optional<uint64_t> netin_bytes, netout_bytes;
  std::optional<uint64_t> diskread_bytes, diskwrite_bytes;
  std::optional<std::string> pool;
  std::optional<std::string> lock;
  std::optional<std::string> tags;     // raw, ';'-separated; see split_tags()
  std::optional<std::string> hastate;  // absent when not HA-managed

  bool operator==(const GuestResource&) const = default;
};

/// A `type: storage` entry (one per storage per node).
struct StorageResource {
  std::string storage;
  std::string node;
  std::string plugin_type;  // dir, zfspool, lvmthin, rbd, nfs, pbs, ...
  std::string status;       // available, unknown
  bool shared = false;
  std::string content;                                // comma list
  std::optional<uint64_t> disk_bytes, maxdisk_bytes;  // used / total, only when available

  bool operator==(const StorageResource&) const = default;
};

/// A `type: pool` entry; aggregates only when a member guest runs.
struct PoolResource {
  std::string pool;
  std::optional<uint64_t> uptime_seconds;
  std::optional<double> cpu_ratio;
  std::optional<double> maxcpu;
  std::optional<uint64_t> mem_bytes, maxmem_bytes;

  bool operator==(const PoolResource&) const = default;
};

/// /cluster/resources split by type, each in response order. `sdn` and `network` entries and
/// unknown types are skipped.
struct Resources {
  std::vector<NodeResource> nodes;
  std::vector<GuestResource> guests;
  std::vector<StorageResource> storages;
  std::vector<PoolResource> pools;

  bool operator==(const Resources&) const = default;
};

/// Parses GET /cluster/resources (with or without a `type` filter). An entry without `type`,
/// a guest without `vmid`/`node`, a node without `node`, a storage without `storage`/`node`
/// -> ErrorKind::parse naming the entry index.
Result<Resources> parse_cluster_resources(std::string_view json);

/// The same with the DOM only. parse_cluster_resources reads well-formed answers with
/// simdjson On-Demand and falls back to this for anything else, so its errors are this
/// function's; tests compare the two.
Result<Resources> parse_cluster_resources_dom(std::string_view json);

/// Splits a tag string on ';', ',' and whitespace (hand-edited configs use any), dropping empties.
std::vector<std::string> split_tags(std::string_view tags);

}  // namespace pvex::pve
