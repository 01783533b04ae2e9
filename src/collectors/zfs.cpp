// collectors/zfs.cpp: ZFS kernel statistics from <procfs>/spl/kstat/zfs (global, pool, dataset).
#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <memory_resource>
#include <span>
#include <unordered_map>
#include <unordered_set>

#include "collectors/collector.hpp"
#include "util/strings.hpp"
#include "zfs/fields.hpp"
#include "zfs/filter.hpp"
#include "zfs/kstats.hpp"

namespace pvex::collectors {
namespace {

// Per-field families (`zfs_arc_hits_total`, `zfs_pool_trim_bytes_written_total`,
// `zfs_dataset_nread_bytes_total`, ...) are built from the field tables in zfs/fields.cpp; the
// families below have a fixed shape.
const metrics::Family k_pool_state{
    "zfs_pool_state",
    "Pool state from the kstat state file: 1 for the current state, 0 for the others.",
    metrics::Type::gauge,
    {"pool", "state"}};
const metrics::Family k_pool_info{"zfs_pool_info",
                                  "Pool GUID (kstat guid file, OpenZFS 2.2+).",
                                  metrics::Type::gauge,
                                  {"pool", "guid"}};
const metrics::Family k_txg_duration{
    "zfs_pool_txg_duration_seconds",
    "Time the committed transaction groups listed in the pool's txgs file spent per phase "
    "(open, quiesce, wait, sync); count and sum cover that window only, not a counter.",
    metrics::Type::summary,
    {"pool", "phase"}};
const metrics::Family k_txg_last_synced{"zfs_pool_txg_last_synced",
                                        "Number of the last committed (synced) transaction group.",
                                        metrics::Type::gauge,
                                        {"pool"}};
const metrics::Family k_dmu_tx_assign{
    "zfs_pool_dmu_tx_assign_seconds",
    "Time transactions waited to be assigned to a txg (kstat dmu_tx_assign); the sum is an "
    "estimate (3/4 of each bucket's bound).",
    metrics::Type::histogram,
    {"pool"}};

// The per-pool io kstat (OpenZFS 0.8 and 2.0 only).
struct IoColumn {
  std::string_view column;
  metrics::Family family;
  double divisor;
};
const IoColumn k_io_columns[] = {
    {"nread",
     {"zfs_pool_io_read_bytes_total",
      "Bytes read (kstat io nread).",
      metrics::Type::counter,
      {"pool"}},
     1},
    {"nwritten",
     {"zfs_pool_io_written_bytes_total",
      "Bytes written (kstat io nwritten).",
      metrics::Type::counter,
      {"pool"}},
     1},
    {"reads",
     {"zfs_pool_io_reads_total",
      "Read operations (kstat io reads).",
      metrics::Type::counter,
      {"pool"}},
     1},
    {"writes",
     {"zfs_pool_io_writes_total",
      "Write operations (kstat io writes).",
      metrics::Type::counter,
      {"pool"}},
     1},
    {"wtime",
     {"zfs_pool_io_wait_seconds_total",
      "Time with requests waiting (kstat io wtime).",
      metrics::Type::counter,
      {"pool"}},
     1e9},
    {"wlentime",
     {"zfs_pool_io_wait_queue_seconds_total",
      "Wait queue length times time (kstat io wlentime).",
      metrics::Type::counter,
      {"pool"}},
     1e9},
    {"rtime",
     {"zfs_pool_io_run_seconds_total",
      "Time with requests running (kstat io rtime).",
      metrics::Type::counter,
      {"pool"}},
     1e9},
    {"rlentime",
     {"zfs_pool_io_run_queue_seconds_total",
      "Run queue length times time (kstat io rlentime).",
      metrics::Type::counter,
      {"pool"}},
     1e9},
    {"wcnt",
     {"zfs_pool_io_waiting",
      "Requests waiting now (kstat io wcnt).",
      metrics::Type::gauge,
      {"pool"}},
     1},
    {"rcnt",
     {"zfs_pool_io_running",
      "Requests running now (kstat io rcnt).",
      metrics::Type::gauge,
      {"pool"}},
     1},
};

constexpr std::string_view k_states[] = {"ONLINE",        "DEGRADED", "FAULTED",   "OFFLINE",
                                         "REMOVED",       "UNAVAIL",  "SUSPENDED", "SPLIT",
                                         "TRANSITIONING", "UNKNOWN"};
constexpr std::string_view k_txg_phases[][2] = {
    {"otime", "open"}, {"qtime", "quiesce"}, {"wtime", "wait"}, {"stime", "sync"}};
constexpr double k_quantiles[] = {0.5, 0.9, 0.99, 1};
constexpr int k_dmu_tx_assign_max_log2 = 41;  // 2^41 ns, the largest bucket OpenZFS prints

/// A field's family and conversion, built once per file kind and field name per scrape.
struct FieldMetric {
  metrics::Family family;
  double divisor = 1;
  bool duplicate = false;  // another field of the file kind already maps to this name
};

/// Builds and caches the family of each field of one file kind, for one render. Field names are
/// views into the snapshot being rendered, which outlives the cache; so are the keys. The
/// containers' nodes come from `arena`, which outlives the cache too (one per render).
class FieldFamilies {
 public:
  FieldFamilies(const zfs::FileSpec& spec, std::vector<std::string> labels,
                std::pmr::memory_resource* arena)
      : m_spec(spec),
        m_labels(std::move(labels)),
        m_cache(arena),
        m_by_row(arena),
        m_names(arena) {}

