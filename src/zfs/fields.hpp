// ZFS kstat field typing: which named-kstat fields are counters or gauges, and their units.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace pvex::zfs {

enum class Kind { counter, gauge };

enum class Unit {
  none,      // a count or a plain number
  bytes,     // bytes (a `_bytes` suffix is added unless the name already has one)
  fraction,  // fraction × 2^32 (arcstats meta/pd/pm): exported divided by 2^32 as `_ratio`
};

struct FieldType {
  Kind kind = Kind::gauge;
  Unit unit = Unit::none;
  bool known = false;  // false: the fallback rule decided

  bool operator==(const FieldType&) const = default;
};

/// How the fields of one named kstat file are typed and named, by field name: `counters` and
/// `gauges` are the documented fields (zfs-kstat.md section 2); `byte_fields` are bytes although
/// their name does not end in `_bytes`/`_size`/`_asize`; anything else takes the fallback rule.
struct FileSpec {
  std::string_view file;          // kstat file name (`arcstats`); a prefix for `ddt_stats_`
  std::string_view subsystem;     // metric name part (`arc`)
  std::string_view strip_prefix;  // removed from field names (`dmu_tx_` in dmu_tx)
  Kind fallback_kind;             // for fields in neither list
  std::span<const std::string_view> counters;
  std::span<const std::string_view> gauges;
  std::span<const std::string_view> byte_fields;
  std::span<const std::string_view> fraction_fields;
  std::span<const std::string_view> gauge_suffixes;  // fallback: names ending so are gauges
};

/// The global files the collector reads (allow-listed), in output order.
std::span<const FileSpec> global_files();
/// Specs of per-pool named files: `iostats`, `ddt_stats_*`, `objset-0x*`.
const FileSpec& iostats_spec();
const FileSpec& ddt_spec();
const FileSpec& objset_spec();

/// Types a field: the tables first; for a field not in them, the fallback rule: the file's
/// fallback kind (counter for files documented as all-counters, gauge for mixed files; a name
/// ending in one of `gauge_suffixes` is a gauge), bytes when the name ends in `_bytes`, `_size`
/// or `_asize`.
FieldType classify(const FileSpec& spec, std::string_view field);

/// The metric name of a field: `zfs_<subsystem>_<field without strip_prefix>` with characters
/// outside [a-zA-Z0-9_] replaced by `_`, `_bytes` appended for bytes whose name lacks it,
/// `_ratio` for fractions, `_total` for counters.
std::string metric_name(const FileSpec& spec, std::string_view field, const FieldType& type);

}  // namespace pvex::zfs
