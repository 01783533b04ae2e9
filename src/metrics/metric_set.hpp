// MetricSet: the samples one collector produced, grouped by family, in insertion order.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "metrics/family.hpp"

namespace pvex::metrics {

/// A histogram or summary observation set. For a histogram `points` are (upper bound,
/// cumulative count) with ascending bounds, +Inf implied by `count`; for a summary they are
/// (quantile, value).
struct Distribution {
  std::vector<std::pair<double, double>> points;
  double sum = 0;
  double count = 0;

  bool operator==(const Distribution&) const = default;
};

/// Label values, stored once. Values are copied into an arena of characters; each sample's
/// label tuple is a run of views. A sample whose labels equal the previous sample's (across
/// families: a guest's labels for its sixty series) shares that run, and a value equal to the one
/// at the same position in the previous run shares its characters, so a series costs one 4-byte
/// reference instead of a string per label. Views live in fixed blocks that never move (a tuple
/// never straddles two), so the store grows without copying what it holds.
class LabelStore {
 public:
  LabelStore() = default;
  LabelStore(const LabelStore&) = delete;
  LabelStore& operator=(const LabelStore&) = delete;
  ~LabelStore();

  /// Stores a tuple (or finds it equal to the previous one) and returns its first index.
  template <class Range>
  uint32_t push(const Range& labels);

  std::span<const std::string_view> tuple(uint32_t first, size_t n) const {
    if (n == 0) return {};
    return {m_blocks[first >> k_block_bits].views + (first & (k_block - 1)), n};
  }

  /// Whether the value at `index` holds a character the exposition must escape (\\, ", newline);
  /// decided once when the value is stored, so the writer does not scan every value it writes.
  bool needs_escape(uint32_t index) const {
    return m_blocks[index >> k_block_bits].escape[index & (k_block - 1)] != 0;
  }

 private:
  static constexpr uint32_t k_block_bits = 14;  // 16,384 views (256 KiB) per block
  static constexpr uint32_t k_block = 1u << k_block_bits;
  struct Block {
    std::string_view* views;  // k_block slots, constructed as they are used
    uint8_t* escape;          // k_block flags
  };

  std::string_view copy(std::string_view s);
  void append(std::string_view v, uint8_t escape);

  std::vector<Block> m_blocks;
  uint32_t m_size = 0;                            // next free index
  std::vector<std::unique_ptr<char[]>> m_chunks;  // owners of the characters the views see
  char* m_free = nullptr;                         // unused tail of the newest chunk
  size_t m_free_size = 0;
  size_t m_next_chunk = 4096;
  uint32_t m_last = 0;  // the previous tuple
  size_t m_last_n = 0;
};

/// Whether a label value holds a character the exposition escapes (\\, ", newline).
bool label_needs_escape(std::string_view value);

/// The first label values of many series, rendered once (a guest's node, type, vmid and name
/// for its sixty series): the writer copies the text instead of assembling it per series.
class LabelPrefix {
 public:
  LabelPrefix() = default;
  /// `names` and `values` pair up; values are escaped here, once.
  LabelPrefix(std::span<const std::string> names, std::span<const std::string_view> values);

  /// Appends the text such a prefix has to `out`: many prefixes rendered into one buffer, in
  /// the order they are written, are read one after the other (see in()).
  static void render(std::span<const std::string> names, std::span<const std::string_view> values,
                     std::string& out);
  /// A prefix of `size` labels whose text (from render()) lives in a buffer its owner keeps
  /// alive and unchanged while the prefix is used.
  static LabelPrefix in(std::string_view text, size_t size);

  /// `n1="v1",n2="v2"`, escaped; empty without labels.
  std::string_view text() const { return m_external ? m_view : std::string_view(m_text); }
  size_t size() const { return m_size; }

  /// The names and unescaped values again (for materialising generated samples; not fast).
  std::vector<std::pair<std::string, std::string>> labels() const;

 private:
  std::string m_text;
  std::string_view m_view;  // the text, when it lives elsewhere
  bool m_external = false;
  size_t m_size = 0;
};

/// Receives the samples a generator produces. The labels of a sample are `prefix` followed by
/// `extra`, in the family's label order.
class SampleSink {
 public:
  virtual void sample(const LabelPrefix& prefix, std::span<const std::string_view> extra,
                      double value) = 0;
  /// sample() for extra values the caller knows hold no character the exposition escapes
  /// (label_needs_escape() false, checked once where they were made): the text writer then
  /// copies them without looking (most of a big scrape's samples have such extras).
  virtual void sample_plain(const LabelPrefix& prefix, std::span<const std::string_view> extra,
                            double value) {
    sample(prefix, extra, value);
  }
  void operator()(const LabelPrefix& prefix, double value) { sample(prefix, {}, value); }
  void operator()(const LabelPrefix& prefix, std::initializer_list<std::string_view> extra,
                  double value) {
    sample(prefix, std::span<const std::string_view>(extra.begin(), extra.size()), value);
  }
  void plain(const LabelPrefix& prefix, std::initializer_list<std::string_view> extra,
             double value) {
    sample_plain(prefix, std::span<const std::string_view>(extra.begin(), extra.size()), value);
  }

