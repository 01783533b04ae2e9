// Config: the exporter's whole configuration as plain data, with defaults written in place.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pvex::config {

using std::chrono::milliseconds;

/// How to reach and authenticate against one PVE API (the default target of /metrics).
struct ApiConfig {
  std::string host;  // host name or address; empty: no PVE target, PVE collectors stay off
  int port = 8006;
  std::string user;   // user@realm (password auth)
  std::string realm;  // appended to `user` when it has no @realm
  std::string password;
  std::string password_file;
  std::string token_id;  // user@realm!tokenname
  std::string token_secret;
  std::string token_secret_file;
  bool insecure_skip_verify = false;
  std::string ca_file;
  std::string fingerprint;  // pinned SHA-256 of the server certificate, hex (colons allowed)
  size_t max_in_flight = 64;  // concurrent requests per target (measured: docs/performance.md)
  size_t max_response_bytes = 256 * 1024 * 1024;  // a larger answer is an error
  milliseconds connect_timeout{3000};

  bool uses_token() const { return !token_id.empty(); }
};

/// A credentials block for /pve?module=NAME (the peer's pve.yml format).
struct Module {
  std::string user;
  std::string password;
  std::string token_name;
  std::string token_value;
  bool verify_ssl = true;
  milliseconds timeout{5000};
  std::optional<int> port;
};

struct WebConfig {
  std::vector<std::string> listen_addresses{":9221"};
  std::string telemetry_path = "/metrics";
  std::string config_file;  // exporter-toolkit web config: TLS and basic auth
  bool health_without_auth = false;  // /-/healthy and /health answer without basic auth
  size_t max_connections = 16;
  size_t max_request_bytes = 64 * 1024;
  milliseconds shutdown_grace{10000};
};

struct LogConfig {
  std::string level = "info";     // debug, info, warn, error
  std::string format = "logfmt";  // logfmt or json
};

struct ScrapeConfig {
  milliseconds timeout{10000};  // upper bound of a scrape's deadline
  milliseconds timeout_offset{500};  // subtracted from X-Prometheus-Scrape-Timeout-Seconds
};

/// Which guests the PVE collectors report, and how much detail.
struct GuestConfig {
  std::vector<std::string> include_nodes, exclude_nodes;
  std::vector<std::string> include_tags, exclude_tags;
  std::vector<std::string> include_pools, exclude_pools;
  std::string include_name;  // regular expression over the guest name; empty: all
  std::string exclude_name;
  bool per_drive = true;  // per-drive block counters of QEMU guests
  bool per_nic = true;    // per-NIC counters
};

struct ZfsConfig {
  std::string procfs = "/proc";
  std::string zpool_command = "zpool";
  std::string zfs_command = "zfs";
  milliseconds command_timeout{5000};
  bool datasets = false;  // per-dataset space from `zfs list` (can be long)
  std::string dataset_include;  // regular expression; empty: all
  std::string dataset_exclude;
};

struct HostConfig {
  std::string procfs = "/proc";
  std::string node_name;  // empty: the local host name
};

struct Config {
  std::string config_file;
  ApiConfig api;
  WebConfig web;
  LogConfig log;
  ScrapeConfig scrape;
  GuestConfig guests;
  ZfsConfig zfs;
  HostConfig host;
  std::map<std::string, bool> collectors;  // explicit --collector.X / --no-collector.X choices
  bool collectors_disable_defaults = false;
  std::map<std::string, Module> modules;   // for /pve
  // The compatibility profile (/pve, src/compat/): the peer's --collector.X / --no-collector.X
  // choices by its collector names (absent: on), and its --server.keyfile / --server.certfile.
  std::map<std::string, bool> compat_collectors;
  std::string server_keyfile, server_certfile;
};

}  // namespace pvex::config
