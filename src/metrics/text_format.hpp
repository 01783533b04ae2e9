// The exposition writers: Prometheus text 0.0.4 and OpenMetrics 1.0.0, into a caller's buffer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "metrics/metric_set.hpp"

namespace pvex::metrics {

enum class Format { prometheus_text, openmetrics };

/// Content-Type header value for a format.
std::string_view content_type(Format format);

/// Picks the format from an HTTP Accept header: OpenMetrics when the client prefers it (by
/// q-value) over text/plain, otherwise the Prometheus text format.
Format negotiate(std::string_view accept_header);

/// Appends `set` to `out`: one HELP and TYPE per family with samples, families and samples in
/// insertion order. OpenMetrics output also carries UNIT lines; call write_eof() once at the end.
void write(const MetricSet& set, Format format, std::string& out);

/// write() in pieces, for sending a big exposition while it is produced: each next() appends
/// at least `min_bytes` more (whole sample lines) unless the end comes first, and returns false
/// once everything is written. The output equals write()'s; `set` must outlive the writer.
class Writer {
 public:
  Writer(const MetricSet& set, Format format) : m_set(set), m_format(format) {}
  bool next(std::string& out, size_t min_bytes);

  class Out;  // the output of one next() call (text_format.cpp)

 private:
  void begin_family(const Family& f);
  void write_metadata_once(const Family& f, Out& out);
  bool write_generated(const FamilySamples& fs, Out& out, size_t target);

  const MetricSet& m_set;
  Format m_format;
  size_t m_family = 0;
  size_t m_sample = 0;                          // next stored sample of the current family
  size_t m_part = 0;                            // next generator of the current family
  size_t m_row = 0;                             // next row of that generator
  bool m_meta = false;                          // HELP/TYPE of the current family written
  size_t m_prepared = static_cast<size_t>(-1);  // the family the fragments below are for
  // The current family's fixed text around its label values: `name{l1="`, `",l2="`, ...,
  // and the closing `"} ` (or `name ` without labels); for generated samples `name{` (m_open)
  // and `l1="`, `,l2="`, ...
  std::vector<std::string> m_fragments;
  std::vector<std::string> m_separated;
  std::string m_open;
  std::string m_close;
};

/// Appends the OpenMetrics terminator `# EOF`; no-op for the Prometheus text format.
void write_eof(Format format, std::string& out);

/// Appends a sample value: NaN, +Inf, -Inf; integers up to 2^53 without exponent; other
/// doubles in the shortest form that reads back exactly.
void append_value(double v, std::string& out);

/// Appends a label value with backslash, double quote and newline escaped.
void append_escaped_label(std::string_view v, std::string& out);

/// Appends help text with backslash and newline escaped (and double quote, for OpenMetrics).
void append_escaped_help(std::string_view v, Format format, std::string& out);

}  // namespace pvex::metrics
