// The simulated cluster: plain data generated once from the options (deterministic per seed).
// Counters are not stored: renderers derive them from rates and the answer's SimTime.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "options.hpp"

namespace pvex::sim {

/// The moment an answer describes. `now` is epoch seconds; `elapsed` the seconds since the
/// simulator started. With --static both are frozen (now = a fixed epoch, elapsed = 0).
struct SimTime {
  double now = 0;
  double elapsed = 0;
};

enum class GuestType { qemu, lxc };

struct GuestNic {
  int index = 0;        // net<index>
  std::string mac;      // BC:24:11:..
  double in_rate = 0;   // bytes/s received by the guest
  double out_rate = 0;  // bytes/s sent by the guest
};

struct GuestDrive {
  std::string name;    // scsi0, ide2, efidisk0 ...
  std::string volume;  // local-zfs:vm-100-disk-0, none for an empty CD-ROM
  uint64_t size_bytes = 0;
  bool cdrom = false;
  double rd_rate = 0;  // bytes/s
  double wr_rate = 0;
};

struct Guest {
  int vmid = 0;
  GuestType type = GuestType::qemu;
  std::string name;
  size_t node = 0;  // index into Cluster::nodes
  bool running = false;
  std::string qmpstatus = "stopped";  // QEMU run state; "running" for running LXC
  bool is_template = false;
  std::string lock;
  std::string tags;
  std::string pool;
  std::string ha_state;    // CRM state; empty = not HA-managed
  std::string ha_request;  // state written in the HA config; empty = not set (means started)
  int cpus = 1;
  double cpu = 0;  // fraction of its own CPUs
  uint64_t maxmem = 0;
  uint64_t mem = 0;            // guest view (running only)
  uint64_t memhost = 0;        // host view (running only)
  bool balloon = false;        // balloon device configured (QEMU)
  bool balloon_stats = false;  // guest driver reports statistics
  uint64_t balloon_min = 0;
  uint64_t maxdisk = 0;  // QEMU: boot disk; LXC: rootfs
  uint64_t disk = 0;     // LXC only
  uint64_t maxswap = 0;  // LXC only
  uint64_t swap = 0;
  double uptime_base = 0;  // uptime at simulator start
  double read_rate = 0;    // LXC cgroup I/O bytes/s (QEMU: sum of drives)
  double write_rate = 0;
  std::vector<GuestNic> nics;
  std::vector<GuestDrive> drives;  // QEMU only
  bool agent = false;
  int pid = 0;
  std::array<double, 6> pressure{};  // cpu some/full, io some/full, memory some/full
  std::string ostype;
  bool cpulimit_only = false;  // LXC with cpulimit but no cores: `cpus` as a string
};

struct Disk {
  std::string devpath;  // /dev/nvme0n1
  std::string by_id;    // /dev/disk/by-id/...
  std::string type;     // nvme, ssd, hdd
  std::string model, serial, vendor, wwn;
  uint64_t size_bytes = 0;
  std::string health = "PASSED";
  int wearout = -1;  // -1: "N/A"
  int rpm = 0;
  std::string used;  // ZFS, LVM, ext4 ...
};

struct ZfsLeaf {
  std::string name;  // device path or guid
  std::string state = "ONLINE";
  double read = 0, write = 0, cksum = 0;
  std::string msg;
};

struct ZfsVdev {
  std::string name;  // mirror-0, raidz1-0
  std::string state = "ONLINE";
  std::vector<ZfsLeaf> leaves;
};

struct ZfsPool {
  std::string name;
  std::string health = "ONLINE";
  uint64_t size = 0, alloc = 0;
  int frag = 0;
  double dedup = 1.0;
  std::vector<ZfsVdev> vdevs;
  std::vector<ZfsLeaf> spares;  // state AVAIL
  std::string status, action, see, scan;
};

struct Certificate {
  std::string filename, fingerprint, subject, issuer;
  int64_t notbefore = 0, notafter = 0;
  std::vector<std::string> san;
  std::string key_type;
  int key_bits = 0;
};

struct NodeNic {
  std::string name;
  bool physical = false;
  double rx_rate = 0, tx_rate = 0;
};

struct Storage {
  std::string id, type, content;
  bool shared = false, enabled = true, active = true;
  uint64_t total = 0, used = 0;
};

struct Node {
  std::string name;
  int nodeid = 0;
  std::string ip;
  bool online = true;
  int cpus = 16, sockets = 1, cores = 8;
  std::string cpu_model;
  double cpu = 0, wait = 0;
  std::array<double, 3> loadavg{};
  uint64_t mem_total = 0, mem_used = 0, mem_free = 0;
  uint64_t swap_total = 0, swap_used = 0, ksm_shared = 0;
  uint64_t root_total = 0, root_used = 0, root_reserved = 0;
  uint64_t arc_size = 0;
  double uptime_base = 0;
  double cpu_ticks_rate = 0;  // busy ticks per second (cpustat used)
  std::string level;          // subscription level, "" = none
  std::string subscription_key;
  std::string serverid;
  std::string ssl_fingerprint;
  std::string ha_state;  // node hastate in /cluster/resources; empty if HA unused
  std::vector<NodeNic> nics;
  std::vector<Storage> storages;
  std::vector<ZfsPool> pools;
  std::vector<Disk> disks;
  std::vector<Certificate> certificates;
};

struct ReplicationJob {
  int guest = 0;
  int jobnum = 0;
  size_t source = 0, target = 0;  // node indices
  std::string schedule = "*/15";
  bool disabled = false;
  int64_t last_sync_ago = 0;  // seconds before epoch0; negative = never
  int fail_count = 0;
  std::string error;
  double duration = 0;
};

struct Task {
  size_t node = 0;
  std::string type, id, user, tokenid, status;  // status empty while running
  int64_t start_ago = 0;                        // seconds before epoch0
  int64_t duration = 0;
  int pid = 0;
  bool running = false;
};

struct BackupJob {
  std::string id, schedule, storage, mode, compress;
  bool enabled = true;
  bool all = false;
  std::vector<int> vmids;    // explicit selection (all = false)
  std::vector<int> exclude;  // with all = true
  int schedule_hour = 21;
};

struct Cluster {
  std::string name;
  bool standalone = false;
  bool qdevice = false;
  int pve_version = 9;
  int config_version = 1;
  double epoch0 = 0;  // wall time at start (fixed with --static): anchors tasks and certificates
  std::vector<Node> nodes;
  std::vector<Guest> guests;  // sorted by vmid
  std::vector<std::string> pools;
  std::vector<ReplicationJob> replication;
  std::vector<Task> tasks;  // newest first per node
  std::vector<BackupJob> backup_jobs;

  bool uses_ha() const;
  const Node* find_node(std::string_view name) const;
  const Guest* find_guest(int vmid) const;
};

/// Builds the cluster described by the options; same options and seed, same cluster.
Cluster generate_cluster(const SimOptions& options, double epoch0);

/// The fixed epoch --static answers describe (2025-08-19 10:40:00 UTC).
inline constexpr double k_static_epoch = 1755600000;

}  // namespace pvex::sim
