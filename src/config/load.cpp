// Loading the configuration: one option table feeds the YAML reader, the environment, the flags,
// --help and --config.check, so the three sources always agree (api.token_file <->
// PVE_EXPORTER_API_TOKEN_FILE <-> --api.token-file).
#include "config/load.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <variant>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "collectors/collector.hpp"
#include "compat/profile.hpp"
#include "util/strings.hpp"
#include "util/version.hpp"

namespace pvex::config {
namespace {

using Ref = std::variant<std::string*, bool*, int*, size_t*, milliseconds*, std::vector<std::string>*>;

struct Option {
  std::string key;   // dotted YAML path, snake_case: "api.token_secret_file"
  std::string help;
  Ref (*ref)(Config&);
  bool secret = false;
  std::string flag = {};                   // explicit flag name (without --); else derived from key
  std::vector<std::string> env_aliases = {};  // accepted besides PVE_EXPORTER_<KEY>
};

// The table. Keep it grouped by section; every entry is documented in docs/configuration.md.
const std::vector<Option>& options() {
  static const std::vector<Option> k_options = {
      {"api.host", "PVE host (name or address, optionally host:port) of the default target; empty: no PVE collectors.",
       [](Config& c) -> Ref { return &c.api.host; }, false, "", {"PVE_HOST"}},
      {"api.port", "PVE API port.", [](Config& c) -> Ref { return &c.api.port; }, false, "", {"PVE_PORT"}},
      {"api.user", "User for password authentication (user@realm).",
       [](Config& c) -> Ref { return &c.api.user; }, false, "", {"PVE_USER"}},
      {"api.realm", "Realm appended to api.user when it has none (default pam).",
       [](Config& c) -> Ref { return &c.api.realm; }, false, "", {"PVE_REALM"}},
      {"api.password", "Password for api.user (prefer api.password_file).",
       [](Config& c) -> Ref { return &c.api.password; }, true, "", {"PVE_PASSWORD"}},
      {"api.password_file", "File holding the password.",
       [](Config& c) -> Ref { return &c.api.password_file; }, false, "", {"PVE_PASSWORD_FILE"}},
      {"api.token_id", "API token id (user@realm!tokenname).",
       [](Config& c) -> Ref { return &c.api.token_id; }, false, "", {"PVE_TOKEN_ID"}},
      {"api.token_secret", "API token secret (prefer api.token_secret_file).",
       [](Config& c) -> Ref { return &c.api.token_secret; }, true, "", {"PVE_TOKEN_SECRET"}},
      {"api.token_secret_file", "File holding the API token secret.",
       [](Config& c) -> Ref { return &c.api.token_secret_file; }, false, "", {"PVE_TOKEN_SECRET_FILE"}},
      {"api.insecure_skip_verify", "Do not verify the PVE TLS certificate (self-signed setups).",
       [](Config& c) -> Ref { return &c.api.insecure_skip_verify; }, false, "", {"PVE_INSECURE_SKIP_VERIFY"}},
      {"api.ca_file", "PEM file of the CA that signed the PVE certificate.",
       [](Config& c) -> Ref { return &c.api.ca_file; }},
      {"api.fingerprint", "Pinned SHA-256 fingerprint of the PVE certificate (hex, colons allowed).",
       [](Config& c) -> Ref { return &c.api.fingerprint; }},
      {"api.max_in_flight", "Concurrent API requests per target.",
       [](Config& c) -> Ref { return &c.api.max_in_flight; }},
      {"api.max_response_bytes", "Largest API answer accepted (e.g. 256MiB).",
       [](Config& c) -> Ref { return &c.api.max_response_bytes; }},
      {"api.connect_timeout", "TCP and TLS connect timeout.",
       [](Config& c) -> Ref { return &c.api.connect_timeout; }},
      {"web.listen_addresses", "Addresses to listen on (repeatable): host:port, :port, [v6]:port.",
       [](Config& c) -> Ref { return &c.web.listen_addresses; }, false, "web.listen-address", {"LISTEN_ADDRESS"}},
      {"web.telemetry_path", "Path under which to expose metrics.",
       [](Config& c) -> Ref { return &c.web.telemetry_path; }, false, "", {"METRICS_PATH"}},
      {"web.config_file", "Exporter-toolkit web config (TLS, basic auth, headers).",
       [](Config& c) -> Ref { return &c.web.config_file; }, false, "web.config.file"},
      {"web.health_without_auth", "Let /-/healthy and /health answer without basic auth (for probes).",
       [](Config& c) -> Ref { return &c.web.health_without_auth; }},
      {"web.max_connections", "Connections served at once; more wait.",
       [](Config& c) -> Ref { return &c.web.max_connections; }},
      {"web.max_request_bytes", "Largest request body accepted.",
       [](Config& c) -> Ref { return &c.web.max_request_bytes; }},
      {"web.shutdown_grace", "How long in-flight scrapes may finish after SIGTERM.",
       [](Config& c) -> Ref { return &c.web.shutdown_grace; }},
      {"log.level", "Log level: debug, info, warn, error.", [](Config& c) -> Ref { return &c.log.level; }},
      {"log.format", "Log format: logfmt or json.", [](Config& c) -> Ref { return &c.log.format; }},
      {"scrape.timeout", "Upper bound of one scrape (also bounded by Prometheus' scrape timeout header).",
       [](Config& c) -> Ref { return &c.scrape.timeout; }},
      {"scrape.timeout_offset", "Subtracted from X-Prometheus-Scrape-Timeout-Seconds.",
       [](Config& c) -> Ref { return &c.scrape.timeout_offset; }},
      {"guests.include_nodes", "Only report guests on these nodes.",
       [](Config& c) -> Ref { return &c.guests.include_nodes; }},
      {"guests.exclude_nodes", "Do not report guests on these nodes.",
       [](Config& c) -> Ref { return &c.guests.exclude_nodes; }},
      {"guests.include_tags", "Only report guests with one of these tags.",
       [](Config& c) -> Ref { return &c.guests.include_tags; }},
      {"guests.exclude_tags", "Do not report guests with any of these tags.",
       [](Config& c) -> Ref { return &c.guests.exclude_tags; }},
      {"guests.include_pools", "Only report guests in these pools.",
       [](Config& c) -> Ref { return &c.guests.include_pools; }},
      {"guests.exclude_pools", "Do not report guests in these pools.",
       [](Config& c) -> Ref { return &c.guests.exclude_pools; }},
      {"guests.include_name", "Only report guests whose name matches this regular expression.",
       [](Config& c) -> Ref { return &c.guests.include_name; }},
      {"guests.exclude_name", "Do not report guests whose name matches this regular expression.",
       [](Config& c) -> Ref { return &c.guests.exclude_name; }},
      {"guests.per_drive", "Per-drive block counters of QEMU guests.",
       [](Config& c) -> Ref { return &c.guests.per_drive; }},
      {"guests.per_nic", "Per-interface network counters of guests.",
       [](Config& c) -> Ref { return &c.guests.per_nic; }},
      {"path.procfs", "procfs mount point (ZFS kstats and host counters are read below it).",
       [](Config& c) -> Ref { return &c.zfs.procfs; }},
      {"zfs.zpool_command", "zpool executable.", [](Config& c) -> Ref { return &c.zfs.zpool_command; }},
      {"zfs.zfs_command", "zfs executable.", [](Config& c) -> Ref { return &c.zfs.zfs_command; }},
      {"zfs.command_timeout", "Time limit of one zpool/zfs command.",
       [](Config& c) -> Ref { return &c.zfs.command_timeout; }},
      {"zfs.datasets", "Per-dataset space metrics from `zfs list`.",
       [](Config& c) -> Ref { return &c.zfs.datasets; }},
      {"zfs.dataset_include", "Only datasets matching this regular expression.",
       [](Config& c) -> Ref { return &c.zfs.dataset_include; }},
      {"zfs.dataset_exclude", "No datasets matching this regular expression.",
       [](Config& c) -> Ref { return &c.zfs.dataset_exclude; }},
      {"host.node_name", "PVE node name of this host for the host collector (default: host name).",
       [](Config& c) -> Ref { return &c.host.node_name; }},
  };
  return k_options;
}

std::string flag_of(const Option& o) {
  if (!o.flag.empty()) return "--" + o.flag;
  std::string f = o.key;
  std::replace(f.begin(), f.end(), '_', '-');
  return "--" + f;
}

std::string env_of(const Option& o) {
  std::string e = "PVE_EXPORTER_" + o.key;
  for (char& c : e) c = (c == '.') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return e;
}

const std::set<std::string>& sections() {
  static const std::set<std::string> k{"api", "web", "log", "scrape", "guests", "path", "zfs", "host",
                                       "collectors", "modules"};
  return k;
}

std::vector<std::string> all_keys() {
  std::vector<std::string> keys;
  for (const Option& o : options()) keys.push_back(o.key);
  for (const std::string& s : sections()) keys.push_back(s);
  return keys;
}

std::string suggestion(std::string_view word, const std::vector<std::string>& candidates) {
  const std::string m = util::closest_match(word, candidates);
  return m.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", m);
}

std::string describe_value(const Ref& ref) {
  return std::visit(
      [](auto* p) -> std::string {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, std::string>) return *p;
        else if constexpr (std::is_same_v<T, bool>) return *p ? "true" : "false";
        else if constexpr (std::is_same_v<T, milliseconds>) {
          const auto ms = p->count();
          return ms % 1000 == 0 ? fmt::format("{}s", ms / 1000) : fmt::format("{}ms", ms);
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          std::string out;
          for (const std::string& s : *p) out += (out.empty() ? "" : ",") + s;
          return out;
        } else return std::to_string(*p);
      },
      ref);
}

/// Sets one option from text. `append` is for repeated flags of a list option.
std::optional<std::string> set_value(const Ref& ref, std::string_view text, bool append) {
  return std::visit(
      [&](auto* p) -> std::optional<std::string> {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, std::string>) {
          *p = std::string(text);
        } else if constexpr (std::is_same_v<T, bool>) {
          std::optional<bool> b = util::parse_bool(text);
          if (!b) return fmt::format("\"{}\" is not a boolean (true/false)", text);
          *p = *b;
        } else if constexpr (std::is_same_v<T, int>) {
          std::optional<int64_t> v = util::parse_int(util::trim(text));
          if (!v || *v < 0 || *v > 65535) return fmt::format("\"{}\" is not a valid number", text);
          *p = static_cast<int>(*v);
        } else if constexpr (std::is_same_v<T, size_t>) {
          Result<size_t> v = parse_size(text);
          if (!v) return v.error().message;
          *p = *v;
        } else if constexpr (std::is_same_v<T, milliseconds>) {
          Result<milliseconds> v = parse_duration(text);
          if (!v) return v.error().message;
          *p = *v;
        } else {
          if (!append) p->clear();
          for (std::string_view piece : util::split_any(text, ",")) p->emplace_back(util::trim(piece));
        }
        return std::nullopt;
      },
      ref);
}