  /// The metric of the field in row `row` of a table; rows usually come in the same order in
  /// every file of a kind (objset files), so the last answer per position is tried first.
  const FieldMetric& get(size_t row, std::string_view field) {
    if (row < m_by_row.size() && m_by_row[row] != nullptr && m_by_row[row]->first == field)
      return m_by_row[row]->second;
    auto it = m_cache.find(field);
    if (it == m_cache.end()) {
      it = m_cache.emplace(field, make(field)).first;
      // The name as stored in the node: the set keeps a view of it.
      it->second.duplicate = !m_names.insert(it->second.family.name).second;
    }
    if (row >= m_by_row.size()) m_by_row.resize(row + 1, nullptr);
    m_by_row[row] = &*it;
    return it->second;
  }

 private:
  FieldMetric make(std::string_view field) const {
    const zfs::FieldType type = zfs::classify(m_spec, field);
    constexpr std::string_view fraction = ", a fraction of 2^32 exported as a ratio";
    constexpr std::string_view fallback = " (not in the field tables: typed by the fallback rule)";
    std::string help;
    help.reserve(20 + m_spec.file.size() + field.size() + fraction.size() + fallback.size());
    help += "kstat ";
    help += m_spec.file;
    help += " field ";
    help += field;
    if (type.unit == zfs::Unit::fraction) help += fraction;
    if (!type.known) help += fallback;
    help += '.';
    return FieldMetric{metrics::Family(zfs::metric_name(m_spec, field, type), std::move(help),
                                       type.kind == zfs::Kind::counter ? metrics::Type::counter
                                                                       : metrics::Type::gauge,
                                       m_labels),
                       type.unit == zfs::Unit::fraction ? 4294967296.0 : 1.0};
  }

