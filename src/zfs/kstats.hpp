// The ZFS kstat model: what <procfs>/spl/kstat/zfs holds at one moment, read from an allow-list.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kstat/kstat.hpp"
#include "util/result.hpp"

namespace pvex::zfs {

/// A named kstat file and its parsed table.
struct NamedFile {
  std::string file;  // `arcstats`, `ddt_stats_sha256`
  kstat::NamedTable table;
};

/// One `objset-0x<id>` file: a mounted filesystem or a zvol.
struct Objset {
  std::string id;       // `0x36`
  std::string dataset;  // from the `dataset_name` row
  kstat::NamedTable table;
};

/// Everything read from one pool directory. Absent files stay empty/nullopt.
struct PoolKstats {
  std::string name;
  std::optional<std::string> state;  // `ONLINE`, ... as the file says
  std::optional<std::string> guid;   // decimal, 2.2+
  std::optional<kstat::NamedTable> iostats;
  std::optional<kstat::NamedTable> io;  // 0.8/2.0 only
  std::optional<kstat::NamedTable> dmu_tx_assign;
  std::optional<kstat::ListTable> txgs;
  std::vector<NamedFile> ddt;   // ddt_stats_<checksum>, 2.3+
  std::vector<Objset> objsets;  // sorted by dataset name
};

struct KstatSnapshot {
  std::vector<NamedFile> globals;  // in global_files() order
  std::vector<PoolKstats> pools;   // sorted by pool name
  /// Files that could not be parsed (`<path>: <reason>`); they are skipped, the rest is kept.
  std::vector<std::string> problems;
};

/// The file names a reader may open in the root (global) and in pool directories.
const kstat::AllowList& global_allow_list();
const kstat::AllowList& pool_allow_list();

/// Reads the tree under `root` (`<procfs>/spl/kstat/zfs`). Fails with not_found when `root`
/// does not exist (no ZFS module loaded). Files vanishing between listing and reading are
/// skipped silently; malformed or unreadable files are skipped and listed in `problems`; a pool
/// directory that vanished is listed without data. Only allow-listed files are opened (never
/// dbgmsg, dbufs, reads, multihost or the benchmark tables). Files are opened relative to their
/// open directory through one reused buffer, and all named tables share one TextStore.
Result<KstatSnapshot> read_kstats(const std::string& root);

}  // namespace pvex::zfs