struct Problems {
  std::vector<std::string> list;
  void add(std::string p) { list.push_back(std::move(p)); }
};

// ---- YAML -------------------------------------------------------------------------------

std::string where(const std::string& file, const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  return m.line >= 0 ? fmt::format("{}:{}", file, m.line + 1) : file;
}

const Option* find_option(std::string_view key) {
  for (const Option& o : options())
    if (o.key == key) return &o;
  return nullptr;
}

bool is_prefix_of_option(std::string_view prefix) {
  for (const Option& o : options())
    if (o.key.size() > prefix.size() && o.key.starts_with(prefix) && o.key[prefix.size()] == '.') return true;
  return false;
}

void read_module(const std::string& file, const std::string& name, const YAML::Node& node, Config& config,
                 Problems& problems) {
  if (!node.IsMap() || node.size() == 0) {
    problems.add(fmt::format("{}: module \"{}\" must be a non-empty mapping", where(file, node), name));
    return;
  }
  static const std::vector<std::string> k_keys{"user", "password", "token_name", "token_value",
                                                "verify_ssl", "timeout", "port"};
  Module m;
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>("");
    const YAML::Node& v = kv.second;
    if (!v.IsScalar()) {
      problems.add(fmt::format("{}: modules.{}.{} must be a single value", where(file, v), name, key));
      continue;
    }
    const std::string text = v.Scalar();
    if (key == "user") m.user = text;
    else if (key == "password") m.password = text;
    else if (key == "token_name") m.token_name = text;
    else if (key == "token_value") m.token_value = text;
    else if (key == "verify_ssl") {
      std::optional<bool> b = util::parse_bool(text);
      if (!b) problems.add(fmt::format("{}: modules.{}.verify_ssl: \"{}\" is not a boolean", where(file, v), name, text));
      else m.verify_ssl = *b;
    } else if (key == "timeout") {
      Result<milliseconds> d = parse_duration(text);
      if (!d) problems.add(fmt::format("{}: modules.{}.timeout: {}", where(file, v), name, d.error().message));
      else m.timeout = *d;
    } else if (key == "port") {
      std::optional<int64_t> p = util::parse_int(text);
      if (!p || *p < 1 || *p > 65535) problems.add(fmt::format("{}: modules.{}.port: \"{}\" is not a port", where(file, v), name, text));
      else m.port = static_cast<int>(*p);
    } else {
      problems.add(fmt::format("{}: modules.{}: unknown key \"{}\"{}", where(file, kv.first), name, key,
                               suggestion(key, k_keys)));
    }
  }
  config.modules[name] = std::move(m);
}