  const zfs::FileSpec& m_spec;
  std::vector<std::string> m_labels;
  using Cache = std::pmr::unordered_map<std::string_view, FieldMetric>;
  Cache m_cache;
  std::pmr::vector<const Cache::value_type*> m_by_row;
  std::pmr::unordered_set<std::string_view> m_names;  // views of the family names in m_cache
};

/// Adds every numeric row of `table`; `labels` are the values of the families' labels.
void render_table(const kstat::NamedTable& table, FieldFamilies& families,
                  std::span<const std::string_view> labels, metrics::MetricSet& out) {
  for (size_t i = 0; i < table.rows.size(); ++i) {
    const kstat::NamedRow& row = table.rows[i];
    if (!row.is_numeric()) continue;
    const FieldMetric& m = families.get(i, row.name);
    if (m.duplicate) continue;  // two fields mapping to one name: the first one seen wins
    out.add(m.family, row.as_double() / m.divisor, labels);
  }
}

void render_state(const zfs::PoolKstats& pool, metrics::MetricSet& out) {
  if (!pool.state) return;
  bool known = false;
  for (std::string_view s : k_states) {
    known = known || s == *pool.state;
    out.add(k_pool_state, s == *pool.state ? 1 : 0, {pool.name, util::to_lower(s)});
  }
  if (!known) out.add(k_pool_state, 1, {pool.name, util::to_lower(*pool.state)});
}

void render_txgs(const zfs::PoolKstats& pool, metrics::MetricSet& out) {
  if (!pool.txgs) return;
  const kstat::ListTable& t = *pool.txgs;
  const std::optional<size_t> txg_col = t.column("txg"), state_col = t.column("state");
  if (!txg_col || !state_col) return;
  std::optional<uint64_t> last;
  std::vector<const std::vector<std::string>*> committed;
  for (const std::vector<std::string>& row : t.rows) {
    if (row[*state_col] != "C") continue;
    std::optional<uint64_t> txg = util::parse_uint(row[*txg_col]);
    if (!txg) continue;
    committed.push_back(&row);
    if (!last || *txg > *last) last = txg;
  }
  if (last) out.add(k_txg_last_synced, static_cast<double>(*last), {pool.name});
  for (const auto& phase : k_txg_phases) {
    const std::optional<size_t> col = t.column(phase[0]);
    if (!col || committed.empty()) continue;
    std::vector<double> v;
    for (const std::vector<std::string>* row : committed)
      if (std::optional<uint64_t> ns = util::parse_uint((*row)[*col]))
        v.push_back(static_cast<double>(*ns) / 1e9);
    if (v.empty()) continue;
    std::sort(v.begin(), v.end());
    metrics::Distribution d;
    for (double q : k_quantiles) {
      const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
      d.points.emplace_back(q, v[rank == 0 ? 0 : rank - 1]);
    }
    for (double x : v) d.sum += x;
    d.count = static_cast<double>(v.size());
    out.add_distribution(k_txg_duration, std::move(d), {pool.name, phase[1]});
  }
}

void render_dmu_tx_assign(const zfs::PoolKstats& pool, metrics::MetricSet& out) {
  if (!pool.dmu_tx_assign) return;
  std::map<int, double> per_bucket;  // log2(bound ns) -> count in that bucket
  for (const kstat::NamedRow& row : pool.dmu_tx_assign->rows) {
    if (!row.is_numeric() || !util::ends_with(row.name, " ns")) continue;
    std::optional<uint64_t> bound = util::parse_uint(row.name.substr(0, row.name.size() - 3));
    if (!bound || *bound == 0 || (*bound & (*bound - 1)) != 0) continue;  // powers of two only
    per_bucket[std::countr_zero(*bound)] += row.as_double();
  }
  if (per_bucket.empty()) return;
  const int top = std::max(k_dmu_tx_assign_max_log2, per_bucket.rbegin()->first);
  metrics::Distribution d;
  double cumulative = 0;
  for (int i = 0; i <= top; ++i) {
    const double bound_s = std::ldexp(1.0, i) / 1e9;
    auto it = per_bucket.find(i);
    if (it != per_bucket.end()) {
      cumulative += it->second;
      d.sum += it->second * bound_s * 0.75;
    }
    d.points.emplace_back(bound_s, cumulative);
  }
  d.count = cumulative;
  out.add_distribution(k_dmu_tx_assign, std::move(d), {pool.name});
}

void render(const zfs::KstatSnapshot& snap, const zfs::DatasetFilter& filter,
            metrics::MetricSet& out) {
  // The field caches' nodes: a few blocks per render instead of two allocations per field.
  std::pmr::monotonic_buffer_resource arena(64 * 1024);
  // One cache per global file kind, alive for the whole render like the others: the metric
  // set may remember a family by its address.
  const std::span<const zfs::FileSpec> specs = zfs::global_files();
  std::vector<FieldFamilies> globals;
  globals.reserve(specs.size());
  for (const zfs::FileSpec& spec : specs)
    globals.emplace_back(spec, std::vector<std::string>{}, &arena);
  for (const zfs::NamedFile& f : snap.globals)
    for (size_t i = 0; i < specs.size(); ++i)
      if (specs[i].file == f.file) render_table(f.table, globals[i], {}, out);
  FieldFamilies iostats(zfs::iostats_spec(), {"pool"}, &arena);
  FieldFamilies ddt(zfs::ddt_spec(), {"pool", "checksum"}, &arena);
  FieldFamilies objset(zfs::objset_spec(), {"pool", "dataset"}, &arena);
  for (const zfs::PoolKstats& pool : snap.pools) {
    const std::string_view pool_label[] = {pool.name};
    render_state(pool, out);
    if (pool.guid) out.add(k_pool_info, 1, {pool.name, *pool.guid});
    if (pool.iostats) render_table(*pool.iostats, iostats, pool_label, out);
    if (pool.io)
      for (const IoColumn& c : k_io_columns)
        if (const kstat::NamedRow* row = pool.io->find(c.column))
          out.add(c.family, row->as_double() / c.divisor, {pool.name});
    render_txgs(pool, out);
    render_dmu_tx_assign(pool, out);
    for (const zfs::NamedFile& f : pool.ddt) {
      const std::string_view labels[] = {pool.name, std::string_view(f.file).substr(10)};
      render_table(f.table, ddt, labels, out);
    }
    const std::string* previous = nullptr;
    for (const zfs::Objset& o : pool.objsets) {
      if ((previous != nullptr && *previous == o.dataset) || !filter.allows(o.dataset)) continue;
      previous = &o.dataset;
      const std::string_view labels[] = {pool.name, o.dataset};
      render_table(o.table, objset, labels, out);
    }
  }
}

}  // namespace

Result<void> collect_zfs(Scrape& scrape, metrics::MetricSet& out) {
  const config::ZfsConfig& cfg = scrape.config().zfs;
  Result<zfs::DatasetFilter> filter =
      zfs::DatasetFilter::make(cfg.dataset_include, cfg.dataset_exclude);
  if (!filter) return fail(filter.error());
  Result<zfs::KstatSnapshot> snap = zfs::read_kstats(cfg.procfs + "/spl/kstat/zfs");
  if (!snap) {
    if (snap.error().kind == ErrorKind::not_found) return {};  // no ZFS here: nothing to say
    return fail(snap.error());
  }
  render(*snap, *filter, out);
  if (!snap->problems.empty()) {
    std::string msg = "skipped " + std::to_string(snap->problems.size()) + " file(s): ";
    for (size_t i = 0; i < snap->problems.size(); ++i) msg += (i ? "; " : "") + snap->problems[i];
    return fail(ErrorKind::parse, msg);
  }
  return {};
}

}  // namespace pvex::collectors
