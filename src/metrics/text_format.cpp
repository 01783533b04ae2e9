// The only code that knows the exposition syntax (Prometheus text 0.0.4 and OpenMetrics 1.0.0).
#include "metrics/text_format.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>

#include "util/strings.hpp"

namespace pvex::metrics {

std::string_view content_type(Format format) {
  return format == Format::openmetrics
             ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
             : "text/plain; version=0.0.4; charset=utf-8";
}

Format negotiate(std::string_view accept) {
  // Accept: a comma list of media ranges, each with optional ;q=.
  double best_om = -1, best_text = -1;
  for (std::string_view entry : util::split_any(accept, ",")) {
    std::vector<std::string_view> parts = util::split_any(entry, ";");
    if (parts.empty()) continue;
    const std::string type = util::to_lower(util::trim(parts[0]));
    double q = 1.0;
    std::string_view version;
    for (size_t i = 1; i < parts.size(); ++i) {
      std::string_view p = util::trim(parts[i]);
      if (p.starts_with("q=")) q = util::parse_double(p.substr(2)).value_or(0.0);
      if (p.starts_with("version=")) version = p.substr(8);
    }
    if (type == "application/openmetrics-text") {
      if (version.empty() || version == "1.0.0") best_om = std::max(best_om, q);
    } else if (type == "text/plain" || type == "*/*" || type == "text/*") {
      best_text = std::max(best_text, q);
    }
  }
  return best_om > 0 && best_om >= best_text ? Format::openmetrics : Format::prometheus_text;
}

namespace {

constexpr size_t k_value_chars = 32;  // the longest value text, with room

/// Writes `v` as append_value() does into `p` (k_value_chars available); returns the end.
char* put_value(double v, char* p) {
  // Integers first, the bulk of the values (counters, sizes), tested without libm's trunc (a
  // call on a baseline x86-64 build): the range test is false for NaN.
  constexpr double k_exact_int = 9007199254740992.0;  // 2^53
  if (v >= -k_exact_int && v <= k_exact_int) {
    const auto i = static_cast<int64_t>(v);
    if (static_cast<double>(i) == v) return std::to_chars(p, p + k_value_chars, i).ptr;
  }
  if (std::isnan(v)) return std::copy_n("NaN", 3, p);
  if (std::isinf(v)) return std::copy_n(v > 0 ? "+Inf" : "-Inf", 4, p);
  return std::to_chars(p, p + k_value_chars, v).ptr;
}

/// Characters a label value must escape, for a check with one load per byte.
constexpr std::array<bool, 256> k_escaped = [] {
  std::array<bool, 256> t{};
  t[static_cast<unsigned char>('\\')] = t[static_cast<unsigned char>('"')] =
      t[static_cast<unsigned char>('\n')] = true;
  return t;
}();

bool has_escapes(std::string_view v) {
  for (char c : v)
    if (k_escaped[static_cast<unsigned char>(c)]) return true;
  return false;
}

char* put(char* p, std::string_view s) {
  if (!s.empty()) std::memcpy(p, s.data(), s.size());  // an empty view's data may be null
  return p + s.size();
}

/// `v` escaped as a label value at `p` (room for 2 * v.size() bytes).
char* put_escaped(char* p, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\':
        *p++ = '\\';
        *p++ = '\\';
        break;
      case '"':
        *p++ = '\\';
        *p++ = '"';
        break;
      case '\n':
        *p++ = '\\';
        *p++ = 'n';
        break;
      default:
        *p++ = c;
    }
  }
  return p;
}

}  // namespace

bool label_needs_escape(std::string_view value) {
  return has_escapes(value);
}

void append_value(double v, std::string& out) {
  char buf[k_value_chars];
  out.append(buf, put_value(v, buf));
}

void append_escaped_label(std::string_view v, std::string& out) {
  // The common case, nothing to escape, in one append.
  if (!has_escapes(v)) {
    out.append(v);
    return;
  }
  const size_t at = out.size();
  out.resize(at + 2 * v.size());
  out.resize(static_cast<size_t>(put_escaped(out.data() + at, v) - out.data()));
}

void append_escaped_help(std::string_view v, Format format, std::string& out) {
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '"':
        out += format == Format::openmetrics ? "\\\"" : "\"";
        break;
      default:
        out += c;
    }
  }
}