void read_yaml_map(const std::string& file, const YAML::Node& node, const std::string& prefix, Config& config,
                   Problems& problems) {
  for (const auto& kv : node) {
    const std::string name = kv.first.as<std::string>("");
    const std::string key = prefix.empty() ? name : prefix + "." + name;
    const YAML::Node& value = kv.second;
    if (key == "collectors") {
      if (!value.IsMap()) {
        problems.add(fmt::format("{}: collectors must be a mapping of collector name to true/false", where(file, value)));
        continue;
      }
      for (const auto& c : value) {
        const std::string cname = c.first.as<std::string>("");
        if (cname == "disable_defaults") {
          std::optional<bool> b = util::parse_bool(c.second.IsScalar() ? c.second.Scalar() : "");
          if (!b) problems.add(fmt::format("{}: collectors.disable_defaults must be true or false", where(file, c.second)));
          else config.collectors_disable_defaults = *b;
          continue;
        }
        if (collectors::find_collector(cname) == nullptr) {
          std::vector<std::string> names;
          for (const auto& spec : collectors::registry()) names.emplace_back(spec.name);
          problems.add(fmt::format("{}: collectors: unknown collector \"{}\"{}", where(file, c.first), cname,
                                   suggestion(cname, names)));
          continue;
        }
        std::optional<bool> b = util::parse_bool(c.second.IsScalar() ? c.second.Scalar() : "");
        if (!b) problems.add(fmt::format("{}: collectors.{} must be true or false", where(file, c.second), cname));
        else config.collectors[cname] = *b;
      }
      continue;
    }
    if (key == "modules") {
      if (!value.IsMap()) {
        problems.add(fmt::format("{}: modules must be a mapping of module name to settings", where(file, value)));
        continue;
      }
      for (const auto& m : value) read_module(file, m.first.as<std::string>(""), m.second, config, problems);
      continue;
    }
    if (const Option* o = find_option(key)) {
      const Ref ref = o->ref(config);
      if (value.IsSequence() && std::holds_alternative<std::vector<std::string>*>(ref)) {
        std::vector<std::string>* list = std::get<std::vector<std::string>*>(ref);
        list->clear();
        for (const auto& item : value) {
          if (!item.IsScalar()) problems.add(fmt::format("{}: {}: list items must be plain values", where(file, item), key));
          else list->push_back(item.Scalar());
        }
        continue;
      }
      if (!value.IsScalar()) {
        problems.add(fmt::format("{}: {} must be a single value", where(file, value), key));
        continue;
      }
      if (std::optional<std::string> err = set_value(ref, value.Scalar(), false))
        problems.add(fmt::format("{}: {}: {}", where(file, value), key, *err));
      continue;
    }
    if ((sections().contains(key) || is_prefix_of_option(key)) && value.IsMap()) {
      read_yaml_map(file, value, key, config, problems);
      continue;
    }
    if (value.IsNull() && sections().contains(key)) continue;  // an empty section
    problems.add(fmt::format("{}: unknown key \"{}\"{}", where(file, kv.first), key, suggestion(key, all_keys())));
  }
}

