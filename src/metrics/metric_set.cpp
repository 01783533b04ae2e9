// MetricSet: grouping samples by family, checking label counts, merging, duplicate detection.
#include "metrics/metric_set.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "util/strings.hpp"

namespace pvex::metrics {

std::string_view to_string(Type type) {
  switch (type) {
    case Type::counter: return "counter";
    case Type::gauge: return "gauge";
    case Type::histogram: return "histogram";
    case Type::summary: return "summary";
  }
  return "untyped";
}

size_t FamilySamples::size() const {
  const bool dist = family.type == Type::histogram || family.type == Type::summary;
  return dist ? distributions.size() : values.size();
}

std::span<const std::string> FamilySamples::labels_of(size_t i) const {
  const size_t n = family.labels.size();
  return std::span<const std::string>(label_values).subspan(i * n, n);
}

FamilySamples* MetricSet::slot(const Family& family) {
  auto it = m_index.find(family.name);
  if (it != m_index.end()) {
    FamilySamples* fs = m_families[it->second].get();
    // Collectors add from the same constant many times: compare the whole Family only when the
    // object differs from the one first seen.
    if (fs->origin != &family && !(fs->family == family)) {
      m_problems.push_back(fmt::format("family {} defined twice with different help, type or labels",
                                       family.name));
      return nullptr;
    }
    return fs;
  }
  auto fs = std::make_unique<FamilySamples>();
  fs->family = family;
  fs->origin = &family;
  FamilySamples* raw = fs.get();
  m_families.push_back(std::move(fs));
  m_index.emplace(raw->family.name, m_families.size() - 1);
  return raw;
}

void MetricSet::declare(const Family& family) { slot(family); }

void MetricSet::add_state_set(const Family& family, std::span<const std::string_view> states,
                              std::string_view current, std::initializer_list<std::string_view> labels) {
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
    m_problems.push_back(fmt::format("{}: plain value added to a {}", family.name, to_string(family.type)));
    return;
  }
  if (std::size(labels) != family.labels.size()) {
    m_problems.push_back(fmt::format("{}: {} label values for {} label names", family.name,
                                     std::size(labels), family.labels.size()));
    return;
  }
  FamilySamples* fs = slot(family);
  if (fs == nullptr) return;
  for (const auto& l : labels) fs->label_values.emplace_back(l);
  fs->values.push_back(value);
}

void MetricSet::add(const Family& family, double value, std::initializer_list<std::string_view> labels) {
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
    m_problems.push_back(fmt::format("{}: distribution added to a {}", family.name, to_string(family.type)));
    return;
  }
  if (labels.size() != family.labels.size()) {
    m_problems.push_back(fmt::format("{}: {} label values for {} label names", family.name,
                                     labels.size(), family.labels.size()));
    return;
  }
  FamilySamples* fs = slot(family);
  if (fs == nullptr) return;
  for (std::string_view l : labels) fs->label_values.emplace_back(l);
  fs->distributions.push_back(std::move(dist));
}

void MetricSet::merge(MetricSet&& other) {
  for (auto& theirs : other.m_families) {
    auto it = m_index.find(theirs->family.name);
    if (it == m_index.end()) {
      m_families.push_back(std::move(theirs));
      m_index.emplace(m_families.back()->family.name, m_families.size() - 1);
      continue;
    }
    FamilySamples* ours = m_families[it->second].get();
    if (!(ours->family == theirs->family)) {
      m_problems.push_back(fmt::format("family {} defined twice with different help, type or labels",
                                       ours->family.name));
      continue;
    }
    std::move(theirs->label_values.begin(), theirs->label_values.end(),
              std::back_inserter(ours->label_values));
    ours->values.insert(ours->values.end(), theirs->values.begin(), theirs->values.end());
    std::move(theirs->distributions.begin(), theirs->distributions.end(),
              std::back_inserter(ours->distributions));
  }
  std::move(other.m_problems.begin(), other.m_problems.end(), std::back_inserter(m_problems));
  other.m_families.clear();
  other.m_index.clear();
  other.m_problems.clear();
}

const FamilySamples* MetricSet::find(std::string_view name) const {
  auto it = m_index.find(name);
  return it == m_index.end() ? nullptr : m_families[it->second].get();
}

size_t MetricSet::series_count() const {
  size_t n = 0;
  for (const auto& fs : m_families) n += fs->size();
  return n;
}

std::vector<std::string> MetricSet::problems() const {
  std::vector<std::string> out = m_problems;
  for (const auto& fs : m_families) {
    std::set<std::span<const std::string>, decltype([](std::span<const std::string> a,
                                                       std::span<const std::string> b) {
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
