// Cluster generation: a plausible PVE cluster from a handful of counts and a seed.
#include "model.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace pvex::sim {

namespace {

constexpr uint64_t k_gib = 1024ull * 1024 * 1024;
constexpr uint64_t k_mib = 1024ull * 1024;

/// SplitMix64: tiny, fast and identical on every platform (std distributions are not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : m_state(seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull) {}
  uint64_t next() {
    uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }
  double range(double lo, double hi) { return lo + (hi - lo) * unit(); }
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
  bool chance(double p) { return unit() < p; }
  template <class T>
  const T& pick(const std::vector<T>& items) {
    return items[below(items.size())];
  }

 private:
  uint64_t m_state;
};

std::string hex_bytes(Rng& rng, size_t n, std::string_view separator, bool upper) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out += separator;
    unsigned byte = static_cast<unsigned>(rng.below(256));
    out += upper ? fmt::format("{:02X}", byte) : fmt::format("{:02x}", byte);
  }
  return out;
}

/// Rounds to a multiple of `step` (a power of ten) so that the shortest decimal form is short.
double round_to(double v, double step) {
  double inverse = std::round(1.0 / step);
  return std::round(v * inverse) / inverse;
}

const std::vector<std::string> k_qemu_names = {"web",   "db", "app",     "cache", "mail",
                                               "proxy", "ci", "monitor", "win",   "k8s"};
const std::vector<std::string> k_lxc_names = {"dns", "ldap", "nginx", "redis", "git", "vpn"};
const std::vector<std::string> k_tags = {"prod;web", "prod;db",       "dev",      "infra",
                                         "prod",     "backup-exempt", "dev;test", "prod;k8s"};
const std::vector<std::string> k_qemu_locks = {"backup", "migrate",   "snapshot",
                                               "clone",  "suspended", "rollback"};
const std::vector<std::string> k_lxc_locks = {"backup", "migrate", "mounted", "snapshot", "fstrim"};
const std::vector<std::string> k_paused_states = {"paused", "suspended", "io-error", "prelaunch",
                                                  "postmigrate"};
const std::vector<std::string> k_levels = {"c", "b", "s", "p", ""};