/// The peer's pve.yml: a bare mapping of module names to mappings, none of them our sections.
bool looks_like_peer_file(const YAML::Node& root) {
  if (!root.IsMap() || root.size() == 0) return false;
  for (const auto& kv : root) {
    if (sections().contains(kv.first.as<std::string>(""))) return false;
    if (!kv.second.IsMap()) return false;
  }
  return true;
}

void read_file(const std::string& file, Config& config, Problems& problems, std::vector<std::string>& warnings) {
  std::ifstream in(file);
  if (!in) {
    problems.add(fmt::format("{}: cannot read config file: {}", file, std::strerror(errno)));
    return;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    problems.add(fmt::format("{}:{}: invalid YAML: {}", file, e.mark.line + 1, e.msg));
    return;
  }
  if (root.IsNull()) {
    problems.add(fmt::format("{}: config file is empty", file));
    return;
  }
  if (!root.IsMap()) {
    problems.add(fmt::format("{}: the config file must be a mapping of keys to values", file));
    return;
  }
  try {
    if (looks_like_peer_file(root)) {
      for (const auto& m : root) read_module(file, m.first.as<std::string>(""), m.second, config, problems);
    } else {
      read_yaml_map(file, root, "", config, problems);
    }
  } catch (const YAML::Exception& e) {
    problems.add(fmt::format("{}:{}: {}", file, e.mark.line + 1, e.msg));
  }
  // A file holding secrets that others can read is worth a warning.
  struct stat st {};
  const bool has_secret = !config.api.password.empty() || !config.api.token_secret.empty() ||
                          std::any_of(config.modules.begin(), config.modules.end(), [](const auto& m) {
                            return !m.second.password.empty() || !m.second.token_value.empty();
                          });
  if (has_secret && ::stat(file.c_str(), &st) == 0 && (st.st_mode & S_IROTH) != 0)
    warnings.push_back(fmt::format("config file {} holds secrets and is readable by other users; chmod o-r it", file));
}

// ---- validation ------------------------------------------------------------------------

