// collectors/subscription.cpp: every online node's subscription status, due date and last check.
#include <ctime>
#include <string>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/per_node.hpp"
#include "pve/fetch.hpp"
#include "pve/subscription.hpp"
#include "util/strings.hpp"

namespace pvex::collectors {
namespace {

using metrics::Family;
using metrics::Type;

const Family k_node_success{
    "pve_subscription_node_scrape_success",
    "1 if the node's /nodes/{node}/subscription answered in this scrape, else 0; only "
    "nodes corosync reports online.",
    Type::gauge,
    {"node"}};
const Family k_status{
    "pve_node_subscription_status",
    "Subscription status of the node (subscription status, lower-cased): 1 for the current "
    "status, 0 for the others.",
    Type::gauge,
    {"node", "status"}};
const Family k_next_due{
    "pve_node_subscription_next_due_timestamp_seconds",
    "Next due date of the subscription, midnight UTC (subscription nextduedate).",
    Type::gauge,
    {"node"}};
const Family k_checked{"pve_node_subscription_last_check_timestamp_seconds",
                       "Last online check of the subscription key (subscription checktime).",
                       Type::gauge,
                       {"node"}};
const Family k_sockets{
    "pve_node_subscription_sockets",
    "CPU sockets of the node as the subscription counts them (subscription sockets).",
    Type::gauge,
    {"node"}};

constexpr std::string_view k_states[] = {"new",     "notfound", "active",
                                         "invalid", "expired",  "suspended"};

/// "YYYY-MM-DD" -> Unix time of that day's midnight UTC; nullopt if malformed.
std::optional<int64_t> day_to_epoch(std::string_view date) {
  std::vector<std::string_view> p = util::split_any(date, "-");
  if (p.size() != 3) return std::nullopt;
  std::optional<int64_t> y = util::parse_int(p[0]), m = util::parse_int(p[1]),
                         d = util::parse_int(p[2]);
  if (!y || !m || !d || *m < 1 || *m > 12 || *d < 1 || *d > 31) return std::nullopt;
  std::tm tm{};
  tm.tm_year = static_cast<int>(*y - 1900);
  tm.tm_mon = static_cast<int>(*m - 1);
  tm.tm_mday = static_cast<int>(*d);
  return static_cast<int64_t>(timegm(&tm));
}

void render(std::string_view node, const pve::Subscription& s, metrics::MetricSet& out) {
  bool known = false;
  for (std::string_view st : k_states) {
    known = known || st == s.status;
    out.add(k_status, st == s.status ? 1 : 0, {node, st});
  }
  if (!known) out.add(k_status, 1, {node, s.status});
  if (s.nextduedate)
    if (std::optional<int64_t> due = day_to_epoch(*s.nextduedate))
      out.add(k_next_due, static_cast<double>(*due), {node});
  if (s.checktime_seconds) out.add(k_checked, static_cast<double>(*s.checktime_seconds), {node});
  if (s.sockets) out.add(k_sockets, static_cast<double>(*s.sockets), {node});
}

}  // namespace

Result<void> collect_subscription(Scrape& scrape, metrics::MetricSet& out) {
  return collect_per_online_node(scrape, "/subscription", &pve::parse_subscription, k_node_success,
                                 out,
                                 [](std::string_view node, const auto& model,
                                    metrics::MetricSet& set) { render(node, model, set); });
}

}  // namespace pvex::collectors