Node make_node(Rng& rng, const SimOptions& o, int index, double epoch0) {
  Node n;
  n.name = fmt::format("pve{}", index + 1);
  n.nodeid = index + 1;
  n.ip = fmt::format("192.168.10.{}", 11 + index);
  n.online = index < o.nodes - o.offline_nodes;
  static const std::vector<int> cpu_counts = {8, 16, 32, 64};
  n.cpus = cpu_counts[rng.below(cpu_counts.size())];
  n.sockets = n.cpus >= 32 ? 2 : 1;
  n.cores = n.cpus / 2;
  n.cpu_model =
      n.cpus >= 32 ? "AMD EPYC 7313 16-Core Processor" : "Intel(R) Xeon(R) E-2388G CPU @ 3.20GHz";
  n.cpu = round_to(rng.range(0.02, 0.6), 0.0001);
  n.wait = round_to(rng.range(0.0, 0.02), 0.0001);
  for (double& l : n.loadavg) l = round_to(rng.range(0.1, n.cpus * 0.5), 0.01);
  static const std::vector<uint64_t> mem_sizes = {64 * k_gib, 128 * k_gib, 256 * k_gib};
  n.mem_total = mem_sizes[rng.below(mem_sizes.size())];
  n.mem_used = static_cast<uint64_t>(static_cast<double>(n.mem_total) * rng.range(0.3, 0.7));
  n.mem_free = (n.mem_total - n.mem_used) / 2;
  n.swap_total = 8 * k_gib;
  n.swap_used = rng.chance(0.3) ? rng.below(512) * k_mib : 0;
  n.ksm_shared = rng.chance(0.5) ? rng.below(4096) * k_mib : 0;
  n.root_total = 100861726720;
  n.root_used = static_cast<uint64_t>(static_cast<double>(n.root_total) * rng.range(0.1, 0.4));
  n.root_reserved = n.root_total / 20;
  n.arc_size = o.zfs_pools_per_node > 0 ? (4 + rng.below(12)) * k_gib : 0;
  n.uptime_base = static_cast<double>(86400 * (10 + rng.below(90)) + rng.below(86400));
  n.cpu_ticks_rate = n.cpu * n.cpus * 100;
  n.level = index == 0 ? "c" : rng.pick(k_levels);
  if (!n.level.empty())
    n.subscription_key = fmt::format("pve2{}-{}", n.level, hex_bytes(rng, 5, "", false));
  n.serverid = hex_bytes(rng, 16, "", true);
  n.ssl_fingerprint = hex_bytes(rng, 32, ":", true);
  n.nics = {{"lo", false, 0, 0},
            {"eno1", true, rng.range(1e5, 5e7), rng.range(1e5, 5e7)},
            {"eno2", true, rng.range(1e4, 1e6), rng.range(1e4, 1e6)},
            {"vmbr0", false, rng.range(1e5, 5e7), rng.range(1e5, 5e7)}};
  // Certificates: the cluster CA, the node certificate (pve2's expires soon) and, on the first
  // node, an ACME certificate.
  Certificate ca;
  ca.filename = "pve-root-ca.pem";
  ca.fingerprint =
      "5D:0E:91:AA:13:7C:44:B2:09:EF:6A:38:C1:72:DE:05:8B:9F:20:63:4A:17:C8:D9:E2:31:5F:40:AB:76:"
      "0C:99";
  ca.subject =
      "/CN=Proxmox Virtual Environment/OU=3f1c2b7a-9e8d-4c6b-a5f4-1d2e3c4b5a69/O=PVE Cluster "
      "Manager CA";
  ca.issuer = ca.subject;
  ca.notbefore = static_cast<int64_t>(epoch0) - 400 * 86400;
  ca.notafter = ca.notbefore + 3650 * 86400;
  ca.key_type = "rsaEncryption";
  ca.key_bits = 4096;
  Certificate node_cert;
  node_cert.filename = "pve-ssl.pem";
  node_cert.fingerprint = n.ssl_fingerprint;
  node_cert.subject =
      fmt::format("/OU=PVE Cluster Node/O=Proxmox Virtual Environment/CN={}.example.com", n.name);
  node_cert.issuer = ca.subject;
  node_cert.notbefore = ca.notbefore + 10;
  node_cert.notafter =
      index == 1 ? static_cast<int64_t>(epoch0) + 12 * 86400 : node_cert.notbefore + 730 * 86400;
  node_cert.san = {"127.0.0.1", "0000:0000:0000:0000:0000:0000:0000:0001",
                   "localhost", n.ip,
                   n.name,      n.name + ".example.com"};
  node_cert.key_type = "rsaEncryption";
  node_cert.key_bits = 2048;
  n.certificates = {ca, node_cert};
  if (index == 0) {
    Certificate acme;
    acme.filename = "pveproxy-ssl.pem";
    acme.fingerprint = hex_bytes(rng, 32, ":", true);
    acme.subject = fmt::format("/CN={}.example.com", n.name);
    acme.issuer = "/C=US/O=Let's Encrypt/CN=E6";
    acme.notbefore = static_cast<int64_t>(epoch0) - 30 * 86400;
    acme.notafter = acme.notbefore + 90 * 86400;
    acme.san = {n.name + ".example.com"};
    acme.key_type = "id-ecPublicKey";
    acme.key_bits = 256;
    n.certificates.push_back(acme);
  }
  return n;
}

void add_storages(Rng& rng, const SimOptions& o, Node& n, const Storage& shared) {
  std::vector<std::string> local_ids = {"local"};
  if (o.zfs_pools_per_node > 0) local_ids.push_back("local-zfs");
  local_ids.push_back("local-lvm");
  for (int s = 0; s < o.storages_per_node; ++s) {
    std::string id =
        static_cast<size_t>(s) < local_ids.size() ? local_ids[s] : fmt::format("data{}", s);
    Storage st;
    if (id == "local") {
      st = {id, "dir", "iso,vztmpl,backup", false, true, true, n.root_total, n.root_used};
    } else if (id == "local-zfs") {
      st = {id, "zfspool", "images,rootdir", false, true, true, 0, 0};
    } else if (id == "local-lvm") {
      st = {id, "lvmthin", "images,rootdir", false, true, true, 0, 0};
    } else {
      // data3 is disabled: listed with zeros, like a storage switched off on this node.
      st = {id, "dir", "images,backup", false, id != "data3", id != "data3", 0, 0};
    }
    if (st.total == 0 && st.active) {
      st.total = (1 + rng.below(8)) * 512 * k_gib;
      st.used = static_cast<uint64_t>(static_cast<double>(st.total) * rng.range(0.05, 0.9));
    }
    n.storages.push_back(st);
  }
  n.storages.push_back(shared);
}