std::optional<std::string> read_secret_file(const std::string& path, std::string& into) {
  std::ifstream in(path);
  if (!in) return fmt::format("cannot read {}: {}", path, std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  into = std::string(util::trim(ss.str()));
  if (into.empty()) return fmt::format("{} is empty", path);
  return std::nullopt;
}

void finalize(Config& c, Problems& problems) {
  ApiConfig& api = c.api;
  // host:port and [v6]:port in api.host.
  if (!api.host.empty()) {
    std::string_view h = api.host;
    if (h.starts_with("https://")) h.remove_prefix(8);
    while (h.ends_with("/")) h.remove_suffix(1);
    std::string host(h);
    if (h.starts_with("[")) {
      const size_t close = h.find(']');
      if (close == std::string_view::npos) {
        problems.add(fmt::format("api.host: \"{}\" has an unclosed [", api.host));
      } else {
        host = std::string(h.substr(1, close - 1));
        std::string_view rest = h.substr(close + 1);
        if (rest.starts_with(":")) {
          std::optional<int64_t> p = util::parse_int(rest.substr(1));
          if (!p || *p < 1 || *p > 65535) problems.add(fmt::format("api.host: bad port in \"{}\"", api.host));
          else api.port = static_cast<int>(*p);
        }
      }
    } else if (std::count(h.begin(), h.end(), ':') == 1) {
      const size_t colon = h.find(':');
      host = std::string(h.substr(0, colon));
      std::optional<int64_t> p = util::parse_int(h.substr(colon + 1));
      if (!p || *p < 1 || *p > 65535) problems.add(fmt::format("api.host: bad port in \"{}\"", api.host));
      else api.port = static_cast<int>(*p);
    }
    api.host = host;
  }
  if (api.port < 1 || api.port > 65535) problems.add(fmt::format("api.port: {} is not a valid port", api.port));

  // Secrets from files.
  if (!api.password_file.empty()) {
    if (!api.password.empty()) problems.add("api.password and api.password_file are both set; keep one");
    else if (auto err = read_secret_file(api.password_file, api.password)) problems.add("api.password_file: " + *err);
  }
  if (!api.token_secret_file.empty()) {
    if (!api.token_secret.empty()) problems.add("api.token_secret and api.token_secret_file are both set; keep one");
    else if (auto err = read_secret_file(api.token_secret_file, api.token_secret))
      problems.add("api.token_secret_file: " + *err);
  }

  if (!api.user.empty() && api.user.find('@') == std::string::npos)
    api.user += "@" + (api.realm.empty() ? std::string("pam") : api.realm);

  if (api.uses_token()) {
    if (!api.password.empty()) problems.add("api.token_id and api.password are both set; use a token or a password, not both");
    const size_t bang = api.token_id.find('!');
    const size_t at = api.token_id.find('@');
    if (bang == std::string::npos || at == std::string::npos || at > bang || bang + 1 == api.token_id.size())
      problems.add(fmt::format("api.token_id: \"{}\" must look like user@realm!tokenname", api.token_id));
    if (api.token_secret.empty()) problems.add("api.token_id is set but no api.token_secret or api.token_secret_file");
  } else if (!api.token_secret.empty()) {
    problems.add("api.token_secret is set but api.token_id is not");
  }
  if (!api.host.empty() && !api.uses_token()) {
    if (api.user.empty()) problems.add("api.host is set but neither api.token_id nor api.user is");
    else if (api.password.empty()) problems.add("api.user is set but no api.password or api.password_file");
  }
  if (!api.fingerprint.empty()) {
    std::string hex;
    for (char ch : api.fingerprint)
      if (ch != ':') hex += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos)
      problems.add("api.fingerprint: must be a SHA-256 fingerprint (64 hex digits, colons allowed)");
  }
  if (!api.ca_file.empty() && ::access(api.ca_file.c_str(), R_OK) != 0)
    problems.add(fmt::format("api.ca_file: cannot read {}", api.ca_file));
  if (api.max_in_flight == 0 || api.max_in_flight > 256) problems.add("api.max_in_flight: must be between 1 and 256");
  if (api.max_response_bytes < 1024) problems.add("api.max_response_bytes: must be at least 1KiB");

  if (c.web.listen_addresses.empty()) problems.add("web.listen_addresses: at least one address is needed");
  for (const std::string& a : c.web.listen_addresses)
    if (Result<ListenAddress> la = parse_listen_address(a); !la)
      problems.add("web.listen_addresses: " + la.error().message);
  const std::string& tp = c.web.telemetry_path;
  if (tp.empty() || tp[0] != '/' || tp == "/" || tp == "/-/healthy" || tp == "/-/ready" || tp == "/health" ||
      tp == "/pve")
    problems.add(fmt::format("web.telemetry_path: \"{}\" must start with / and not be /, /pve, /health or /-/...", tp));
  if (c.web.max_connections == 0) problems.add("web.max_connections: must be at least 1");
  static const std::vector<std::string> k_levels{"debug", "info", "warn", "error"};
  if (std::find(k_levels.begin(), k_levels.end(), c.log.level) == k_levels.end())
    problems.add(fmt::format("log.level: \"{}\" is not one of debug, info, warn, error{}", c.log.level,
                             suggestion(c.log.level, k_levels)));
  if (c.log.format != "logfmt" && c.log.format != "json")
    problems.add(fmt::format("log.format: \"{}\" is not logfmt or json", c.log.format));
  if (c.scrape.timeout.count() <= 0) problems.add("scrape.timeout: must be positive");
  if (c.zfs.command_timeout.count() <= 0) problems.add("zfs.command_timeout: must be positive");
  c.host.procfs = c.zfs.procfs;

  for (const auto& [name, m] : c.modules) {
    if (m.user.empty()) problems.add(fmt::format("modules.{}: user is required", name));
    const bool token = !m.token_name.empty() || !m.token_value.empty();
    if (token && (m.token_name.empty() || m.token_value.empty()))
      problems.add(fmt::format("modules.{}: token_name and token_value go together", name));
    if (token && !m.password.empty()) problems.add(fmt::format("modules.{}: use a token or a password, not both", name));
    if (!token && m.password.empty()) problems.add(fmt::format("modules.{}: needs a password or token_name and token_value", name));
  }
}

