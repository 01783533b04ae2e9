// Command-line parsing for pve-sim (CLI11, confined to this file).
#include "options.hpp"

#include <CLI/CLI.hpp>

#include "util/strings.hpp"

namespace pvex::sim {

namespace {

Result<void> split_listen(const std::string& spec, SimOptions& out) {
  size_t colon = spec.rfind(':');
  if (colon == std::string::npos) return fail(ErrorKind::config, "--listen wants host:port");
  std::string host = spec.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  std::optional<int64_t> port = util::parse_int(spec.substr(colon + 1));
  if (host.empty() || !port || *port < 0 || *port > 65535)
    return fail(ErrorKind::config, "--listen wants host:port, got '" + spec + "'");
  out.listen_host = host;
  out.listen_port = static_cast<int>(*port);
  return {};
}

Result<void> validate(const SimOptions& o) {
  if (o.nodes < 1) return fail(ErrorKind::config, "--nodes must be at least 1");
  if (o.offline_nodes < 0 || o.offline_nodes >= o.nodes)
    return fail(ErrorKind::config, "--offline-nodes must be below --nodes");
  if (o.guests_per_node < 0 || o.storages_per_node < 0 || o.zfs_pools_per_node < 0)
    return fail(ErrorKind::config, "counts must not be negative");
  if (o.pve_version != 8 && o.pve_version != 9)
    return fail(ErrorKind::config, "--pve-version must be 8 or 9");
  if (o.standalone && o.nodes != 1) return fail(ErrorKind::config, "--standalone needs --nodes 1");
  if (o.cert_file.empty() != o.key_file.empty())
    return fail(ErrorKind::config, "--cert and --key go together");
  if (o.user.empty() != o.password.empty())
    return fail(ErrorKind::config, "--user and --password go together");
  if (o.threads < 1) return fail(ErrorKind::config, "--threads must be at least 1");
  return {};
}

}  // namespace

Result<ParseOutcome> parse_options(int argc, char** argv) {
  ParseOutcome outcome;
  SimOptions& o = outcome.options;
  std::string listen = "127.0.0.1:8006";

  CLI::App app{"pve-sim: a fake Proxmox VE API server for tests (HTTPS on loopback)"};
  app.add_option("--listen", listen, "host:port to bind (port 0 = any free port)");
  app.add_option("--port-file", o.port_file, "write the bound port here once listening");
  app.add_option("--cert", o.cert_file, "PEM certificate to serve (default: generated)");
  app.add_option("--key", o.key_file, "PEM private key for --cert");
  app.add_option("--cert-out", o.cert_out, "write the certificate in use here (PEM)");
  app.add_flag("--plain-http", o.plain_http, "serve plain HTTP instead of HTTPS");
  app.add_flag("--verbose", o.verbose, "log one line per request");

  app.add_option("--nodes", o.nodes, "cluster nodes");
  app.add_option("--guests-per-node", o.guests_per_node, "guests per node (~70% QEMU)");
  app.add_option("--storages-per-node", o.storages_per_node, "local storages per node");
  app.add_option("--offline-nodes", o.offline_nodes, "the last K nodes are offline");
  app.add_option("--offline-delay-ms", o.offline_delay_ms, "delay of the 595 answer");
  app.add_option("--zfs-pools-per-node", o.zfs_pools_per_node, "ZFS pools per node");
  app.add_option("--pve-version", o.pve_version, "PVE major version to imitate (8 or 9)");
  app.add_option("--seed", o.seed, "seed of the cluster generation");
  app.add_option("--cluster-name", o.cluster_name, "cluster name");
  app.add_flag("--standalone", o.standalone, "a single node without cluster (needs --nodes 1)");
  app.add_flag("--qdevice", o.qdevice, "configure a corosync QDevice");
  app.add_flag("--static", o.static_counters, "freeze time: identical answers for a seed");

  app.add_option("--token", o.tokens, "accepted API token user@realm!name=SECRET (repeatable)");
  app.add_option("--user", o.user, "user@realm accepted by POST /access/ticket");
  app.add_option("--password", o.password, "password for --user");
  app.add_option("--ticket-lifetime-s", o.ticket_lifetime_s, "ticket validity in seconds");
  app.add_option("--auth-fail-delay-ms", o.auth_fail_delay_ms, "delay of every 401");
  app.add_flag("--no-auth", o.no_auth, "accept every request without credentials");

  app.add_option("--fault", o.faults, "GLOB=KIND[:ARG] fault injection (repeatable)");
  app.add_option("--latency-ms", o.latency_ms, "extra latency of every API answer");
  app.add_option("--threads", o.threads, "server worker threads");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    outcome.exit_now = true;
    outcome.message = app.help();
    return outcome;
  } catch (const CLI::ParseError& e) {
    return fail(ErrorKind::config, e.what());
  }
  if (Result<void> r = split_listen(listen, o); !r) return fail(r.error());
  if (Result<void> r = validate(o); !r) return fail(r.error());
  return outcome;
}

}  // namespace pvex::sim
