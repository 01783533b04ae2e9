// MetricSet: grouping samples by family, checking label counts, merging, duplicate detection.
#include "metrics/metric_set.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <set>

#include <fmt/format.h>

#include "util/strings.hpp"

namespace pvex::metrics {

std::string_view to_string(Type type) {
  switch (type) {
    case Type::counter:
      return "counter";
    case Type::gauge:
      return "gauge";
    case Type::histogram:
      return "histogram";
    case Type::summary:
      return "summary";
  }
  return "untyped";
}

size_t FamilySamples::size() const {
  const bool dist = family.type == Type::histogram || family.type == Type::summary;
  return dist ? distributions.size() : values.size();
}

namespace {

/// Stores what generators emit into their family (labels checked against its names).
class StoringSink final : public SampleSink {
 public:
  StoringSink(FamilySamples& fs, std::vector<std::string>& problems)
      : m_fs(fs), m_problems(problems) {}

  void sample(const LabelPrefix& prefix, std::span<const std::string_view> extra,
              double value) override {
    const std::vector<std::string>& names = m_fs.family.labels;
    if (prefix.size() + extra.size() != names.size()) {
      m_problems.push_back(fmt::format("{}: {} label values for {} label names", m_fs.family.name,
                                       prefix.size() + extra.size(), names.size()));
      return;
    }
    const std::vector<std::pair<std::string, std::string>> head = prefix.labels();
    std::vector<std::string_view> values;
    for (size_t i = 0; i < head.size(); ++i) {
      if (i >= names.size() || head[i].first != names[i]) {
        m_problems.push_back(fmt::format(
            "{}: generated label prefix names {} where the family has {}", m_fs.family.name,
            head[i].first, i < names.size() ? names[i] : std::string("none")));
        return;
      }
      values.push_back(head[i].second);
    }
    values.insert(values.end(), extra.begin(), extra.end());
    m_fs.label_refs.push_back(m_fs.store->push(values));
    m_fs.values.push_back(value);
  }