Disk make_disk(Rng& rng, const std::string& devpath, bool nvme, bool hdd) {
  Disk d;
  d.devpath = devpath;
  d.serial = fmt::format("S{}", hex_bytes(rng, 6, "", true));
  if (nvme) {
    d.type = "nvme";
    d.model = "SAMSUNG MZQL21T9HCJR-00A07";
    d.vendor = "unknown";
    d.size_bytes = 1920383410176;
    d.wearout = static_cast<int>(80 + rng.below(21));
    d.by_id = "/dev/disk/by-id/nvme-SAMSUNG_MZQL21T9HCJR-00A07_" + d.serial;
    d.wwn = "eui." + hex_bytes(rng, 16, "", false);
  } else {
    d.type = hdd ? "hdd" : "ssd";
    d.model = hdd ? "ST4000NM000A" : "INTEL SSDSC2KB960G8";
    d.vendor = "ATA";
    d.size_bytes = hdd ? 4000787030016 : 960197124096;
    d.rpm = hdd ? 7200 : 0;
    d.wearout = hdd ? -1 : static_cast<int>(90 + rng.below(11));
    d.by_id = "/dev/disk/by-id/ata-" + std::string(hdd ? "ST4000NM000A_" : "INTEL_SSDSC2KB960G8_") +
              d.serial;
    d.wwn = "0x5000c500" + hex_bytes(rng, 4, "", false);
  }
  d.used = "ZFS";
  return d;
}

void add_pools(Rng& rng, const SimOptions& o, Node& n, int node_index) {
  int next_sd = 0;
  for (int p = 0; p < o.zfs_pools_per_node; ++p) {
    ZfsPool pool;
    pool.name =
        p == 0 ? "rpool" : fmt::format("tank{}", p == 1 ? std::string() : std::to_string(p));
    bool raidz = p > 0;
    int width = raidz ? 3 + static_cast<int>(rng.below(2)) : 2;
    ZfsVdev vdev;
    vdev.name = raidz ? "raidz1-0" : "mirror-0";
    for (int d = 0; d < width; ++d) {
      Disk disk = p == 0
                      ? make_disk(rng, fmt::format("/dev/nvme{}n1", d), true, false)
                      : make_disk(rng, fmt::format("/dev/sd{}", static_cast<char>('a' + next_sd++)),
                                  false, true);
      ZfsLeaf leaf;
      leaf.name = disk.by_id + (p == 0 ? "-part3" : "-part1");
      vdev.leaves.push_back(leaf);
      n.disks.push_back(disk);
    }
    uint64_t disk_size = n.disks.back().size_bytes;
    pool.size = raidz ? disk_size * static_cast<uint64_t>(width) : disk_size;
    pool.size -= pool.size / 64;
    pool.alloc = static_cast<uint64_t>(static_cast<double>(pool.size) * rng.range(0.05, 0.8));
    pool.frag = static_cast<int>(rng.below(40));
    pool.scan = "scrub repaired 0B in 00:02:11 with 0 errors on Sun Aug 10 00:26:12 2025";
    // One pool in three is degraded: a faulted leaf with error counters.
    if ((node_index + p) % 3 == 1) {
      ZfsLeaf& bad = vdev.leaves[1];
      bad.state = "FAULTED";
      bad.read = 3;
      bad.write = 118;
      bad.cksum = 1.2;  // "1.2K" abbreviated by zpool, as PVE passes it on
      bad.msg = "too many errors";
      vdev.state = "DEGRADED";
      pool.health = "DEGRADED";
      pool.status =
          "One or more devices are faulted in response to persistent errors. Sufficient replicas "
          "exist for the pool to continue functioning in a degraded state.";
      pool.action = "Replace the faulted device, or use 'zpool clear' to mark the device repaired.";
      pool.see = "https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-K4";
      pool.scan = "resilvered 1.20G in 00:01:02 with 0 errors on Mon Aug 18 09:12:44 2025";
    }
    pool.vdevs.push_back(vdev);
    if (raidz) {
      Disk spare =
          make_disk(rng, fmt::format("/dev/sd{}", static_cast<char>('a' + next_sd++)), false, true);
      pool.spares.push_back({spare.by_id, "AVAIL", 0, 0, 0, ""});
      n.disks.push_back(spare);
    }
    n.pools.push_back(pool);
  }
  std::sort(n.disks.begin(), n.disks.end(),
            [](const Disk& a, const Disk& b) { return a.devpath < b.devpath; });
}

