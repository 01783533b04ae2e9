// Model and parser of GET /nodes/{node}/disks/list: physical disks with SMART health and wear.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace pvex::pve {

struct Disk {
  std::string devpath;  // /dev/sda
  std::optional<uint64_t> size_bytes;
  std::optional<std::string> type;                        // hdd, ssd, nvme, usb, unknown, partition
  std::optional<std::string> model, vendor, serial, wwn;  // "unknown" when not available
  std::optional<std::string> health;       // PASSED, OK, FAILED!, UNKNOWN, SMART Disabled
  std::optional<int64_t> wearout_percent;  // life left; "N/A" -> nullopt
  std::optional<int64_t> rpm;              // 0 for SSD/NVMe, -1 unknown
  std::optional<bool> gpt;
  bool mounted = false;
  std::optional<std::string> used;  // LVM, ZFS, ext4, ...
  std::optional<int64_t> osdid;     // -1: none
  std::optional<std::string> by_id_link;
  std::optional<std::string> parent;  // partitions only

  bool operator==(const Disk&) const = default;
};

/// Parses GET /nodes/{node}/disks/list. An entry without `devpath` -> ErrorKind::parse.
Result<std::vector<Disk>> parse_disks_list(std::string_view json);

}  // namespace pvex::pve