 protected:
  ~SampleSink() = default;
};

/// Samples produced when the set is written instead of stored: `emit(row, sink)` for each row
/// in [0, rows) sends row `row`'s samples (any number) to `sink`. The function keeps alive
/// whatever it reads (a collector's model), so a big family costs its model, not its series.
struct Generator {
  size_t rows = 0;
  std::function<void(size_t row, SampleSink& sink)> emit;
};

/// The samples of one family. Sample i's label values are `labels_of(i)`, in the order of
/// `family.labels`; views stay valid as long as the owning set (or the set it was merged into).
/// Generated samples (`generated`) follow the stored ones; MetricSet::find() and problems()
/// store them first, the writer never does.
struct FamilySamples {
  Family family;
  const Family* origin = nullptr;           // the Family object first added: skips re-comparing it
  std::vector<uint32_t> label_refs;         // per sample: its tuple in `store`
  std::vector<double> values;               // counter and gauge families
  std::vector<Distribution> distributions;  // histogram and summary families
  std::vector<Generator> generated;         // counter and gauge families
  LabelStore* store = nullptr;              // owned by the set holding the family

  /// Stored samples (generated ones not counted).
  size_t size() const;
  std::span<const std::string_view> labels_of(size_t i) const {
    return store->tuple(label_refs[i], family.labels.size());
  }
  /// Runs the generators and stores their samples (labels checked against the family's).
  void materialize(std::vector<std::string>& problems);
};

/// What a collector fills. Not thread-safe: each collector owns its own set; the scrape
/// runner merges them. Mistakes (wrong label count, a family re-defined differently, a value
/// added to a histogram) are programmer errors: the sample is dropped and the mistake is
/// recorded in problems(), which tests assert empty.
class MetricSet {
 public:
  MetricSet() = default;
  MetricSet(MetricSet&& other) noexcept;
  MetricSet& operator=(MetricSet&& other) noexcept;
  ~MetricSet();
  MetricSet(const MetricSet&) = delete;
  MetricSet& operator=(const MetricSet&) = delete;

  /// Adds one counter or gauge sample.
  void add(const Family& family, double value, std::initializer_list<std::string_view> labels);
  void add(const Family& family, double value, std::span<const std::string> labels);
  void add(const Family& family, double value, std::span<const std::string_view> labels);

  /// Adds one histogram or summary sample.
  void add_distribution(const Family& family, Distribution dist,
                        std::initializer_list<std::string_view> labels);

  /// An enumeration: one series per state in `states`, labelled with the lower-cased state
  /// after `labels`, valued 1 for `current` and 0 for the others. A non-empty `current` that is
  /// not among `states` gets one more series with value 1, so an unknown state is never lost.
  void add_state_set(const Family& family, std::span<const std::string_view> states,
                     std::string_view current, std::initializer_list<std::string_view> labels);

  /// Adds samples that are produced when the set is written (see Generator); a counter or
  /// gauge family. Within a family, generated samples follow the ones added with add().
  void add_generated(const Family& family, Generator generator);

  /// Declares a family without samples; it is written only if it gets samples.
  void declare(const Family& family);

  /// Moves every family and sample of `other` into this set, after its own.
  void merge(MetricSet&& other);

  const std::vector<std::unique_ptr<FamilySamples>>& families() const { return m_families; }
  /// The family called `name`, its generated samples stored first (a set's families stay
  /// logically unchanged: it is how tests and checks read them, not how the writer does).
  const FamilySamples* find(std::string_view name) const;

  /// Total number of series, generated ones included (histograms and summaries count once).
  size_t series_count() const;

  /// Recorded programmer errors, plus duplicate series found by scanning the whole set
  /// (generated samples stored first).
  std::vector<std::string> problems() const;

 private:
  FamilySamples* slot(const Family& family);
  void clear_after_move();
  template <class Range>
  void add_impl(const Family& family, double value, const Range& labels);

  // Label stores: [0] is this set's own; merged sets' stores follow, still used by the families
  // that came with them (merging moves families without copying their labels).
  std::vector<std::unique_ptr<LabelStore>> m_stores;
  std::vector<std::unique_ptr<FamilySamples>> m_families;
  std::unordered_map<std::string_view, size_t> m_index;
  // Recently used families by the address of the Family added (collectors add from the same
  // constants over and over): most adds skip hashing the name.
  struct Recent {
    const Family* family = nullptr;
    FamilySamples* samples = nullptr;
  };
  std::array<Recent, 64> m_recent{};
  mutable std::vector<std::string> m_problems;
};

}  // namespace pvex::metrics