Guest make_guest(Rng& rng, int vmid, size_t node, const std::vector<std::string>& pools,
                 const std::string& disk_storage) {
  Guest g;
  g.vmid = vmid;
  g.node = node;
  g.type = rng.chance(0.7) ? GuestType::qemu : GuestType::lxc;
  bool qemu = g.type == GuestType::qemu;
  g.name = fmt::format("{}-{}", qemu ? rng.pick(k_qemu_names) : rng.pick(k_lxc_names), vmid);
  g.is_template = qemu && rng.chance(0.06);
  g.running = !g.is_template && rng.chance(0.8);
  if (g.running) g.qmpstatus = qemu && rng.chance(0.05) ? rng.pick(k_paused_states) : "running";
  if (rng.chance(0.08)) g.lock = qemu ? rng.pick(k_qemu_locks) : rng.pick(k_lxc_locks);
  if (rng.chance(0.4)) g.tags = rng.pick(k_tags);
  if (rng.chance(0.3)) g.pool = rng.pick(pools);
  if (!g.is_template && rng.chance(0.2)) {
    static const std::vector<std::string> running_states = {"started", "started", "started",
                                                            "migrate", "freeze",  "request_stop"};
    static const std::vector<std::string> stopped_states = {"stopped", "error", "fence", "recovery",
                                                            "disabled"};
    g.ha_state = g.running ? rng.pick(running_states) : rng.pick(stopped_states);
    g.ha_request = g.ha_state == "disabled" ? "disabled"
                   : !g.running             ? "stopped"
                   : rng.chance(0.5)        ? "started"
                                            : "";
  }
  static const std::vector<int> qemu_cpus = {1, 2, 4, 8};
  static const std::vector<int> lxc_cpus = {1, 2, 4};
  g.cpus = qemu ? qemu_cpus[rng.below(4)] : lxc_cpus[rng.below(3)];
  static const std::vector<uint64_t> qemu_mem = {1 * k_gib, 2 * k_gib, 4 * k_gib, 8 * k_gib,
                                                 16 * k_gib};
  static const std::vector<uint64_t> lxc_mem = {512 * k_mib, 1 * k_gib, 2 * k_gib, 4 * k_gib};
  g.maxmem = qemu ? qemu_mem[rng.below(5)] : lxc_mem[rng.below(4)];
  g.ostype = qemu ? (g.name.rfind("win", 0) == 0 ? "win11" : "l26") : "debian";
  static const std::vector<uint64_t> disk_sizes = {8 * k_gib, 16 * k_gib, 32 * k_gib, 64 * k_gib,
                                                   128 * k_gib};
  g.maxdisk = disk_sizes[rng.below(5)];
  if (qemu) {
    g.balloon = rng.chance(0.7);
    g.balloon_stats = g.balloon && rng.chance(0.8);
    if (g.balloon && rng.chance(0.3)) g.balloon_min = g.maxmem / 2;
    g.agent = rng.chance(0.6);
    g.drives.push_back({"scsi0", fmt::format("{}:vm-{}-disk-0", disk_storage, vmid), g.maxdisk,
                        false, rng.range(1e3, 5e6), rng.range(1e3, 5e6)});
    if (rng.chance(0.4))
      g.drives.push_back({"scsi1", fmt::format("{}:vm-{}-disk-1", disk_storage, vmid),
                          disk_sizes[rng.below(5)] * 4, false, rng.range(1e3, 2e7),
                          rng.range(1e3, 2e7)});
    if (rng.chance(0.3))
      g.drives.push_back({"efidisk0", fmt::format("{}:vm-{}-disk-2", disk_storage, vmid), 1 * k_mib,
                          false, 0.5, 0.1});
    if (rng.chance(0.5)) g.drives.push_back({"ide2", "none", 0, true, 0, 0});
  } else {
    g.maxswap = 512 * k_mib;
    g.cpulimit_only = rng.chance(0.1);
    g.read_rate = rng.range(1e3, 2e6);
    g.write_rate = rng.range(1e3, 2e6);
  }
  int nic_count = rng.chance(0.2) ? 2 : 1;
  for (int i = 0; i < nic_count; ++i)
    g.nics.push_back(
        {i, "BC:24:11:" + hex_bytes(rng, 3, ":", true), rng.range(1e2, 2e6), rng.range(1e2, 1e6)});
  if (g.running) {
    g.cpu = round_to(rng.range(0.001, 0.6), 0.0001);
    g.memhost = static_cast<uint64_t>(static_cast<double>(g.maxmem) * rng.range(0.2, 0.9));
    g.mem = qemu && g.balloon_stats
                ? static_cast<uint64_t>(static_cast<double>(g.maxmem) * rng.range(0.1, 0.8))
                : g.memhost;
    if (!qemu) {
      g.disk = static_cast<uint64_t>(static_cast<double>(g.maxdisk) * rng.range(0.1, 0.7));
      g.swap = rng.chance(0.3) ? rng.below(128) * k_mib : 0;
    }
    g.uptime_base = static_cast<double>(3600 + rng.below(60 * 86400));
    g.pid = static_cast<int>(1000 + rng.below(4000000));
    for (double& p : g.pressure) p = rng.chance(0.5) ? 0.0 : round_to(rng.range(0, 3), 0.01);
  }
  return g;
}

