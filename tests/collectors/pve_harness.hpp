// Test harness for the PVE collectors: run one collector (or the runner) over a fixture
// scenario, with chosen paths failing, and render the exposition.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "app/scrape.hpp"
#include "collectors/collector.hpp"
#include "metrics/text_format.hpp"
#include "unit/pve/fixture_fetch.hpp"

namespace pvex::testing {

/// What a path should answer instead of its fixture: an error (kind + message) or a body.
struct Override {
  std::optional<Error> error;
  std::string body;
};

inline Override http_500(std::string_view path) {
  return {Error{ErrorKind::http, "GET " + std::string(path) + ": HTTP 500 Internal Server Error"},
          ""};
}
inline Override body(std::string text) {
  return {std::nullopt, std::move(text)};
}

/// A fixture FetchFn with some paths overridden; records every path it was asked for.
struct FixtureApi {
  explicit FixtureApi(std::string scenario_,
                      std::map<std::string, Override, std::less<>> overrides_ = {})
      : scenario(std::move(scenario_)), overrides(std::move(overrides_)) {}

  std::string scenario;
  std::map<std::string, Override, std::less<>> overrides;
  std::shared_ptr<std::vector<std::string>> asked = std::make_shared<std::vector<std::string>>();
  std::shared_ptr<std::mutex> mutex = std::make_shared<std::mutex>();

  pve::FetchFn fetch() const {
    pve::FetchFn base = fixture_fetch(scenario);
    return [base, overrides = overrides, asked = asked, mutex = mutex](
               std::string_view path, pve::Clock::time_point deadline) -> Result<pve::Answer> {
      {
        std::lock_guard<std::mutex> lock(*mutex);
        asked->emplace_back(path);
      }
      auto it = overrides.find(path);
      if (it == overrides.end()) return base(path, deadline);
      if (it->second.error) return fail(*it->second.error);
      return std::make_shared<const std::string>(it->second.body);
    };
  }
};

struct CollectorRun {
  Result<void> result;
  metrics::MetricSet out;
  std::string text;
  std::vector<std::string> asked;
};

/// Runs `fn` once over the scenario.
inline CollectorRun run_collector(collectors::CollectFn fn, const FixtureApi& api,
                                  const config::Config& cfg = config::Config{}) {
  const auto deadline = pve::Clock::now() + std::chrono::seconds(10);
  CollectorRun r{{}, {}, {}, {}};
  {
    pve::Session session(api.fetch(), deadline);
    collectors::Scrape scrape(cfg, &session, deadline);
    r.result = fn(scrape, r.out);
  }
  // Written after the session is gone, as the exporter does: the set (and what its generated
  // families read) must not point into the session's answers.
  metrics::write(r.out, metrics::Format::prometheus_text, r.text);
  r.asked = *api.asked;
  return r;
}

/// Runs the named collectors through the app runner and returns the exposition without the
/// (volatile) duration series.
inline std::string run_through_runner(const std::vector<std::string>& names, const FixtureApi& api,
                                      const config::Config& cfg = config::Config{}) {
  std::vector<const collectors::CollectorSpec*> specs;
  for (const std::string& n : names) specs.push_back(collectors::find_collector(n));
  const auto deadline = pve::Clock::now() + std::chrono::seconds(10);
  metrics::MetricSet set;
  {
    pve::Session session(api.fetch(), deadline);
    collectors::Scrape scrape(cfg, &session, deadline);
    set = app::run_collectors(specs, scrape);
  }
  std::string text;
  metrics::write(set, metrics::Format::prometheus_text, text);
  std::istringstream in(text);
  std::string line, kept;
  while (std::getline(in, line))
    if (line.find("pve_exporter_collector_duration_seconds") == std::string::npos)
      kept += line + "\n";
  return kept;
}

}  // namespace pvex::testing
