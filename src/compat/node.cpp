// The peer's node collectors: config (onboot), replication and subscription, acting on the
// node that answers the API (the /cluster/status entry with local = 1).
#include <array>
#include <ctime>
#include <string>

#include <fmt/format.h>

#include "compat/render.hpp"
#include "pve/compat_views.hpp"
#include "pve/guests.hpp"
#include "util/strings.hpp"

namespace pvex::compat {
namespace {

using metrics::Family;
using metrics::Type;

const Family k_onboot{"pve_onboot_status",
                      "The guest starts when its node boots (onboot in its config).",
                      Type::gauge,
                      {"id", "node", "type"}};

const Family k_replication_info{"pve_replication_info",
                                "Replication job of the answering node.",
                                Type::gauge,
                                {"id", "type", "source", "target", "guest"}};
const Family k_replication_duration{"pve_replication_duration_seconds",
                                    "Duration of the last replication run.",
                                    Type::gauge,
                                    {"id"}};
const Family k_replication_last_sync{"pve_replication_last_sync_timestamp_seconds",
                                     "Time of the last successful replication.",
                                     Type::gauge,
                                     {"id"}};
const Family k_replication_last_try{"pve_replication_last_try_timestamp_seconds",
                                    "Time of the last replication try.",
                                    Type::gauge,
                                    {"id"}};
const Family k_replication_next_sync{"pve_replication_next_sync_timestamp_seconds",
                                     "Time of the next scheduled replication.",
                                     Type::gauge,
                                     {"id"}};
const Family k_replication_failed{"pve_replication_failed_syncs",
                                  "Failed replication runs since the last success.",
                                  Type::gauge,
                                  {"id"}};

const Family k_subscription_info{
    "pve_subscription_info", "Subscription of the answering node.", Type::gauge, {"id", "level"}};
const Family k_subscription_status{
    "pve_subscription_status",
    "Subscription status of the answering node: 1 for the current one.",
    Type::gauge,
    {"id", "status"}};
const Family k_subscription_next_due{
    "pve_subscription_next_due_timestamp_seconds",
    "Next due date of the subscription (midnight, exporter's local time).",
    Type::gauge,
    {"id"}};

constexpr std::array<std::string_view, 6> k_subscription_states{"new",     "notfound", "active",
                                                                "invalid", "expired",  "suspended"};

template <class T>
void add_opt(metrics::MetricSet& out, const Family& family, const std::optional<T>& value,
             std::string_view id) {
  if (value) out.add(family, static_cast<double>(*value), {id});
}

/// Parses YYYY-MM-DD into a struct tm at midnight (tm_isdst left to mktime).
std::optional<std::tm> parse_date(std::string_view date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return std::nullopt;
  std::optional<int64_t> y = util::parse_int(date.substr(0, 4));
  std::optional<int64_t> m = util::parse_int(date.substr(5, 2));
  std::optional<int64_t> d = util::parse_int(date.substr(8, 2));
  if (!y || !m || !d || *m < 1 || *m > 12 || *d < 1 || *d > 31) return std::nullopt;
  std::tm tm{};
  tm.tm_year = static_cast<int>(*y - 1900);
  tm.tm_mon = static_cast<int>(*m - 1);
  tm.tm_mday = static_cast<int>(*d);
  tm.tm_isdst = -1;
  return tm;
}

}  // namespace

std::optional<double> local_midnight(std::string_view date) {
  std::optional<std::tm> tm = parse_date(date);
  if (!tm) return std::nullopt;
  const std::time_t t = std::mktime(&*tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<double>(t);
}

std::optional<double> utc_midnight(std::string_view date) {
  std::optional<std::tm> tm = parse_date(date);
  if (!tm) return std::nullopt;
  return static_cast<double>(timegm(&*tm));
}

void render_onboot(std::string_view node, const std::vector<GuestOnboot>& guests,
                   metrics::MetricSet& out) {
  for (const GuestOnboot& g : guests) {
    const std::string_view type = pve::to_string(g.type);
    out.add(k_onboot, static_cast<double>(g.onboot),
            {fmt::format("{}/{}", type, g.vmid), node, type});
  }
}

void render_replication(const std::vector<pve::ReplicationJob>& jobs, metrics::MetricSet& out) {
  for (const pve::ReplicationJob& j : jobs) {
    out.add(k_replication_info, 1,
            {j.id, j.type, "node/" + j.source.value_or(""), "node/" + j.target.value_or(""),
             fmt::format("{}/{}", j.vmtype.value_or(""), j.guest)});
  }
  for (const pve::ReplicationJob& j : jobs) {
    add_opt(out, k_replication_duration, j.duration_seconds, j.id);
    add_opt(out, k_replication_last_sync, j.last_sync_seconds, j.id);
    add_opt(out, k_replication_last_try, j.last_try_seconds, j.id);
    add_opt(out, k_replication_next_sync, j.next_sync_seconds, j.id);
    add_opt(out, k_replication_failed, j.fail_count, j.id);
  }
}

void render_subscription(std::string_view node, const pve::Subscription& sub, MidnightFn midnight,
                         metrics::MetricSet& out) {
  const std::string id = "node/" + std::string(node);
  out.add(k_subscription_info, 1, {id, sub.level.value_or("unknown")});
  for (std::string_view state : k_subscription_states)
    out.add(k_subscription_status, sub.status == state ? 1 : 0, {id, state});
  if (sub.nextduedate && !sub.nextduedate->empty())
    if (std::optional<double> t = midnight(*sub.nextduedate))
      out.add(k_subscription_next_due, *t, {id});
}

Result<std::string> local_node(pve::Session& api) {
  Result<pve::Body> body = api.get("/cluster/status");
  if (!body) return fail(body.error());
  Result<pve::ClusterStatus> status = pve::parse_cluster_status(**body);
  if (!status) return fail(status.error());
  for (const pve::ClusterMember& m : status->members)
    if (m.local) return m.name;
  return fail(ErrorKind::parse, "/cluster/status: no entry with local = 1");
}

Result<void> collect_config(collectors::Scrape& scrape, metrics::MetricSet& out) {
  Result<std::string> node = local_node(scrape.api());
  if (!node) return fail(node.error());
  const std::array<std::string, 2> lists{"/nodes/" + *node + "/qemu", "/nodes/" + *node + "/lxc"};
  std::vector<Result<pve::Body>> list_bodies = scrape.api().get_all(lists);

  std::optional<Error> first_error;
  size_t failures = 0;
  auto note = [&](const Error& e) {
    if (!first_error) first_error = e;
    ++failures;
  };
  struct Guest {
    pve::GuestType type;
    int64_t vmid;
  };
  std::vector<Guest> guests;
  if (!list_bodies[0])
    note(list_bodies[0].error());
  else if (Result<std::vector<pve::QemuStatus>> vms = pve::parse_qemu_list(*list_bodies[0].value());
           !vms)
    note(vms.error());
  else
    for (const pve::QemuStatus& vm : *vms) guests.push_back({pve::GuestType::qemu, vm.vmid});
  if (!list_bodies[1])
    note(list_bodies[1].error());
  else if (Result<std::vector<pve::LxcStatus>> cts = pve::parse_lxc_list(*list_bodies[1].value());
           !cts)
    note(cts.error());
  else
    for (const pve::LxcStatus& ct : *cts) guests.push_back({pve::GuestType::lxc, ct.vmid});

  std::vector<std::string> paths;
  paths.reserve(guests.size());
  for (const Guest& g : guests)
    paths.push_back(fmt::format("/nodes/{}/{}/{}/config", *node, pve::to_string(g.type), g.vmid));
  std::vector<Result<pve::Body>> bodies = scrape.api().get_all(paths);

  std::vector<GuestOnboot> onboot;
  for (size_t i = 0; i < guests.size(); ++i) {
    if (!bodies[i]) {
      note(bodies[i].error());
      continue;
    }
    Result<pve::GuestConfig> config = pve::parse_guest_config(*bodies[i].value());
    if (!config)
      note(Error{config.error().kind, paths[i] + ": " + config.error().message});
    else if (config->onboot)
      onboot.push_back({guests[i].type, guests[i].vmid, *config->onboot});
  }
  render_onboot(*node, onboot, out);
  if (first_error)
    return fail(*first_error,
                fmt::format("{} of {} calls failed, first", failures, guests.size() + 2));
  return {};
}

Result<void> collect_replication(collectors::Scrape& scrape, metrics::MetricSet& out) {
  Result<std::string> node = local_node(scrape.api());
  if (!node) return fail(node.error());
  // The node's job list carries each job's state (the peer asks /replication/<id>/status per
  // job for the same keys), so one call serves all jobs.
  Result<pve::Body> body = scrape.api().get("/nodes/" + *node + "/replication");
  if (!body) return fail(body.error());
  Result<std::vector<pve::ReplicationJob>> jobs = pve::parse_replication_jobs(**body);
  if (!jobs) return fail(jobs.error());
  render_replication(*jobs, out);
  return {};
}

Result<void> collect_subscription(collectors::Scrape& scrape, metrics::MetricSet& out) {
  Result<std::string> node = local_node(scrape.api());
  if (!node) return fail(node.error());
  Result<pve::Body> body = scrape.api().get("/nodes/" + *node + "/subscription");
  if (!body) return fail(body.error());
  Result<pve::Subscription> sub = pve::parse_subscription(**body);
  if (!sub) return fail(sub.error());
  render_subscription(*node, *sub, &local_midnight, out);
  return {};
}

}  // namespace pvex::compat
