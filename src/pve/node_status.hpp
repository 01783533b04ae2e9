// Model and parser of GET /nodes/{node}/status: host CPU, load, memory, swap, KSM, root fs, kernel.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace pvex::pve {

struct CpuInfo {
  std::optional<std::string> model;
  std::optional<int64_t> sockets;
  std::optional<int64_t> cores;  // physical cores, all sockets
  std::optional<int64_t> cpus;   // logical CPUs
  std::optional<double> mhz;     // sent as a string ("3200.000")
  std::optional<bool> hvm;       // "1" or "": hardware virtualisation available
  std::optional<int64_t> user_hz;
  std::optional<std::string> flags;
  std::optional<std::string> vendor;  // pve-common >= 9.1.6
  std::optional<int64_t> family;

  bool operator==(const CpuInfo&) const = default;
};

struct NodeMemory {
  std::optional<uint64_t> total_bytes, used_bytes, free_bytes;
  std::optional<uint64_t> available_bytes;  // pve-manager >= 9.0

  bool operator==(const NodeMemory&) const = default;
};

struct NodeSwap {
  std::optional<uint64_t> total_bytes, used_bytes, free_bytes;

  bool operator==(const NodeSwap&) const = default;
};

struct NodeRootFs {
  std::optional<uint64_t> total_bytes, used_bytes;
  std::optional<uint64_t> free_bytes;   // incl. root-reserved (bfree)
  std::optional<uint64_t> avail_bytes;  // for unprivileged users (bavail)

  bool operator==(const NodeRootFs&) const = default;
};

struct KernelInfo {
  std::string sysname, release, version, machine;

  bool operator==(const KernelInfo&) const = default;
};

struct BootInfo {
  std::string mode;  // efi, legacy-bios
  std::optional<bool> secureboot;

  bool operator==(const BootInfo&) const = default;
};

struct NodeStatus {
  std::optional<uint64_t> uptime_seconds;
  std::optional<double> cpu_ratio;     // busy share of all host CPUs
  std::optional<double> iowait_ratio;  // `wait`
  std::vector<double> load_average;    // 1, 5, 15 minutes (sent as strings); empty if absent
  std::optional<CpuInfo> cpuinfo;
  std::optional<NodeMemory> memory;
  std::optional<NodeSwap> swap;
  std::optional<uint64_t> ksm_shared_bytes;
  std::optional<NodeRootFs> rootfs;
  std::optional<std::string> kversion;
  std::optional<KernelInfo> current_kernel;  // since 8.1
  std::optional<BootInfo> boot_info;         // since 8.1
  std::optional<std::string> pveversion;     // pve-manager/<version>/<repoid>

  bool operator==(const NodeStatus&) const = default;
};

/// Parses GET /nodes/{node}/status. Every field is optional (absent -> nullopt); only
/// malformed JSON or a `data` that is not an object -> ErrorKind::parse.
Result<NodeStatus> parse_node_status(std::string_view json);

}  // namespace pvex::pve
