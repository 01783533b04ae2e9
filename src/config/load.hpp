// Loading the configuration: defaults < YAML file < environment < flags, validated as a whole.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "util/result.hpp"

namespace pvex::config {

/// What the command line asks the program to do.
enum class Action { run, check, help, version };

struct Loaded {
  Config config;
  Action action = Action::run;
  std::string output;                 // --help or --version text, --config.check report
  std::vector<std::string> warnings;  // worth logging at start (e.g. a world-readable secrets file)
};

/// Environment lookup; the default reads the process environment.
using Getenv = std::function<const char*(const char*)>;

/// Parses `argv`, reads the config file it names, the environment and the flags, and validates
/// the result. On failure the error (ErrorKind::config) lists every problem, one per line, each
/// naming the key (and the file line). --help and --version are successful results with `output`.
/// Secrets are never part of any message.
Result<Loaded> load(int argc, const char* const* argv, const Getenv& getenv);
Result<Loaded> load(int argc, const char* const* argv);

/// One configuration option as the documentation shows it.
struct OptionDoc {
  std::string key;      // YAML path: api.token_secret_file
  std::string flag;     // --api.token-secret-file
  std::string env;      // PVE_EXPORTER_API_TOKEN_SECRET_FILE plus accepted aliases, comma-separated
  std::string default_value;
  std::string help;
};

/// Every option of the table, in table order (docs/configuration.md is checked against it).
std::vector<OptionDoc> option_docs();

/// The effective configuration as YAML with secrets redacted (for --config.check).
std::string describe(const Config& config);

/// Parses a duration: "500ms", "10s", "2m", "1h", "1h30m", or a plain number of seconds.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

/// Parses a size in bytes: "1048576", "64KiB", "64MiB", "1GiB", "64kB", "64MB", "1GB".
Result<size_t> parse_size(std::string_view text);

/// One listen address: "host:port", ":port" (all interfaces, IPv4 and IPv6), "[v6]:port".
struct ListenAddress {
  std::string host;  // empty: every interface
  int port = 0;
  bool operator==(const ListenAddress&) const = default;
};
Result<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace pvex::config
