// collectors/zpool.cpp: pool capacity and health, vdev errors, dataset space from zpool/zfs -Hp.
#include <algorithm>

#include "collectors/collector.hpp"
#include "util/strings.hpp"
#include "zfs/command.hpp"
#include "zfs/filter.hpp"
#include "zfs/zpool.hpp"

namespace pvex::collectors {
namespace {

using metrics::Family;
using metrics::Type;

const Family k_size{"zfs_pool_size_bytes",
                    "Raw pool size, parity included (zpool list size).",
                    Type::gauge,
                    {"pool"}};
const Family k_allocated{"zfs_pool_allocated_bytes",
                         "Raw bytes allocated (zpool list allocated).",
                         Type::gauge,
                         {"pool"}};
const Family k_free{
    "zfs_pool_free_bytes", "Raw bytes free (zpool list free).", Type::gauge, {"pool"}};
const Family k_checkpoint{
    "zfs_pool_checkpoint_bytes",
    "Bytes held by a pool checkpoint (zpool list checkpoint; absent without one).",
    Type::gauge,
    {"pool"}};
const Family k_expand{
    "zfs_pool_expand_size_bytes",
    "Unused device space the pool could grow into (zpool list expandsize; absent if none).",
    Type::gauge,
    {"pool"}};
const Family k_frag{"zfs_pool_fragmentation_percent",
                    "Free-space fragmentation in percent (zpool list fragmentation).",
                    Type::gauge,
                    {"pool"}};
const Family k_capacity{"zfs_pool_capacity_percent",
                        "Allocated share of the pool in percent (zpool list capacity).",
                        Type::gauge,
                        {"pool"}};
const Family k_dedup{
    "zfs_pool_dedup_ratio", "Deduplication ratio (zpool list dedupratio).", Type::gauge, {"pool"}};
const Family k_health{"zfs_pool_health",
                      "Pool health from zpool list: 1 for the current state, 0 for the others.",
                      Type::gauge,
                      {"pool", "state"}};
const Family k_data_errors{"zfs_pool_data_errors",
                           "Known permanent data errors (zpool status errors: line).",
                           Type::gauge,
                           {"pool"}};
const Family k_vdev_state{"zfs_vdev_state",
                          "Vdev state from zpool status: 1 for the current state, 0 for the "
                          "others. vdev is the position in the tree.",
                          Type::gauge,
                          {"pool", "vdev", "state"}};
const Family k_vdev_read{
    "zfs_vdev_read_errors_total",
    "Read errors of the vdev since import or zpool clear (zpool status -p READ).",
    Type::counter,
    {"pool", "vdev"}};
const Family k_vdev_write{
    "zfs_vdev_write_errors_total",
    "Write errors of the vdev since import or zpool clear (zpool status -p WRITE).",
    Type::counter,
    {"pool", "vdev"}};
const Family k_vdev_cksum{
    "zfs_vdev_checksum_errors_total",
    "Checksum errors of the vdev since import or zpool clear (zpool status -p CKSUM).",
    Type::counter,
    {"pool", "vdev"}};
const Family k_ds_used{"zfs_dataset_used_bytes",
                       "Space used by the dataset and its descendants (zfs list used).",
                       Type::gauge,
                       {"pool", "dataset"}};
const Family k_ds_available{"zfs_dataset_available_bytes",
                            "Space available to the dataset (zfs list available).",
                            Type::gauge,
                            {"pool", "dataset"}};
const Family k_ds_referenced{"zfs_dataset_referenced_bytes",
                             "Space referenced by the dataset (zfs list referenced).",
                             Type::gauge,
                             {"pool", "dataset"}};
const Family k_ds_logical{"zfs_dataset_logical_used_bytes",
                          "Logical (uncompressed) space used (zfs list logicalused).",
                          Type::gauge,
                          {"pool", "dataset"}};
const Family k_ds_snapshots{"zfs_dataset_snapshots_used_bytes",
                            "Space used by the dataset's snapshots (zfs list usedbysnapshots).",
                            Type::gauge,
                            {"pool", "dataset"}};
const Family k_ds_volsize{"zfs_dataset_volume_size_bytes",
                          "Logical size of a volume (zfs list volsize; volumes only).",
                          Type::gauge,
                          {"pool", "dataset"}};
const Family k_ds_ratio{
    "zfs_dataset_compression_ratio",
    "Compression ratio achieved for the referenced data (zfs list compressratio).",
    Type::gauge,
    {"pool", "dataset"}};

constexpr std::string_view k_pool_states[] = {"ONLINE",  "DEGRADED", "FAULTED",  "OFFLINE",
                                              "REMOVED", "UNAVAIL",  "SUSPENDED"};
constexpr std::string_view k_vdev_states[] = {"ONLINE",  "DEGRADED", "FAULTED", "OFFLINE",
                                              "REMOVED", "UNAVAIL",  "AVAIL",   "INUSE"};

template <class T>
void add_optional(const Family& f, const std::optional<T>& v,
                  std::initializer_list<std::string_view> labels, metrics::MetricSet& out) {
  if (v) out.add(f, static_cast<double>(*v), labels);
}

void render_pools(const std::vector<zfs::PoolSpace>& pools, metrics::MetricSet& out) {
  for (const zfs::PoolSpace& p : pools) {
    add_optional(k_size, p.size_bytes, {p.name}, out);
    add_optional(k_allocated, p.allocated_bytes, {p.name}, out);
    add_optional(k_free, p.free_bytes, {p.name}, out);
    add_optional(k_checkpoint, p.checkpoint_bytes, {p.name}, out);
    add_optional(k_expand, p.expand_size_bytes, {p.name}, out);
    add_optional(k_frag, p.fragmentation_percent, {p.name}, out);
    add_optional(k_capacity, p.capacity_percent, {p.name}, out);
    add_optional(k_dedup, p.dedup_ratio, {p.name}, out);
    out.add_state_set(k_health, k_pool_states, p.health, {p.name});
  }
}

void render_status(const std::vector<zfs::PoolStatus>& pools, metrics::MetricSet& out) {
  for (const zfs::PoolStatus& p : pools) {
    add_optional(k_data_errors, p.data_errors, {p.name}, out);
    for (const zfs::Vdev& v : p.vdevs) {
      if (v.state.empty()) continue;  // class headers: logs, cache, spares, ...
      out.add_state_set(k_vdev_state, k_vdev_states, v.state, {p.name, v.path});
      add_optional(k_vdev_read, v.read_errors, {p.name, v.path}, out);
      add_optional(k_vdev_write, v.write_errors, {p.name, v.path}, out);
      add_optional(k_vdev_cksum, v.checksum_errors, {p.name, v.path}, out);
    }
  }
}

void render_datasets(const std::vector<zfs::DatasetSpace>& datasets,
                     const zfs::DatasetFilter& filter, metrics::MetricSet& out) {
  for (const zfs::DatasetSpace& d : datasets) {
    if (!filter.allows(d.name)) continue;
    const std::string_view pool = zfs::pool_of(d.name);
    add_optional(k_ds_used, d.used_bytes, {pool, d.name}, out);
    add_optional(k_ds_available, d.available_bytes, {pool, d.name}, out);
    add_optional(k_ds_referenced, d.referenced_bytes, {pool, d.name}, out);
    add_optional(k_ds_logical, d.logical_used_bytes, {pool, d.name}, out);
    add_optional(k_ds_snapshots, d.snapshots_used_bytes, {pool, d.name}, out);
    add_optional(k_ds_volsize, d.volume_size_bytes, {pool, d.name}, out);
    add_optional(k_ds_ratio, d.compression_ratio, {pool, d.name}, out);
  }
}

/// Runs one command under its own time limit (capped by the scrape deadline); a non-zero exit
/// becomes an error carrying the first stderr line.
Result<std::string> run(const std::vector<std::string>& argv, const Scrape& scrape) {
  const pve::Clock::time_point deadline =
      std::min(scrape.deadline(), pve::Clock::now() + scrape.config().zfs.command_timeout);
  Result<zfs::CommandOutput> r = zfs::run_command(argv, deadline);
  if (!r) return fail(r.error());
  if (r->exit_code != 0) return fail(ErrorKind::io, zfs::describe_failure(argv, *r));
  return std::move(r->out);
}

}  // namespace

Result<void> collect_zpool(Scrape& scrape, metrics::MetricSet& out) {
  const config::ZfsConfig& cfg = scrape.config().zfs;
  Result<std::string> list =
      run({cfg.zpool_command, "list", "-Hp", "-o", std::string(zfs::k_zpool_list_columns)}, scrape);
  if (!list) {
    if (list.error().kind == ErrorKind::not_found) return {};  // no ZFS tools here: nothing to say
    return fail(list.error());
  }
  Result<std::vector<zfs::PoolSpace>> pools = zfs::parse_zpool_list(*list);
  if (!pools) return fail(pools.error());
  render_pools(*pools, out);
  if (pools->empty()) return {};

  Result<std::string> status = run({cfg.zpool_command, "status", "-p"}, scrape);
  if (!status) return fail(status.error());
  Result<std::vector<zfs::PoolStatus>> tree = zfs::parse_zpool_status(*status);
  if (!tree) return fail(tree.error());
  render_status(*tree, out);

  if (!cfg.datasets) return {};
  Result<zfs::DatasetFilter> filter =
      zfs::DatasetFilter::make(cfg.dataset_include, cfg.dataset_exclude);
  if (!filter) return fail(filter.error());
  Result<std::string> zfs_list = run({cfg.zfs_command, "list", "-Hp", "-t", "filesystem,volume",
                                      "-o", std::string(zfs::k_zfs_list_columns)},
                                     scrape);
  if (!zfs_list) return fail(zfs_list.error());
  Result<std::vector<zfs::DatasetSpace>> datasets = zfs::parse_zfs_list(*zfs_list);
  if (!datasets) return fail(datasets.error());
  render_datasets(*datasets, *filter, out);
  return {};
}

}  // namespace pvex::collectors