LabelPrefix::LabelPrefix(std::span<const std::string> names,
                         std::span<const std::string_view> values)
    : m_size(std::min(names.size(), values.size())) {
  render(names, values, m_text);
}

void LabelPrefix::render(std::span<const std::string> names,
                         std::span<const std::string_view> values, std::string& out) {
  const size_t n = std::min(names.size(), values.size());
  size_t length = 0;
  for (size_t i = 0; i < n; ++i) length += names[i].size() + values[i].size() + 4;
  out.reserve(out.size() + length);
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    append_escaped_label(values[i], out);
    out += '"';
  }
}

LabelPrefix LabelPrefix::in(std::string_view text, size_t size) {
  LabelPrefix p;
  p.m_view = text;
  p.m_external = true;
  p.m_size = size;
  return p;
}

std::vector<std::pair<std::string, std::string>> LabelPrefix::labels() const {
  std::vector<std::pair<std::string, std::string>> out;
  const std::string_view t = text();
  size_t i = 0;
  while (i < t.size()) {
    const size_t eq = t.find("=\"", i);
    if (eq == std::string::npos) break;
    std::pair<std::string, std::string> label{std::string(t.substr(i, eq - i)), {}};
    for (i = eq + 2; i < t.size() && t[i] != '"'; ++i) {
      char c = t[i];
      if (c == '\\' && i + 1 < t.size()) {
        c = t[++i];
        if (c == 'n') c = '\n';
      }
      label.second += c;
    }
    out.push_back(std::move(label));
    i += 2;  // the closing quote and the comma
  }
  return out;
}

