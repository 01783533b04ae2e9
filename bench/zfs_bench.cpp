// zfs_bench: one zfs-collector scrape (read + parse + render + write) of a generated kstat tree
// with 2 pools and 1,000 datasets; reports time and heap allocations per scrape.
#include <sys/resource.h>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <string>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "collectors/collector.hpp"
#include "metrics/text_format.hpp"
#include "zfs/kstats.hpp"

namespace pvex::collectors {
Result<void> collect_zfs(Scrape&, metrics::MetricSet&);
}

// Counting allocator: every operator new of this binary goes through here. GCC cannot see that
// the replaced new and delete pair up (malloc/free) and warns at inlined call sites.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<size_t> g_allocations{0};
}

void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) {
  return operator new(n);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t) noexcept {
  std::free(p);
}

namespace {

namespace fs = std::filesystem;

void write_named(const fs::path& path,
                 const std::vector<std::pair<std::string, std::string>>& rows) {
  std::ofstream out(path);
  out << fmt::format("1718 1 0x01 {} {} 31222145678 1209612402114477\n", rows.size(),
                     rows.size() * 272);
  out << "name                            type data\n";
  for (const auto& [name, value] : rows)
    out << fmt::format("{:<31} {:<4} {}\n", name, name == "dataset_name" ? 7 : 4, value);
}

/// <tmp>/spl/kstat/zfs with the 2.3 fixture's global files and 2 pools x 500 objset files.
class Tree {
 public:
  Tree() {
    // On tmpfs when there is one: like procfs, an in-memory file system (ext4 lookups in /tmp
    // would dominate the timings otherwise).
    char shm[] = "/dev/shm/pvex-zfs-bench-XXXXXX";
    char tmp[] = "/tmp/pvex-zfs-bench-XXXXXX";
    const char* dir = ::mkdtemp(shm);
    m_procfs = dir != nullptr ? dir : ::mkdtemp(tmp);
    const fs::path root = fs::path(m_procfs) / "spl/kstat/zfs";
    const fs::path fixture = fs::path(PVEX_SOURCE_DIR) / "tests/fixtures/kstat/2.3/spl/kstat/zfs";
    fs::create_directories(root);
    for (const fs::directory_entry& e : fs::directory_iterator(fixture))
      if (e.is_regular_file()) fs::copy_file(e.path(), root / e.path().filename());
    const char* objset_fields[] = {"writes",
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
    for (const char* pool : {"rpool", "tank"}) {
      const fs::path dir = root / pool;
      fs::create_directories(dir);
      for (const char* f : {"state", "guid", "iostats", "txgs", "dmu_tx_assign"})
        fs::copy_file(fixture / "rpool" / f, dir / f);
      for (int i = 0; i < 500; ++i) {
        std::vector<std::pair<std::string, std::string>> rows;
        rows.emplace_back("dataset_name", fmt::format("{}/data/vm-{}-disk-0", pool, 100 + i));
        for (size_t f = 0; f < std::size(objset_fields); ++f)
          rows.emplace_back(objset_fields[f], std::to_string((i + 1) * 1000003ull * (f + 1)));
        write_named(dir / fmt::format("objset-0x{:x}", 0x100 + i), rows);
      }
    }
  }
  ~Tree() { fs::remove_all(m_procfs); }
  const std::string& procfs() const { return m_procfs; }

 private:
  std::string m_procfs;
};

const Tree& tree() {
  static const Tree t;
  return t;
}

/// CPU time of the whole process (all threads: pools are read in parallel), in seconds.
double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/// One collect_zfs over the tree under `procfs`.
pvex::metrics::MetricSet collect_once(const pvex::config::Config& cfg, benchmark::State& state) {
  pvex::collectors::Scrape scrape(cfg, nullptr, pvex::pve::Clock::now() + std::chrono::seconds(10));
  pvex::metrics::MetricSet out;
  pvex::Result<void> r = pvex::collectors::collect_zfs(scrape, out);
  if (!r) state.SkipWithError(r.error().message.c_str());
  return out;
}

void BM_ZfsScrape(benchmark::State& state) {
  const double cpu0 = process_cpu_seconds();
  pvex::config::Config cfg;
  cfg.zfs.procfs = tree().procfs();
  size_t bytes = 0, series = 0, allocations = 0;
  for (auto _ : state) {
    const size_t before = g_allocations.load(std::memory_order_relaxed);
    pvex::metrics::MetricSet out = collect_once(cfg, state);
    std::string text;
    pvex::metrics::write(out, pvex::metrics::Format::prometheus_text, text);
    bytes = text.size();
    series = out.series_count();
    allocations = g_allocations.load(std::memory_order_relaxed) - before;
    benchmark::DoNotOptimize(text.data());
  }
  state.counters["series"] = static_cast<double>(series);
  state.counters["output_bytes"] = static_cast<double>(bytes);
  state.counters["allocs_per_scrape"] = static_cast<double>(allocations);
  state.counters["process_cpu_ms"] =
      (process_cpu_seconds() - cpu0) * 1e3 / static_cast<double>(state.iterations());
}
BENCHMARK(BM_ZfsScrape)->Unit(benchmark::kMillisecond);

void BM_ZfsReadOnly(benchmark::State& state) {
  const std::string root = tree().procfs() + "/spl/kstat/zfs";
  const double cpu0 = process_cpu_seconds();
  size_t allocations = 0;
  for (auto _ : state) {
    const size_t before = g_allocations.load(std::memory_order_relaxed);
    pvex::Result<pvex::zfs::KstatSnapshot> snap = pvex::zfs::read_kstats(root);
    allocations = g_allocations.load(std::memory_order_relaxed) - before;
    benchmark::DoNotOptimize(snap);
  }
  state.counters["allocs_per_read"] = static_cast<double>(allocations);
  state.counters["process_cpu_ms"] =
      (process_cpu_seconds() - cpu0) * 1e3 / static_cast<double>(state.iterations());
}
BENCHMARK(BM_ZfsReadOnly)->Unit(benchmark::kMillisecond);

/// collect_zfs over the small 2.3 fixture tree: the fixed cost of a scrape (global files, building
/// each field's family) without the 1,000 datasets.
void BM_ZfsCollectFixture(benchmark::State& state) {
  pvex::config::Config cfg;
  cfg.zfs.procfs = std::string(PVEX_SOURCE_DIR) + "/tests/fixtures/kstat/2.3";
  size_t allocations = 0;
  for (auto _ : state) {
    const size_t before = g_allocations.load(std::memory_order_relaxed);
    pvex::metrics::MetricSet out = collect_once(cfg, state);
    allocations = g_allocations.load(std::memory_order_relaxed) - before;
    benchmark::DoNotOptimize(out);
  }
  state.counters["allocs_per_collect"] = static_cast<double>(allocations);
}
BENCHMARK(BM_ZfsCollectFixture)->Unit(benchmark::kMillisecond);

void BM_ZfsWriteOnly(benchmark::State& state) {
  pvex::config::Config cfg;
  cfg.zfs.procfs = tree().procfs();
  pvex::collectors::Scrape scrape(cfg, nullptr, pvex::pve::Clock::now() + std::chrono::seconds(10));
  pvex::metrics::MetricSet out;
  if (!pvex::collectors::collect_zfs(scrape, out)) state.SkipWithError("collect failed");
  for (auto _ : state) {
    std::string text;
    pvex::metrics::write(out, pvex::metrics::Format::prometheus_text, text);
    benchmark::DoNotOptimize(text.data());
  }
}
BENCHMARK(BM_ZfsWriteOnly)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
