// One scrape: the deadline, the enabled collectors run concurrently, and their self-metrics.
#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include "collectors/collector.hpp"
#include "config/config.hpp"
#include "metrics/metric_set.hpp"

namespace pvex::app {

/// The collectors a scrape runs, in registry order: explicit choices first, then defaults
/// (unless disabled). Collectors that need the API are left out when `has_api` is false.
std::vector<const collectors::CollectorSpec*> enabled_collectors(const config::Config& config, bool has_api);

/// The scrape deadline: now + min(scrape.timeout, Prometheus' timeout header - offset), at
/// least 100 ms.
pve::Clock::time_point scrape_deadline(const config::Config& config, std::optional<double> header_timeout_s,
                                       pve::Clock::time_point now);

/// Runs every collector concurrently against `scrape`, merges their sets in the given order and
/// adds pve_exporter_collector_success / _duration_seconds. A collector that fails or throws
/// keeps what it added, reports success 0 and is logged once with its name and duration.
metrics::MetricSet run_collectors(const std::vector<const collectors::CollectorSpec*>& specs,
                                  collectors::Scrape& scrape);

}  // namespace pvex::app