void add_replication(Rng& rng, Cluster& c) {
  std::vector<size_t> online;
  for (size_t i = 0; i < c.nodes.size(); ++i)
    if (c.nodes[i].online) online.push_back(i);
  if (c.nodes.size() < 2) return;
  for (const Guest& g : c.guests) {
    if (g.is_template || !rng.chance(0.15)) continue;
    ReplicationJob job;
    job.guest = g.vmid;
    job.source = g.node;
    job.target = (g.node + 1) % c.nodes.size();
    job.last_sync_ago = static_cast<int64_t>(60 + rng.below(840));
    job.duration = round_to(rng.range(0.5, 30), 0.000001);
    if (rng.chance(0.2)) {
      job.fail_count = static_cast<int>(1 + rng.below(6));
      job.last_sync_ago += 900 * job.fail_count;
      job.error = fmt::format(
          "command 'zfs recv -F -- rpool/data/vm-{}-disk-0' failed: exit code 1\n", g.vmid);
    }
    if (!c.nodes[job.target].online && job.fail_count == 0) {
      job.fail_count = 3;
      job.error = "No route to host\n";
    }
    job.disabled = rng.chance(0.05);
    if (rng.chance(0.3)) job.schedule = "*/30";
    c.replication.push_back(job);
  }
}

