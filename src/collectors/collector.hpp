// What a collector is: a function filling a MetricSet from a Scrape, plus its row in the registry.
#pragma once

#include <chrono>
#include <span>
#include <string_view>

#include "config/config.hpp"
#include "metrics/metric_set.hpp"
#include "pve/client.hpp"
#include "pve/session.hpp"
#include "util/result.hpp"

namespace pvex::collectors {

/// Everything one scrape offers a collector: the configuration, the PVE API session (when a
/// target is configured) and the deadline. Shared by the collectors of one scrape.
class Scrape {
 public:
  Scrape(const config::Config& config, pve::Session* api, pve::Clock::time_point deadline,
         const pve::Client* client = nullptr)
      : m_config(config), m_api(api), m_deadline(deadline), m_client(client) {}

  const config::Config& config() const { return m_config; }
  bool has_api() const { return m_api != nullptr; }
  /// The API session; only for collectors whose spec says `needs_api` (the runner checks).
  pve::Session& api() const { return *m_api; }
  pve::Clock::time_point deadline() const { return m_deadline; }
  /// The long-lived client behind the session, for its request statistics; may be null.
  const pve::Client* client() const { return m_client; }

 private:
  const config::Config& m_config;
  pve::Session* m_api;
  pve::Clock::time_point m_deadline;
  const pve::Client* m_client;
};

/// A collector adds what it could to `out` and returns an error if anything failed; partial
/// data is kept. ErrorKind::not_found means "not present here" and is logged at debug.
using CollectFn = Result<void> (*)(Scrape& scrape, metrics::MetricSet& out);

enum class Default { enabled, disabled };
enum class NeedsApi { yes, no };

struct CollectorSpec {
  std::string_view name;  // flag name: --collector.<name>
  Default default_state;
  NeedsApi needs_api;
  std::string_view help;
  CollectFn collect;
};

/// Every collector, sorted by name: flags, --help, the landing page and the runner read it.
std::span<const CollectorSpec> registry();

/// The registry row for `name`, or nullptr.
const CollectorSpec* find_collector(std::string_view name);

}  // namespace pvex::collectors
