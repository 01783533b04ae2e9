// The exposition writers: Prometheus text 0.0.4 and OpenMetrics 1.0.0, into a caller's buffer.
#pragma once

#include <string>
#include <string_view>

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