// ---- command line ----------------------------------------------------------------------

struct FlagValues {
  std::map<std::string, std::vector<std::string>> values;  // option key -> given values
  std::map<std::string, bool> bools;
  std::map<std::string, bool> collectors;
  bool disable_defaults = false;
  std::string config_file;
  bool check = false;
  bool version = false;
};

// ---- prometheus-pve-exporter's flags (the /pve compatibility profile) ------------------

struct CompatFlags {
  std::map<std::string, bool> collectors;  // the peer's names that no native collector has
  std::string keyfile, certfile;
};

/// Registers --collector.X / --no-collector.X for the peer's collector names that the native
/// loop did not register (a shared name such as `node` is one flag that sets both), and the
/// peer's --server.keyfile / --server.certfile.
void add_compat_flags(CLI::App& app, CompatFlags& flags) {
  for (const compat::CompatCollector& c : compat::collectors()) {
    const std::string name(c.spec.name);
    if (collectors::find_collector(name) != nullptr) continue;
    app.add_flag(fmt::format("--collector.{},!--no-collector.{}", name, name), flags.collectors[name],
                 fmt::format("/pve (prometheus-pve-exporter profile): {} (default: on)", c.spec.help));
  }
  app.add_option("--server.keyfile", flags.keyfile, "TLS key file for serving HTTPS (prometheus-pve-exporter's flag).");
  app.add_option("--server.certfile", flags.certfile,
                 "TLS certificate file for serving HTTPS (prometheus-pve-exporter's flag).");
}

/// Copies the given compat flags into `config`; a shared name takes the native flag's value.
void apply_compat_flags(const CLI::App& app, const CompatFlags& flags, const std::map<std::string, bool>& native,
                        Config& config, Problems& problems) {
  for (const compat::CompatCollector& c : compat::collectors()) {
    const std::string name(c.spec.name);
    if (app.get_option("--collector." + name)->count() == 0) continue;
    const bool shared = collectors::find_collector(name) != nullptr;
    config.compat_collectors[name] = shared ? native.at(name) : flags.collectors.at(name);
  }
  config.server_keyfile = flags.keyfile;
  config.server_certfile = flags.certfile;
  if (config.server_keyfile.empty() != config.server_certfile.empty())
    problems.add("flags --server.keyfile and --server.certfile go together");
}

}  // namespace

Result<milliseconds> parse_duration(std::string_view text) {
  std::string_view t = util::trim(text);
  if (t.empty()) return fail(ErrorKind::config, "empty duration");
  if (std::optional<double> secs = util::parse_double(t)) {
    if (*secs < 0) return fail(ErrorKind::config, fmt::format("\"{}\" is negative", text));
    return milliseconds(static_cast<int64_t>(*secs * 1000));
  }
  double total_ms = 0;
  while (!t.empty()) {
    size_t i = 0;
    while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.')) ++i;
    std::optional<double> n = util::parse_double(t.substr(0, i));
    if (!n) return fail(ErrorKind::config, fmt::format("\"{}\" is not a duration (e.g. 500ms, 10s, 2m)", text));
    t.remove_prefix(i);
    size_t j = 0;
    while (j < t.size() && std::isalpha(static_cast<unsigned char>(t[j]))) ++j;
    const std::string_view unit = t.substr(0, j);
    t.remove_prefix(j);
    double factor = 0;
    if (unit == "ms") factor = 1;
    else if (unit == "s") factor = 1000;
    else if (unit == "m") factor = 60000;
    else if (unit == "h") factor = 3600000;
    else return fail(ErrorKind::config, fmt::format("\"{}\" is not a duration (e.g. 500ms, 10s, 2m)", text));
    total_ms += *n * factor;
  }
  return milliseconds(static_cast<int64_t>(total_ms));
}

