// SimOptions: every pve-sim command-line setting, parsed from argv by parse_options().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace pvex::sim {

struct SimOptions {
  // Network and TLS.
  std::string listen_host = "127.0.0.1";
  int listen_port = 8006;
  std::string port_file;
  std::string cert_file;  // with key_file: use these instead of a generated certificate
  std::string key_file;
  std::string cert_out;  // write the certificate in use here (PEM)
  bool plain_http = false;
  bool verbose = false;

  // Cluster generation.
  int nodes = 3;
  int guests_per_node = 10;
  int storages_per_node = 2;
  int offline_nodes = 0;
  int offline_delay_ms = 100;
  int zfs_pools_per_node = 1;
  int pve_version = 9;
  uint64_t seed = 1;
  std::string cluster_name = "simcluster";
  bool standalone = false;
  bool qdevice = false;
  bool static_counters = false;

  // Authentication.
  std::vector<std::string> tokens;  // "user@realm!name=SECRET"
  std::string user;
  std::string password;
  int ticket_lifetime_s = 7200;
  int auth_fail_delay_ms = 0;
  bool no_auth = false;

  // Behaviour.
  std::vector<std::string> faults;  // "GLOB=KIND[:ARG]"
  int latency_ms = 0;
  int threads = 64;
};

/// What parse_options() found: the options, or (exit_now) a help text to print before exiting 0.
struct ParseOutcome {
  SimOptions options;
  bool exit_now = false;  // --help or --version: print `message` and exit 0
  std::string message;
};
/// Parses and validates argv; ErrorKind::config with a message naming the bad flag.
Result<ParseOutcome> parse_options(int argc, char** argv);

}  // namespace pvex::sim