namespace {

// The family name as OpenMetrics metadata wants it: counters without `_total`.
std::string_view metadata_name(const Family& f, Format format) {
  std::string_view name = f.name;
  if (format == Format::openmetrics && f.type == Type::counter && name.ends_with("_total"))
    name.remove_suffix(6);
  return name;
}

// The OpenMetrics unit: explicit, or derived from a base-unit suffix of the metadata name.
std::string_view unit_of(const Family& f, std::string_view meta_name) {
  std::string_view unit = f.unit;
  if (unit.empty()) {
    for (std::string_view u : {"seconds", "bytes", "hertz", "ratio", "percent", "celsius"}) {
      if (meta_name.size() > u.size() + 1 && meta_name.ends_with(u) &&
          meta_name[meta_name.size() - u.size() - 1] == '_') {
        unit = u;
        break;
      }
    }
  }
  // OpenMetrics requires the name to end in `_<unit>`; otherwise leave the unit out.
  if (unit.empty() || !meta_name.ends_with(unit) || meta_name.size() <= unit.size() ||
      meta_name[meta_name.size() - unit.size() - 1] != '_')
    return {};
  return unit;
}

void append_labels(const std::vector<std::string>& names, std::span<const std::string_view> values,
                   std::string_view extra_name, std::string_view extra_value, std::string& out) {
  if (names.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    append_escaped_label(values[i], out);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

// Bucket bounds and quantiles as label values; OpenMetrics wants canonical floats ("1.0").
void append_bound(double v, Format format, std::string& out) {
  const size_t start = out.size();
  append_value(v, out);
  if (format == Format::openmetrics && std::isfinite(v)) {
    std::string_view written(out.data() + start, out.size() - start);
    if (written.find_first_of(".eE") == std::string_view::npos) out += ".0";
  }
}

void write_distribution(const FamilySamples& fs, size_t i, Format format, std::string& out) {
  const Family& f = fs.family;
  const Distribution& d = fs.distributions[i];
  std::span<const std::string_view> labels = fs.labels_of(i);
  const bool histogram = f.type == Type::histogram;
  std::string bound;
  for (const auto& [key, value] : d.points) {
    bound.clear();
    append_bound(key, format, bound);
    out += f.name;
    out += histogram ? "_bucket" : "";
    append_labels(f.labels, labels, histogram ? "le" : "quantile", bound, out);
    out += ' ';
    append_value(value, out);
    out += '\n';
  }
  if (histogram) {
    out += f.name;
    out += "_bucket";
    append_labels(f.labels, labels, "le", "+Inf", out);
    out += ' ';
    append_value(d.count, out);
    out += '\n';
  }
  out += f.name;
  out += "_sum";
  append_labels(f.labels, labels, {}, {}, out);
  out += ' ';
  append_value(d.sum, out);
  out += '\n';
  out += f.name;
  out += "_count";
  append_labels(f.labels, labels, {}, {}, out);
  out += ' ';
  append_value(d.count, out);
  out += '\n';
}

}  // namespace

namespace {

// About the size of the exposition of `set`, so the output grows once (label values counted
// as 12 bytes each, values as 20).
size_t estimate_size(const MetricSet& set) {
  size_t total = 0;
  for (const auto& fsp : set.families()) {
    const Family& f = fsp->family;
    size_t line = f.name.size() + 2 + 20 + 8;
    for (const std::string& l : f.labels) line += l.size() + 4 + 12;
    size_t lines = fsp->values.size();
    for (const Distribution& d : fsp->distributions) lines += d.points.size() + 3;
    total += 2 * f.name.size() + f.help.size() + 32 + lines * line;
  }
  return total;
}

}  // namespace

namespace {

void write_metadata(const Family& f, Format format, std::string& out) {
  const std::string_view meta = metadata_name(f, format);
  out += "# HELP ";
  out += meta;
  out += ' ';
  append_escaped_help(f.help, format, out);
  out += "\n# TYPE ";
  out += meta;
  out += ' ';
  out += to_string(f.type);
  out += '\n';
  if (format == Format::openmetrics) {
    std::string_view unit = unit_of(f, meta);
    if (!unit.empty()) {
      out += "# UNIT ";
      out += meta;
      out += ' ';
      out += unit;
      out += '\n';
    }
  }
}

}  // namespace

/// The writer's output: the caller's string, written through raw pointers. The string's size
/// runs ahead of what is written (the bytes past `m_used` are scratch, grown in steps so that
/// most lines need one capacity check and no per-piece appends); the destructor trims it.
class Writer::Out {
 public:
  explicit Out(std::string& s) : m_s(s), m_used(s.size()) {}
  ~Out() { m_s.resize(m_used); }
  Out(const Out&) = delete;
  Out& operator=(const Out&) = delete;

  size_t size() const { return m_used; }
  /// Room for `n` bytes at the write position.
  char* room(size_t n) {
    if (m_s.size() - m_used < n) m_s.resize(m_used + std::max(n, k_step));
    return m_s.data() + m_used;
  }
  /// The bytes up to `end` (from room()) are written.
  void commit(char* end) { m_used = static_cast<size_t>(end - m_s.data()); }
  /// The string holding exactly what is written, for the appending helpers; adopt() after.
  std::string& text() {
    m_s.resize(m_used);
    return m_s;
  }
  void adopt() { m_used = m_s.size(); }

 private:
  static constexpr size_t k_step = 16 * 1024;
  std::string& m_s;
  size_t m_used;
};

void Writer::begin_family(const Family& f) {
  if (m_prepared == m_family) return;
  m_prepared = m_family;
  m_fragments.clear();
  m_separated.clear();
  for (size_t l = 0; l < f.labels.size(); ++l) {
    m_fragments.push_back((l == 0 ? f.name + "{" : std::string("\",")) + f.labels[l] + "=\"");
    m_separated.push_back("," + f.labels[l] + "=\"");
  }
  if (!f.labels.empty()) m_separated[0].erase(0, 1);  // the first label has no comma
  m_open = f.labels.empty() ? f.name + " " : f.name + "{";
  m_close = f.labels.empty() ? f.name + " " : std::string("\"} ");
}

void Writer::write_metadata_once(const Family& f, Out& out) {
  if (m_meta) return;
  write_metadata(f, m_format, out.text());
  out.adopt();
  m_meta = true;
}

namespace {

/// Writes generated samples: the prefix's text is copied as it is, only the extra label values
/// are put in (and escaped) per sample; each line is written in place after one capacity check.
class TextSink final : public SampleSink {
 public:
  using Meta = std::function<void()>;
  TextSink(const Family& f, std::string_view open, const std::vector<std::string>& separated,
           Writer::Out& out, const Meta& meta)
      : m_f(f), m_open(open), m_separated(separated), m_out(out), m_meta(meta) {}

  void sample(const LabelPrefix& prefix, std::span<const std::string_view> extra,
              double value) override {
    write(prefix, extra, value, true);
  }
  void sample_plain(const LabelPrefix& prefix, std::span<const std::string_view> extra,
                    double value) override {
    write(prefix, extra, value, false);
  }

 private:
  void write(const LabelPrefix& prefix, std::span<const std::string_view> extra, double value,
             bool check) {
    const size_t k = prefix.size();
    if (k + extra.size() != m_f.labels.size()) return;  // a bug: problems() reports it
    if (!m_meta_done) {
      m_meta();
      m_meta_done = true;
    }
    size_t need = m_open.size() + prefix.text().size() + k_value_chars + 4;
    for (size_t i = 0; i < extra.size(); ++i)
      need += m_separated[k + i].size() + 2 * extra[i].size() + 1;
    char* p = m_out.room(need);
    p = put(p, m_open);
    if (!m_f.labels.empty()) {
      p = put(p, prefix.text());
      for (size_t i = 0; i < extra.size(); ++i) {
        p = put(p, m_separated[k + i]);  // `,name="` (without the comma for the first label)
        p = check && has_escapes(extra[i]) ? put_escaped(p, extra[i]) : put(p, extra[i]);
        *p++ = '"';
      }
      *p++ = '}';
      *p++ = ' ';
    }
    p = put_value(value, p);
    *p++ = '\n';
    m_out.commit(p);
  }

  const Family& m_f;
  std::string_view m_open;
  const std::vector<std::string>& m_separated;
  Writer::Out& m_out;
  const Meta& m_meta;
  bool m_meta_done = false;
};

}  // namespace

bool Writer::write_generated(const FamilySamples& fs, Out& out, size_t target) {
  const TextSink::Meta meta = [&] { write_metadata_once(fs.family, out); };
  TextSink sink(fs.family, m_open, m_separated, out, meta);
  for (; m_part < fs.generated.size(); ++m_part, m_row = 0) {
    const Generator& g = fs.generated[m_part];
    while (m_row < g.rows) {
      g.emit(m_row++, sink);
      if (out.size() >= target && (m_row < g.rows || m_part + 1 < fs.generated.size())) {
        if (m_row == g.rows) ++m_part, m_row = 0;
        return true;
      }
    }
  }
  return false;
}

bool Writer::next(std::string& text, size_t min_bytes) {
  Out out(text);
  const size_t target = out.size() + std::min(min_bytes, std::string::npos - out.size());
  const auto& families = m_set.families();
  while (m_family < families.size()) {
    const FamilySamples& fs = *families[m_family];
    const Family& f = fs.family;
    const size_t n = fs.size();
    if (n > 0) write_metadata_once(f, out);
    if (f.type == Type::histogram || f.type == Type::summary) {
      while (m_sample < n) {
        write_distribution(fs, m_sample++, m_format, out.text());
        out.adopt();
        if (out.size() >= target && m_sample < n) return true;
      }
    } else {
      // Counters and gauges, the bulk of every exposition: the text around the label values is
      // put together once per family, each line written in place after one capacity check.
      begin_family(f);
      const LabelStore& store = *fs.store;
      const size_t k = m_fragments.size();
      while (m_sample < n) {
        const size_t i = m_sample++;
        const uint32_t first = k == 0 ? 0 : fs.label_refs[i];
        const std::span<const std::string_view> values = store.tuple(first, k);
        size_t need = m_close.size() + k_value_chars + 2;
        for (size_t l = 0; l < k; ++l) need += m_fragments[l].size() + 2 * values[l].size();
        char* p = out.room(need);
        for (size_t l = 0; l < k; ++l) {
          p = put(p, m_fragments[l]);
          p = store.needs_escape(first + static_cast<uint32_t>(l)) ? put_escaped(p, values[l])
                                                                   : put(p, values[l]);
        }
        p = put(p, m_close);
        p = put_value(fs.values[i], p);
        *p++ = '\n';
        out.commit(p);
        if (out.size() >= target && (m_sample < n || !fs.generated.empty())) return true;
      }
      if (write_generated(fs, out, target)) return true;
    }
    ++m_family;
    m_sample = m_part = m_row = 0;
    m_meta = false;
    if (out.size() >= target) return m_family < families.size();
  }
  return false;
}

void write(const MetricSet& set, Format format, std::string& out) {
  out.reserve(out.size() + estimate_size(set));
  Writer writer(set, format);
  writer.next(out, std::string::npos);
}

void write_eof(Format format, std::string& out) {
  if (format == Format::openmetrics) out += "# EOF\n";
}

}  // namespace pvex::metrics