Result<size_t> parse_size(std::string_view text) {
  std::string_view t = util::trim(text);
  size_t i = 0;
  while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
  std::optional<uint64_t> n = util::parse_uint(t.substr(0, i));
  const std::string unit = util::to_lower(util::trim(t.substr(i)));
  uint64_t factor = 0;
  if (unit.empty() || unit == "b") factor = 1;
  else if (unit == "kib" || unit == "k") factor = 1024;
  else if (unit == "mib" || unit == "m") factor = 1024 * 1024;
  else if (unit == "gib" || unit == "g") factor = 1024ull * 1024 * 1024;
  else if (unit == "kb") factor = 1000;
  else if (unit == "mb") factor = 1000 * 1000;
  else if (unit == "gb") factor = 1000ull * 1000 * 1000;
  if (!n || factor == 0) return fail(ErrorKind::config, fmt::format("\"{}\" is not a size (e.g. 65536, 64KiB, 256MiB)", text));
  return static_cast<size_t>(*n * factor);
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  ListenAddress a;
  std::string_view port;
  if (text.starts_with("[")) {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return fail(ErrorKind::config, fmt::format("\"{}\" is not [address]:port", text));
    a.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail(ErrorKind::config, fmt::format("\"{}\" has no :port", text));
    if (text.substr(0, colon).find(':') != std::string_view::npos)
      return fail(ErrorKind::config, fmt::format("\"{}\": write IPv6 addresses as [address]:port", text));
    a.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  std::optional<int64_t> p = util::parse_int(port);
  if (!p || *p < 0 || *p > 65535) return fail(ErrorKind::config, fmt::format("\"{}\" has no valid port", text));
  a.port = static_cast<int>(*p);
  return a;
}

std::vector<OptionDoc> option_docs() {
  std::vector<OptionDoc> out;
  Config defaults;
  for (const Option& o : options()) {
    std::string env = env_of(o);
    for (const std::string& a : o.env_aliases) env += ", " + a;
    out.push_back(OptionDoc{o.key, flag_of(o), env, describe_value(o.ref(defaults)), o.help});
  }
  return out;
}

std::string describe(const Config& config) {
  Config copy = config;
  std::string out = "# effective configuration (secrets redacted)\n";
  std::string section;
  for (const Option& o : options()) {
    const size_t dot = o.key.find('.');
    const std::string sec = o.key.substr(0, dot);
    if (sec != section) {
      out += sec + ":\n";
      section = sec;
    }
    const Ref ref = o.ref(copy);
    const std::string value = describe_value(ref);
    const bool textual = std::holds_alternative<std::string*>(ref) || std::holds_alternative<std::vector<std::string>*>(ref);
    const std::string shown = o.secret && !value.empty() ? "<redacted>" : textual ? fmt::format("{:?}", value) : value;
    out += fmt::format("  {}: {}\n", o.key.substr(dot + 1), shown);
  }
  out += "collectors:\n";
  for (const auto& spec : collectors::registry()) {
    auto it = config.collectors.find(std::string(spec.name));
    const bool on = it != config.collectors.end()
                        ? it->second
                        : !config.collectors_disable_defaults && spec.default_state == collectors::Default::enabled;
    out += fmt::format("  {}: {}\n", spec.name, on ? "true" : "false");
  }
  if (!config.modules.empty()) {
    out += "modules:\n";
    for (const auto& [name, m] : config.modules) {
      out += fmt::format("  {}:\n    user: {:?}\n", name, m.user);
      if (!m.password.empty()) out += "    password: <redacted>\n";
      if (!m.token_name.empty()) out += fmt::format("    token_name: {:?}\n", m.token_name);
      if (!m.token_value.empty()) out += "    token_value: <redacted>\n";
      out += fmt::format("    verify_ssl: {}\n    timeout: {}ms\n", m.verify_ssl, m.timeout.count());
      if (m.port) out += fmt::format("    port: {}\n", *m.port);
    }
  }
  return out;
}

Result<Loaded> load(int argc, const char* const* argv, const Getenv& getenv) {
  Loaded loaded;
  Config& config = loaded.config;
  Problems problems;
  FlagValues flags;

  CLI::App app{"pve-exporter: a Prometheus exporter for Proxmox VE (node, guest, storage, cluster and ZFS metrics).",
               "pve-exporter"};
  app.get_formatter()->column_width(44);
  app.add_option("--config.file", flags.config_file, "YAML configuration file. [env: PVE_EXPORTER_CONFIG_FILE]");
  app.add_flag("--config.check", flags.check, "Print the effective configuration (secrets redacted) and exit 0 if valid, 1 if not.");
  app.add_flag("--version", flags.version, "Print the version and exit.");
  const Config defaults;
  Config defaults_copy = defaults;
  for (const Option& o : options()) {
    const Ref ref = o.ref(defaults_copy);
    const std::string env = env_of(o);
    std::string env_text = env;
    for (const std::string& a : o.env_aliases) env_text += ", " + a;
    const std::string help = fmt::format("{} [env: {}]", o.help, env_text);
    if (std::holds_alternative<bool*>(ref)) {
      std::string f = flag_of(o);
      const std::string name = f + ",!--no-" + f.substr(2);
      CLI::Option* opt = app.add_flag(name, flags.bools[o.key], help);
      opt->default_str(describe_value(ref));
    } else {
      CLI::Option* opt = app.add_option(flag_of(o), flags.values[o.key], help);
      if (!std::holds_alternative<std::vector<std::string>*>(ref)) opt->expected(1);
      opt->default_str(o.secret ? "" : describe_value(ref));
    }
  }
  app.add_flag("--collector.disable-defaults", flags.disable_defaults,
               "Turn off every collector that is on by default; enable the ones wanted with --collector.NAME.");
  for (const auto& spec : collectors::registry()) {
    const std::string name(spec.name);
    app.add_flag(fmt::format("--collector.{},!--no-collector.{}", name, name), flags.collectors[name],
                 fmt::format("{} (default: {})", spec.help, spec.default_state == collectors::Default::enabled ? "on" : "off"));
  }

  CompatFlags compat_flags;
  add_compat_flags(app, compat_flags);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    loaded.action = Action::help;
    loaded.output = app.help();
    return loaded;
  } catch (const CLI::ParseError& e) {
    return fail(ErrorKind::config, fmt::format("flags: {} (see --help)", e.what()));
  }
  if (flags.version) {
    const BuildInfo& b = build_info();
    loaded.action = Action::version;
    loaded.output = fmt::format("pve-exporter version {} (revision {}, branch {}, {})\n", b.version, b.revision,
                                b.branch, b.compiler);
    return loaded;
  }

  // 1. File (flag wins over the environment for the file name).
  if (flags.config_file.empty())
    if (const char* f = getenv("PVE_EXPORTER_CONFIG_FILE")) flags.config_file = f;
  config.config_file = flags.config_file;
  if (!config.config_file.empty()) read_file(config.config_file, config, problems, loaded.warnings);

  // 2. Environment: the canonical name wins over the aliases.
  for (const Option& o : options()) {
    std::vector<std::string> names{env_of(o)};
    names.insert(names.end(), o.env_aliases.begin(), o.env_aliases.end());
    for (const std::string& name : names) {
      const char* v = getenv(name.c_str());
      if (v == nullptr) continue;
      if (std::optional<std::string> err = set_value(o.ref(config), v, false))
        problems.add(fmt::format("environment {}: {}", name, o.secret ? "invalid value" : *err));
      break;
    }
  }
  // The peer's environment (PVE_USER with PVE_TOKEN_NAME/PVE_PASSWORD) defines a module.
  if (const char* user = getenv("PVE_USER")) {
    Module m;
    m.user = user;
    if (const char* v = getenv("PVE_PASSWORD")) m.password = v;
    if (const char* v = getenv("PVE_TOKEN_NAME")) m.token_name = v;
    if (const char* v = getenv("PVE_TOKEN_VALUE")) m.token_value = v;
    if (const char* v = getenv("PVE_VERIFY_SSL")) m.verify_ssl = util::parse_bool(v).value_or(true);
    const char* module = getenv("PVE_MODULE");
    if (!m.password.empty() || !m.token_name.empty()) config.modules[module ? module : "default"] = m;
  }

  // 3. Flags.
  for (const Option& o : options()) {
    const Ref ref = o.ref(config);
    if (std::holds_alternative<bool*>(ref)) {
      if (app.get_option(flag_of(o))->count() > 0) *std::get<bool*>(ref) = flags.bools[o.key];
      continue;
    }
    const std::vector<std::string>& given = flags.values[o.key];
    for (size_t i = 0; i < given.size(); ++i)
      if (std::optional<std::string> err = set_value(ref, given[i], i > 0))
        problems.add(fmt::format("flag {}: {}", flag_of(o), o.secret ? "invalid value" : *err));
  }
  if (flags.disable_defaults) config.collectors_disable_defaults = true;
  for (const auto& spec : collectors::registry()) {
    const std::string name(spec.name);
    if (app.get_option("--collector." + name)->count() > 0) config.collectors[name] = flags.collectors[name];
  }
  apply_compat_flags(app, compat_flags, flags.collectors, config, problems);

  finalize(config, problems);
  if (flags.check) {
    loaded.action = Action::check;
    loaded.output = describe(config);
  }
  if (!problems.list.empty()) {
    std::string msg;
    for (const std::string& p : problems.list) msg += (msg.empty() ? "" : "\n") + p;
    Error e{ErrorKind::config, msg};
    return fail(e);
  }
  return loaded;
}

Result<Loaded> load(int argc, const char* const* argv) {
  return load(argc, argv, [](const char* name) { return std::getenv(name); });
}

}  // namespace pvex::config