void add_backups_and_tasks(Rng& rng, Cluster& c) {
  BackupJob nightly;
  nightly.id = "backup-" + hex_bytes(rng, 4, "", false) + "-" + hex_bytes(rng, 2, "", false);
  nightly.schedule = "21:00";
  nightly.schedule_hour = 21;
  nightly.storage = "nas-backup";
  nightly.mode = "snapshot";
  nightly.compress = "zstd";
  nightly.all = true;
  BackupJob weekly;
  weekly.id = "backup-" + hex_bytes(rng, 4, "", false) + "-" + hex_bytes(rng, 2, "", false);
  weekly.schedule = "sun 01:00";
  weekly.schedule_hour = 1;
  weekly.storage = "nas-backup";
  weekly.mode = "stop";
  weekly.compress = "zstd";
  weekly.enabled = false;
  for (const Guest& g : c.guests) {
    if (g.tags.find("backup-exempt") != std::string::npos || rng.chance(0.08)) {
      nightly.exclude.push_back(g.vmid);
      if (rng.chance(0.3)) weekly.vmids.push_back(g.vmid);
    }
  }
  c.backup_jobs = {nightly, weekly};

  for (size_t n = 0; n < c.nodes.size(); ++n) {
    std::vector<Task> node_tasks;
    int pid = static_cast<int>(600000 + rng.below(100000));
    // One vzdump task per day for the last two days, per guest of this node.
    for (int day = 0; day < 2; ++day) {
      int64_t start = 3600 * 14 + day * 86400 + static_cast<int64_t>(rng.below(600));
      Task all;
      all.node = n;
      all.type = "vzdump";
      all.user = "root@pam";
      all.start_ago = start;
      all.duration = 0;
      all.pid = pid++;
      bool any_error = false;
      for (const Guest& g : c.guests) {
        if (g.node != n) continue;
        if (std::find(nightly.exclude.begin(), nightly.exclude.end(), g.vmid) !=
            nightly.exclude.end())
          continue;
        Task t;
        t.node = n;
        t.type = "vzdump";
        t.id = std::to_string(g.vmid);
        t.user = "root@pam";
        t.duration = static_cast<int64_t>(20 + rng.below(600));
        t.start_ago = start - all.duration;
        all.duration += t.duration;
        t.pid = pid++;
        double roll = rng.unit();
        t.status = roll < 0.85 ? "OK" : roll < 0.93 ? "WARNINGS: 1" : "job errors";
        if (t.status == "job errors") any_error = true;
        node_tasks.push_back(t);
      }
      all.status = any_error ? "job errors" : "OK";
      node_tasks.push_back(all);
    }
    // A manual backup through the exporter's own token, and guest starts.
    for (const Guest& g : c.guests) {
      if (g.node != n || !g.running) continue;
      Task t;
      t.node = n;
      t.type = g.type == GuestType::qemu ? "qmstart" : "vzstart";
      t.id = std::to_string(g.vmid);
      t.user = "root@pam";
      t.start_ago = static_cast<int64_t>(g.uptime_base) + 2;
      t.duration = 2;
      t.pid = pid++;
      t.status = "OK";
      node_tasks.push_back(t);
    }
    Task running;
    running.node = n;
    running.type = "aptupdate";
    running.user = "root@pam";
    running.start_ago = 30;
    running.pid = pid++;
    running.running = true;
    node_tasks.push_back(running);
    if (!node_tasks.empty() && n == 0) {
      Task manual;
      manual.node = n;
      manual.type = "vzdump";
      manual.id = node_tasks.front().id;
      manual.user = "monitor@pve";
      manual.tokenid = "exporter";
      manual.start_ago = 7200;
      manual.duration = 6;
      manual.pid = pid++;
      manual.status = "OK";
      node_tasks.push_back(manual);
    }
    std::stable_sort(node_tasks.begin(), node_tasks.end(),
                     [](const Task& a, const Task& b) { return a.start_ago < b.start_ago; });
    c.tasks.insert(c.tasks.end(), node_tasks.begin(), node_tasks.end());
  }
}

}  // namespace

bool Cluster::uses_ha() const {
  return std::any_of(guests.begin(), guests.end(),
                     [](const Guest& g) { return !g.ha_state.empty(); });
}

const Node* Cluster::find_node(std::string_view wanted) const {
  for (const Node& n : nodes)
    if (n.name == wanted) return &n;
  return nullptr;
}

const Guest* Cluster::find_guest(int vmid) const {
  auto it = std::lower_bound(guests.begin(), guests.end(), vmid,
                             [](const Guest& g, int id) { return g.vmid < id; });
  return it != guests.end() && it->vmid == vmid ? &*it : nullptr;
}

Cluster generate_cluster(const SimOptions& o, double epoch0) {
  Rng rng(o.seed);
  Cluster c;
  c.name = o.cluster_name;
  c.standalone = o.standalone;
  c.qdevice = o.qdevice;
  c.pve_version = o.pve_version;
  c.config_version = o.nodes + 2;
  c.epoch0 = epoch0;
  c.pools = {"production", "dev", "infra"};
  Storage shared{"nas-backup", "nfs", "backup,iso", true, true, true, 16 * 1024 * k_gib, 0};
  shared.used = static_cast<uint64_t>(static_cast<double>(shared.total) * rng.range(0.2, 0.7));
  for (int i = 0; i < o.nodes; ++i) {
    Node n = make_node(rng, o, i, epoch0);
    add_storages(rng, o, n, shared);
    add_pools(rng, o, n, i);
    c.nodes.push_back(std::move(n));
  }
  for (size_t i = 0; i < c.nodes.size(); ++i) {
    std::string disk_storage = "local";
    for (const Storage& s : c.nodes[i].storages)
      if (s.content.find("images") != std::string::npos && !s.shared) {
        disk_storage = s.id;
        break;
      }
    for (int j = 0; j < o.guests_per_node; ++j) {
      int vmid = 100 + static_cast<int>(i) * o.guests_per_node + j;
      c.guests.push_back(make_guest(rng, vmid, i, c.pools, disk_storage));
    }
  }
  if (c.uses_ha())
    for (Node& n : c.nodes) n.ha_state = n.online ? "online" : "unknown";
  add_replication(rng, c);
  add_backups_and_tasks(rng, c);
  return c;
}

}  // namespace pvex::sim
