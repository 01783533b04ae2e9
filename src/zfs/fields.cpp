// ZFS kstat field tables (from zfs-kstat.md section 2) and the naming/typing rules over them.
#include "zfs/fields.hpp"

#include <algorithm>
#include <array>
#include <span>

#include "util/strings.hpp"

namespace pvex::zfs {
namespace {

using SV = std::string_view;

// ---- arcstats: mixed file; counters listed, everything else documented is a gauge.
constexpr SV k_arc_counters[] = {"hits",
                                 "iohits",
                                 "misses",
                                 "demand_data_hits",
                                 "demand_data_iohits",
                                 "demand_data_misses",
                                 "demand_metadata_hits",
                                 "demand_metadata_iohits",
                                 "demand_metadata_misses",
                                 "prefetch_data_hits",
                                 "prefetch_data_iohits",
                                 "prefetch_data_misses",
                                 "prefetch_metadata_hits",
                                 "prefetch_metadata_iohits",
                                 "prefetch_metadata_misses",
                                 "mru_hits",
                                 "mfu_hits",
                                 "mru_ghost_hits",
                                 "mfu_ghost_hits",
                                 "uncached_hits",
                                 "deleted",
                                 "mutex_miss",
                                 "access_skip",
                                 "evict_skip",
                                 "evict_not_enough",
                                 "evict_l2_cached",
                                 "evict_l2_eligible",
                                 "evict_l2_eligible_mfu",
                                 "evict_l2_eligible_mru",
                                 "evict_l2_ineligible",
                                 "evict_l2_skip",
                                 "hash_collisions",
                                 "l2_hits",
                                 "l2_misses",
                                 "l2_feeds",
                                 "l2_rw_clash",
                                 "l2_read_bytes",
                                 "l2_write_bytes",
                                 "l2_writes_sent",
                                 "l2_writes_done",
                                 "l2_writes_error",
                                 "l2_writes_lock_retry",
                                 "l2_evict_lock_retry",
                                 "l2_evict_reading",
                                 "l2_evict_l1cached",
                                 "l2_free_on_write",
                                 "l2_abort_lowmem",
                                 "l2_cksum_bad",
                                 "l2_io_error",
                                 "l2_log_blk_writes",
                                 "l2_rebuild_success",
                                 "l2_rebuild_unsupported",
                                 "l2_rebuild_io_errors",
                                 "l2_rebuild_dh_errors",
                                 "l2_rebuild_cksum_lb_errors",
                                 "l2_rebuild_lowmem",
                                 "l2_rebuild_size",
                                 "l2_rebuild_asize",
                                 "l2_rebuild_bufs",
                                 "l2_rebuild_bufs_precached",
                                 "l2_rebuild_log_blks",
                                 "memory_throttle_count",
                                 "memory_direct_count",
                                 "memory_indirect_count",
                                 "arc_prune",
                                 "async_upgrade_sync",
                                 "predictive_prefetch",
                                 "prescient_prefetch",
                                 "demand_hit_predictive_prefetch",
                                 "demand_hit_prescient_prefetch",
                                 "demand_iohit_predictive_prefetch",
                                 "demand_iohit_prescient_prefetch",
                                 "cached_only_in_progress"};
constexpr SV k_arc_gauges[] = {"hash_elements",
                               "hash_elements_max",
                               "hash_chains",
                               "hash_chain_max",
                               "p",
                               "meta",
                               "pd",
                               "pm",
                               "c",
                               "c_min",
                               "c_max",
                               "size",
                               "compressed_size",
                               "uncompressed_size",
                               "overhead_size",
                               "hdr_size",
                               "data_size",
                               "metadata_size",
                               "dbuf_size",
                               "dnode_size",
                               "bonus_size",
                               "other_size",
                               "anon_size",
                               "anon_data",
                               "anon_metadata",
                               "anon_evictable_data",
                               "anon_evictable_metadata",
                               "mru_size",
                               "mru_data",
                               "mru_metadata",
                               "mru_evictable_data",
                               "mru_evictable_metadata",
                               "mru_ghost_size",
                               "mru_ghost_data",
                               "mru_ghost_metadata",
                               "mru_ghost_evictable_data",
                               "mru_ghost_evictable_metadata",
                               "mfu_size",
                               "mfu_data",
                               "mfu_metadata",
                               "mfu_evictable_data",
                               "mfu_evictable_metadata",
                               "mfu_ghost_size",
                               "mfu_ghost_data",
                               "mfu_ghost_metadata",
                               "mfu_ghost_evictable_data",
                               "mfu_ghost_evictable_metadata",
                               "uncached_size",
                               "uncached_data",
                               "uncached_metadata",
                               "uncached_evictable_data",
                               "uncached_evictable_metadata",
                               "l2_ndev",
                               "l2_prefetch_asize",
                               "l2_mru_asize",
                               "l2_mfu_asize",
                               "l2_bufc_data_asize",
                               "l2_bufc_metadata_asize",
                               "l2_size",
                               "l2_asize",
                               "l2_hdr_size",
                               "l2_log_blk_avg_asize",
                               "l2_log_blk_asize",
                               "l2_log_blk_count",
                               "l2_data_to_meta_ratio",
                               "memory_all_bytes",
                               "memory_free_bytes",
                               "memory_available_bytes",
                               "arc_no_grow",
                               "arc_tempreserve",
                               "arc_loaned_bytes",
                               "arc_meta_used",
                               "arc_meta_limit",
                               "arc_meta_min",
                               "arc_meta_max",
                               "arc_dnode_limit",
                               "arc_need_free",
                               "arc_sys_free",
                               "arc_raw_size",
                               "abd_chunk_waste_size"};
constexpr SV k_arc_bytes[] = {"evict_l2_cached",
                              "evict_l2_eligible",
                              "evict_l2_eligible_mfu",
                              "evict_l2_eligible_mru",
                              "evict_l2_ineligible",
                              "l2_rebuild_size",
                              "l2_rebuild_asize",
                              "p",
                              "c",
                              "c_min",
                              "c_max",
                              "size",
                              "anon_data",
                              "anon_metadata",
                              "anon_evictable_data",
                              "anon_evictable_metadata",
                              "mru_data",
                              "mru_metadata",
                              "mru_evictable_data",
                              "mru_evictable_metadata",
                              "mru_ghost_data",
                              "mru_ghost_metadata",
                              "mru_ghost_evictable_data",
                              "mru_ghost_evictable_metadata",
                              "mfu_data",
                              "mfu_metadata",
                              "mfu_evictable_data",
                              "mfu_evictable_metadata",
                              "mfu_ghost_data",
                              "mfu_ghost_metadata",
                              "mfu_ghost_evictable_data",
                              "mfu_ghost_evictable_metadata",
                              "uncached_data",
                              "uncached_metadata",
                              "uncached_evictable_data",
                              "uncached_evictable_metadata",
                              "arc_tempreserve",
                              "arc_meta_used",
                              "arc_meta_limit",
                              "arc_meta_min",
                              "arc_meta_max",
                              "arc_dnode_limit",
                              "arc_need_free",
                              "arc_sys_free"};
constexpr SV k_arc_fractions[] = {"meta", "pd", "pm"};

// ---- abdstats: gauges except the two retry counters.
constexpr SV k_abd_counters[] = {"scatter_page_alloc_retry", "scatter_sg_table_retry"};
constexpr SV k_abd_gauges[] = {"struct_size",
                               "linear_cnt",
                               "linear_data_size",
                               "scatter_cnt",
                               "scatter_data_size",
                               "scatter_chunk_waste",
                               "scatter_order_N",
                               "scatter_page_multi_chunk",
                               "scatter_page_multi_zone"};
constexpr SV k_abd_bytes[] = {"scatter_chunk_waste"};

// ---- dbufstats.
constexpr SV k_dbuf_counters[] = {"cache_total_evicts", "hash_hits",
                                  "hash_misses",        "hash_collisions",
                                  "hash_insert_race",   "metadata_cache_overflow"};
constexpr SV k_dbuf_gauges[] = {"cache_count",
                                "cache_size_bytes",
                                "cache_level_N",
                                "cache_level_N_bytes",
                                "cache_size_bytes_max",
                                "cache_target_bytes",
                                "cache_lowater_bytes",
                                "cache_hiwater_bytes",
                                "hash_elements",
                                "hash_elements_max",
                                "hash_chains",
                                "hash_chain_max",
                                "hash_table_count",
                                "hash_mutex_count",
                                "metadata_cache_count",
                                "metadata_cache_size_bytes",
                                "metadata_cache_size_bytes_max"};
constexpr SV k_dbuf_bytes[] = {"cache_size_bytes_max", "metadata_cache_size_bytes_max"};

// ---- all-counter files.
constexpr SV k_dmu_tx_counters[] = {"dmu_tx_assigned",
                                    "dmu_tx_delay",
                                    "dmu_tx_error",
                                    "dmu_tx_suspended",
                                    "dmu_tx_group",
                                    "dmu_tx_memory_reserve",
                                    "dmu_tx_memory_reclaim",
                                    "dmu_tx_dirty_throttle",
                                    "dmu_tx_dirty_delay",
                                    "dmu_tx_dirty_over_max",
                                    "dmu_tx_dirty_frees_delay",
                                    "dmu_tx_wrlog_delay",
                                    "dmu_tx_quota"};
constexpr SV k_dnode_counters[] = {"dnode_hold_dbuf_hold",
                                   "dnode_hold_dbuf_read",
                                   "dnode_hold_alloc_hits",
                                   "dnode_hold_alloc_misses",
                                   "dnode_hold_alloc_interior",
                                   "dnode_hold_alloc_lock_retry",
                                   "dnode_hold_alloc_lock_misses",
                                   "dnode_hold_alloc_type_none",
                                   "dnode_hold_free_hits",
                                   "dnode_hold_free_misses",
                                   "dnode_hold_free_lock_misses",
                                   "dnode_hold_free_lock_retry",
                                   "dnode_hold_free_overflow",
                                   "dnode_hold_free_refcount",
                                   "dnode_free_interior_lock_retry",
                                   "dnode_allocate",
                                   "dnode_reallocate",
                                   "dnode_buf_evict",
                                   "dnode_alloc_next_chunk",
                                   "dnode_alloc_race",
                                   "dnode_alloc_next_block",
                                   "dnode_move_invalid",
                                   "dnode_move_recheck1",
                                   "dnode_move_recheck2",
                                   "dnode_move_special",
                                   "dnode_move_handle",
                                   "dnode_move_rwlock",
                                   "dnode_move_active"};
constexpr SV k_fm_counters[] = {"erpt-dropped", "erpt-set-failed", "fmri-set-failed",
                                "payload-set-failed", "erpt-duplicates"};
constexpr SV k_mirror_counters[] = {"rotating_linear",     "rotating_offset",   "rotating_seek",
                                    "non_rotating_linear", "non_rotating_seek", "preferred_found",
                                    "preferred_not_found"};
constexpr SV k_vdev_cache_counters[] = {"delegations", "hits", "misses"};
constexpr SV k_xuio_counters[] = {"onloan_read_buf", "onloan_write_buf", "read_buf_copied",
                                  "read_buf_nocopy", "write_buf_copied", "write_buf_nocopy"};
constexpr SV k_zfetch_counters[] = {"hits",   "future",      "stride",   "past",
                                    "misses", "max_streams", "io_issued"};
constexpr SV k_zfetch_gauges[] = {"io_active"};
constexpr SV k_zil_counters[] = {"zil_commit_count",
                                 "zil_commit_writer_count",
                                 "zil_commit_error_count",
                                 "zil_commit_stall_count",
                                 "zil_commit_suspend_count",
                                 "zil_commit_crash_count",
                                 "zil_itx_count",
                                 "zil_itx_indirect_count",
                                 "zil_itx_indirect_bytes",
                                 "zil_itx_copied_count",
                                 "zil_itx_copied_bytes",
                                 "zil_itx_needcopy_count",
                                 "zil_itx_needcopy_bytes",
                                 "zil_itx_metaslab_normal_count",
                                 "zil_itx_metaslab_normal_bytes",
                                 "zil_itx_metaslab_normal_write",
                                 "zil_itx_metaslab_normal_alloc",
                                 "zil_itx_metaslab_slog_count",
                                 "zil_itx_metaslab_slog_bytes",
                                 "zil_itx_metaslab_slog_write",
                                 "zil_itx_metaslab_slog_alloc"};
constexpr SV k_zil_bytes[] = {"zil_itx_metaslab_normal_write", "zil_itx_metaslab_normal_alloc",
                              "zil_itx_metaslab_slog_write", "zil_itx_metaslab_slog_alloc"};
constexpr SV k_metaslab_counters[] = {"trace_over_limit", "reload_tree", "too_many_tries",
                                      "try_hard"};
constexpr SV k_zio_counters[] = {"total_allocations", "alloc_class_fallbacks", "gang_writes",
                                 "gang_multilevel"};
constexpr SV k_zstd_gauges[] = {"buffers", "size"};
constexpr SV k_zstd_bytes[] = {"size"};

// ---- per-pool files.
constexpr SV k_iostats_counters[] = {"trim_extents_written",
                                     "trim_bytes_written",
                                     "trim_extents_skipped",
                                     "trim_bytes_skipped",
                                     "trim_extents_failed",
                                     "trim_bytes_failed",
                                     "autotrim_extents_written",
                                     "autotrim_bytes_written",
                                     "autotrim_extents_skipped",
                                     "autotrim_bytes_skipped",
                                     "autotrim_extents_failed",
                                     "autotrim_bytes_failed",
                                     "simple_trim_extents_written",
                                     "simple_trim_bytes_written",
                                     "simple_trim_extents_skipped",
                                     "simple_trim_bytes_skipped",
                                     "simple_trim_extents_failed",
                                     "simple_trim_bytes_failed",
                                     "arc_read_count",
                                     "arc_read_bytes",
                                     "arc_write_count",
                                     "arc_write_bytes",
                                     "direct_read_count",
                                     "direct_read_bytes",
                                     "direct_write_count",
                                     "direct_write_bytes"};
constexpr SV k_ddt_gauges[] = {"log_active_entries", "log_flushing_entries"};
constexpr SV k_ddt_gauge_suffixes[] = {"_rate", "_entries"};
constexpr SV k_objset_counters[] = {"writes",
                                    "nwritten",
                                    "reads",
                                    "nread",
                                    "nunlinks",
                                    "nunlinked",
                                    "zil_commit_count",
                                    "zil_commit_writer_count",
                                    "zil_commit_error_count",
                                    "zil_commit_stall_count",
                                    "zil_commit_suspend_count",
                                    "zil_commit_crash_count",
                                    "zil_itx_count",
                                    "zil_itx_indirect_count",
                                    "zil_itx_indirect_bytes",
                                    "zil_itx_copied_count",
                                    "zil_itx_copied_bytes",
                                    "zil_itx_needcopy_count",
                                    "zil_itx_needcopy_bytes",
                                    "zil_itx_metaslab_normal_count",
                                    "zil_itx_metaslab_normal_bytes",
                                    "zil_itx_metaslab_normal_write",
                                    "zil_itx_metaslab_normal_alloc",
                                    "zil_itx_metaslab_slog_count",
                                    "zil_itx_metaslab_slog_bytes",
                                    "zil_itx_metaslab_slog_write",
                                    "zil_itx_metaslab_slog_alloc"};
constexpr SV k_objset_bytes[] = {"nwritten",
                                 "nread",
                                 "zil_itx_metaslab_normal_write",
                                 "zil_itx_metaslab_normal_alloc",
                                 "zil_itx_metaslab_slog_write",
                                 "zil_itx_metaslab_slog_alloc"};

constexpr std::span<const SV> none{};

const FileSpec k_globals[] = {
    {"arcstats", "arc", "arc_", Kind::gauge, k_arc_counters, k_arc_gauges, k_arc_bytes,
     k_arc_fractions, none},
    {"abdstats", "abd", "", Kind::gauge, k_abd_counters, k_abd_gauges, k_abd_bytes, none, none},
    {"dbufstats", "dbuf", "", Kind::gauge, k_dbuf_counters, k_dbuf_gauges, k_dbuf_bytes, none,
     none},
    {"dmu_tx", "dmu_tx", "dmu_tx_", Kind::counter, k_dmu_tx_counters, none, none, none, none},
    {"dnodestats", "dnode", "dnode_", Kind::counter, k_dnode_counters, none, none, none, none},
    {"fm", "fm", "", Kind::counter, k_fm_counters, none, none, none, none},
    {"vdev_mirror_stats", "vdev_mirror", "", Kind::counter, k_mirror_counters, none, none, none,
     none},
    {"vdev_cache_stats", "vdev_cache", "", Kind::counter, k_vdev_cache_counters, none, none, none,
     none},
    {"xuio_stats", "xuio", "", Kind::counter, k_xuio_counters, none, none, none, none},
    {"zfetchstats", "zfetch", "", Kind::counter, k_zfetch_counters, k_zfetch_gauges, none, none,
     none},
    {"zil", "zil", "zil_", Kind::counter, k_zil_counters, none, k_zil_bytes, none, none},
    {"metaslab_stats", "metaslab", "", Kind::counter, k_metaslab_counters, none, none, none, none},
    {"zio_stats", "zio", "", Kind::counter, k_zio_counters, none, none, none, none},
    {"brtstats", "brt", "brt_", Kind::counter, none, none, none, none, none},
    {"zstd", "zstd", "", Kind::counter, none, k_zstd_gauges, k_zstd_bytes, none, none},
    {"dmustats", "dmu", "", Kind::counter, none, none, none, none, none},
    {"qat", "qat", "", Kind::counter, none, none, none, none, none},
};

const FileSpec k_iostats{"iostats", "pool", "",   Kind::counter, k_iostats_counters,
                         none,      none,   none, none};
const FileSpec k_ddt{"ddt_stats_", "pool_ddt", "",   Kind::counter,       none,
                     k_ddt_gauges, none,       none, k_ddt_gauge_suffixes};
const FileSpec k_objset{"objset-0x", "dataset",      "",   Kind::counter, k_objset_counters,
                        none,        k_objset_bytes, none, none};

bool contains(std::span<const SV> list, SV s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

bool ends_with_any(SV s, std::span<const SV> suffixes) {
  for (SV suffix : suffixes)
    if (util::ends_with(s, suffix)) return true;
  return false;
}

constexpr SV k_byte_suffixes[] = {"_bytes", "_size", "_asize"};

struct Rename {
  SV file, field, name;
};
constexpr Rename k_gauge_renames[] = {
    {"arcstats", "l2_log_blk_count", "l2_log_blocks"},
    {"dbufstats", "cache_count", "cache_buffers"},
    {"dbufstats", "metadata_cache_count", "metadata_cache_buffers"},
    {"dbufstats", "hash_table_count", "hash_tables"},
    {"dbufstats", "hash_mutex_count", "hash_mutexes"},
};

/// Whether `field` has an index (`_<digits>`). Indexed rows are listed once in the tables, with
/// `_N` for the digits: `cache_level_11_bytes` -> `cache_level_N_bytes`.
bool has_index(SV field) {
  for (size_t i = 1; i < field.size(); ++i)
    if (field[i] >= '0' && field[i] <= '9' && field[i - 1] == '_') return true;
  return false;
}

/// `field` with each `_<digits>` written `_N` into `out`; false (and `out` unusable) when it
/// does not fit, which no table entry would either.
bool with_index_placeholder(SV field, std::span<char> out, SV& result) {
  size_t n = 0;
  for (size_t i = 0; i < field.size(); ++i) {
    if (n == out.size()) return false;
    const bool digit = field[i] >= '0' && field[i] <= '9';
    if (digit && i > 0 && field[i - 1] == '_') {
      while (i + 1 < field.size() && field[i + 1] >= '0' && field[i + 1] <= '9') ++i;
      out[n++] = 'N';
    } else {
      out[n++] = field[i];
    }
  }
  result = SV(out.data(), n);
  return true;
}

/// Whether `list` holds `field` or its indexed form (`vdev_N_reads` for `vdev_3_reads`).
bool contains_field(std::span<const SV> list, SV field) {
  if (contains(list, field)) return true;
  if (!has_index(field)) return false;
  char buffer[256];
  SV indexed;
  return with_index_placeholder(field, buffer, indexed) && contains(list, indexed);
}

}  // namespace

std::span<const FileSpec> global_files() {
  return k_globals;
}
const FileSpec& iostats_spec() {
  return k_iostats;
}
const FileSpec& ddt_spec() {
  return k_ddt;
}
const FileSpec& objset_spec() {
  return k_objset;
}

FieldType classify(const FileSpec& spec, std::string_view field) {
  FieldType t;
  if (contains_field(spec.counters, field)) {
    t.kind = Kind::counter;
    t.known = true;
  } else if (contains_field(spec.gauges, field)) {
    t.kind = Kind::gauge;
    t.known = true;
  } else {
    t.kind = ends_with_any(field, spec.gauge_suffixes) ? Kind::gauge : spec.fallback_kind;
  }
  if (contains(spec.fraction_fields, field))
    t.unit = Unit::fraction;
  else if (contains(spec.byte_fields, field) || ends_with_any(field, k_byte_suffixes))
    t.unit = Unit::bytes;
  return t;
}

std::string metric_name(const FileSpec& spec, std::string_view field, const FieldType& type) {
  // Gauges must not end in `_count` (reserved for histograms and summaries): documented
  // fields get a plain name, unknown ones the suffix `_value`.
  if (type.kind == Kind::gauge) {
    for (const Rename& r : k_gauge_renames)
      if (r.file == spec.file && r.field == field) field = r.name;
  }
  if (!spec.strip_prefix.empty() && util::starts_with(field, spec.strip_prefix) &&
      field.size() > spec.strip_prefix.size())
    field.remove_prefix(spec.strip_prefix.size());
  std::string name;
  name.reserve(5 + spec.subsystem.size() + field.size() + 14);
  name += "zfs_";
  name += spec.subsystem;
  name += '_';
  for (char c : field) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    name += ok ? c : '_';
  }
  if (type.unit == Unit::bytes && !util::ends_with(name, "_bytes") &&
      name.find("_bytes_") == std::string::npos)
    name += "_bytes";
  if (type.unit == Unit::fraction) name += "_ratio";
  if (type.kind == Kind::gauge &&
      (util::ends_with(name, "_count") || util::ends_with(name, "_sum") ||
       util::ends_with(name, "_bucket")))
    name += "_value";
  if (type.kind == Kind::counter) name += "_total";
  return name;
}

}  // namespace pvex::zfs