 private:
  FamilySamples& m_fs;
  std::vector<std::string>& m_problems;
};

class CountingSink final : public SampleSink {
 public:
  void sample(const LabelPrefix&, std::span<const std::string_view>, double) override { ++count; }
  size_t count = 0;
};

}  // namespace

void FamilySamples::materialize(std::vector<std::string>& problems) {
  if (generated.empty()) return;
  StoringSink sink(*this, problems);
  for (const Generator& g : generated)
    for (size_t row = 0; row < g.rows; ++row) g.emit(row, sink);
  generated.clear();
}

std::string_view LabelStore::copy(std::string_view s) {
  if (s.empty()) return {};
  if (s.size() > m_free_size) {
    // Chunks grow with the set (4 KiB to 256 KiB); a value larger than that gets its own.
    const size_t size = std::max(s.size(), m_next_chunk);
    m_next_chunk = std::min<size_t>(m_next_chunk * 2, 256 * 1024);
    m_chunks.push_back(std::make_unique_for_overwrite<char[]>(size));
    m_free = m_chunks.back().get();
    m_free_size = size;
  }
  std::memcpy(m_free, s.data(), s.size());
  const std::string_view stored(m_free, s.size());
  m_free += s.size();
  m_free_size -= s.size();
  return stored;
}

LabelStore::~LabelStore() {
  for (Block& b : m_blocks) {
    ::operator delete(b.views);
    delete[] b.escape;
  }
}

void LabelStore::append(std::string_view v, uint8_t escape) {
  const uint32_t block = m_size >> k_block_bits;
  if (block == m_blocks.size()) {
    Block b{static_cast<std::string_view*>(::operator new(k_block * sizeof(std::string_view))),
            nullptr};
    b.escape = new uint8_t[k_block];
    m_blocks.push_back(b);
  }
  const uint32_t slot = m_size & (k_block - 1);
  new (m_blocks[block].views + slot) std::string_view(v);
  m_blocks[block].escape[slot] = escape;
  ++m_size;
}

template <class Range>
uint32_t LabelStore::push(const Range& labels) {
  const size_t n = std::size(labels);
  if (n == 0) return 0;
  const std::span<const std::string_view> last = tuple(m_last, m_last_n);
  if (n == m_last_n) {
    size_t i = 0;
    for (const auto& l : labels) {
      if (last[i] != std::string_view(l)) break;
      ++i;
    }
    if (i == n) return m_last;
  }
  // A tuple stays inside one block: skip the rest of this one if it does not fit.
  if ((m_size & (k_block - 1)) + n > k_block) m_size = (m_size | (k_block - 1)) + 1;
  const uint32_t first = m_size;
  const uint32_t last_first = m_last;
  size_t i = 0;
  for (const auto& l : labels) {
    const std::string_view v(l);
    if (i < m_last_n && last[i] == v) {
      // Equal to the value at this position in the previous tuple: share its characters.
      append(last[i], needs_escape(last_first + static_cast<uint32_t>(i)) ? 1 : 0);
    } else {
      append(copy(v), label_needs_escape(v) ? 1 : 0);
    }
    ++i;
  }
  m_last = first;
  m_last_n = n;
  return first;
}

MetricSet::MetricSet(MetricSet&& other) noexcept
    : m_stores(std::move(other.m_stores)),
      m_families(std::move(other.m_families)),
      m_index(std::move(other.m_index)),
      m_recent(other.m_recent),
      m_problems(std::move(other.m_problems)) {
  other.clear_after_move();
}

MetricSet& MetricSet::operator=(MetricSet&& other) noexcept {
  if (this != &other) {
    m_stores = std::move(other.m_stores);
    m_families = std::move(other.m_families);
    m_index = std::move(other.m_index);
    m_recent = other.m_recent;
    m_problems = std::move(other.m_problems);
    other.clear_after_move();
  }
  return *this;
}

// A moved-from set is empty and usable again; above all its cache must not point into the
// families it gave away.
void MetricSet::clear_after_move() {
  m_families.clear();
  m_index.clear();
  m_recent.fill({});
  m_problems.clear();
}

MetricSet::~MetricSet() = default;

FamilySamples* MetricSet::slot(const Family& family) {
  if (m_stores.empty()) m_stores.push_back(std::make_unique<LabelStore>());  // new or moved-from
  Recent& recent = m_recent[(reinterpret_cast<uintptr_t>(&family) >> 4) % m_recent.size()];
  // The name check guards against a Family destroyed and another created at the same address.
  if (recent.family == &family && recent.samples->family.name == family.name) return recent.samples;
  auto it = m_index.find(family.name);
  if (it != m_index.end()) {
    FamilySamples* fs = m_families[it->second].get();
    // Collectors add from the same constant many times: compare the whole Family only when the
    // object differs from the one first seen.
    if (fs->origin != &family && !(fs->family == family)) {
      m_problems.push_back(
          fmt::format("family {} defined twice with different help, type or labels", family.name));
      return nullptr;
    }
    recent = {&family, fs};
    return fs;
  }
  auto fs = std::make_unique<FamilySamples>();
  fs->family = family;
  fs->origin = &family;
  fs->store = m_stores.front().get();
  FamilySamples* raw = fs.get();
  m_families.push_back(std::move(fs));
  m_index.emplace(raw->family.name, m_families.size() - 1);
  recent = {&family, raw};
  return raw;
}

void MetricSet::add_generated(const Family& family, Generator generator) {
  if (family.type == Type::histogram || family.type == Type::summary) {
    m_problems.push_back(
        fmt::format("{}: generated values for a {}", family.name, to_string(family.type)));
    return;
  }
  FamilySamples* fs = slot(family);
  if (fs == nullptr || generator.rows == 0 || !generator.emit) return;
  fs->generated.push_back(std::move(generator));
}

void MetricSet::declare(const Family& family) {
  slot(family);
}

void MetricSet::add_state_set(const Family& family, std::span<const std::string_view> states,
                              std::string_view current,
                              std::initializer_list<std::string_view> labels) {
  std::vector<std::string_view> values(labels);
  values.emplace_back();
  std::string lower;
  bool known = false;
  for (std::string_view state : states) {
    known = known || state == current;
    lower = util::to_lower(state);
    values.back() = lower;
    add(family, state == current ? 1 : 0, std::span<const std::string_view>(values));
  }
  if (!known && !current.empty()) {
    lower = util::to_lower(current);
    values.back() = lower;
    add(family, 1, std::span<const std::string_view>(values));
  }
}

template <class Range>
void MetricSet::add_impl(const Family& family, double value, const Range& labels) {
  if (family.type == Type::histogram || family.type == Type::summary) {
    m_problems.push_back(
        fmt::format("{}: plain value added to a {}", family.name, to_string(family.type)));
    return;
  }
  if (std::size(labels) != family.labels.size()) {
    m_problems.push_back(fmt::format("{}: {} label values for {} label names", family.name,
                                     std::size(labels), family.labels.size()));
    return;
  }
  FamilySamples* fs = slot(family);
  if (fs == nullptr) return;
  fs->label_refs.push_back(fs->store->push(labels));
  fs->values.push_back(value);
}

void MetricSet::add(const Family& family, double value,
                    std::initializer_list<std::string_view> labels) {
  add_impl(family, value, labels);
}

void MetricSet::add(const Family& family, double value, std::span<const std::string> labels) {
  add_impl(family, value, labels);
}

void MetricSet::add(const Family& family, double value, std::span<const std::string_view> labels) {
  add_impl(family, value, labels);
}

void MetricSet::add_distribution(const Family& family, Distribution dist,
                                 std::initializer_list<std::string_view> labels) {
  if (family.type != Type::histogram && family.type != Type::summary) {
    m_problems.push_back(
        fmt::format("{}: distribution added to a {}", family.name, to_string(family.type)));
    return;
  }
  if (labels.size() != family.labels.size()) {
    m_problems.push_back(fmt::format("{}: {} label values for {} label names", family.name,
                                     labels.size(), family.labels.size()));
    return;
  }
  FamilySamples* fs = slot(family);
  if (fs == nullptr) return;
  fs->label_refs.push_back(fs->store->push(labels));
  fs->distributions.push_back(std::move(dist));
}

void MetricSet::merge(MetricSet&& other) {
  if (&other == this) return;
  for (auto& theirs : other.m_families) {
    auto it = m_index.find(theirs->family.name);
    if (it == m_index.end()) {
      // The family moves as it is: its labels stay in its store, which moves along below.
      m_families.push_back(std::move(theirs));
      m_index.emplace(m_families.back()->family.name, m_families.size() - 1);
      continue;
    }
    FamilySamples* ours = m_families[it->second].get();
    if (!(ours->family == theirs->family)) {
      m_problems.push_back(fmt::format(
          "family {} defined twice with different help, type or labels", ours->family.name));
      continue;
    }
    // Samples joining a family of ours: their labels go into that family's store.
    for (size_t i = 0; i < theirs->size(); ++i)
      ours->label_refs.push_back(ours->store->push(theirs->labels_of(i)));
    ours->values.insert(ours->values.end(), theirs->values.begin(), theirs->values.end());
    std::move(theirs->distributions.begin(), theirs->distributions.end(),
              std::back_inserter(ours->distributions));
    std::move(theirs->generated.begin(), theirs->generated.end(),
              std::back_inserter(ours->generated));
  }
  if (m_stores.empty()) m_stores.push_back(std::make_unique<LabelStore>());
  std::move(other.m_stores.begin(), other.m_stores.end(), std::back_inserter(m_stores));
  std::move(other.m_problems.begin(), other.m_problems.end(), std::back_inserter(m_problems));
  other.clear_after_move();
  other.m_stores.clear();
}

const FamilySamples* MetricSet::find(std::string_view name) const {
  auto it = m_index.find(name);
  if (it == m_index.end()) return nullptr;
  FamilySamples* fs = m_families[it->second].get();
  fs->materialize(m_problems);
  return fs;
}

size_t MetricSet::series_count() const {
  size_t n = 0;
  CountingSink counter;
  for (const auto& fs : m_families) {
    n += fs->size();
    for (const Generator& g : fs->generated)
      for (size_t row = 0; row < g.rows; ++row) g.emit(row, counter);
  }
  return n + counter.count;
}

std::vector<std::string> MetricSet::problems() const {
  for (const auto& fs : m_families) fs->materialize(m_problems);
  std::vector<std::string> out = m_problems;
  for (const auto& fs : m_families) {
    std::set<std::span<const std::string_view>,
             decltype([](std::span<const std::string_view> a, std::span<const std::string_view> b) {
               return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
             })>
        seen;
    for (size_t i = 0; i < fs->size(); ++i) {
      if (!seen.insert(fs->labels_of(i)).second) {
        std::string labels;
        for (std::string_view l : fs->labels_of(i)) labels += fmt::format("{:?},", std::string(l));
        out.push_back(fmt::format("{}: duplicate series {{{}}}", fs->family.name, labels));
      }
    }
  }
  return out;
}

}  // namespace pvex::metrics
