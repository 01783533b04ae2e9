// Parsing of the --web.config.file YAML; yaml-cpp exceptions end here.
#include "config/web_config.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include "util/strings.hpp"

namespace pvex::config {
namespace {

// The response headers exporter-toolkit lets a web config set; anything else is refused there
// and here, so one file works with both.
constexpr std::array<std::string_view, 5> k_allowed_headers{
    "Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options", "X-XSS-Protection",
    "Content-Security-Policy"};

struct Named {
  std::string_view name;
  int value;
};

constexpr std::array<Named, 5> k_client_auth_names{{
    {"NoClientCert", static_cast<int>(ClientAuth::no_client_cert)},
    {"RequestClientCert", static_cast<int>(ClientAuth::request_client_cert)},
    {"RequireAnyClientCert", static_cast<int>(ClientAuth::require_any_client_cert)},
    {"VerifyClientCertIfGiven", static_cast<int>(ClientAuth::verify_client_cert_if_given)},
    {"RequireAndVerifyClientCert", static_cast<int>(ClientAuth::require_and_verify_client_cert)},
}};

constexpr std::array<Named, 4> k_tls_version_names{{
    {"TLS10", static_cast<int>(TlsVersion::tls10)},
    {"TLS11", static_cast<int>(TlsVersion::tls11)},
    {"TLS12", static_cast<int>(TlsVersion::tls12)},
    {"TLS13", static_cast<int>(TlsVersion::tls13)},
}};

template <size_t N>
std::string join_names(const std::array<Named, N>& table) {
  std::string out;
  for (const Named& entry : table) {
    if (!out.empty()) out += ", ";
    out += entry.name;
  }
  return out;
}

template <size_t N>
std::string_view name_of(const std::array<Named, N>& table, int value) {
  for (const Named& entry : table)
    if (entry.value == value) return entry.name;
  return "?";
}

// Collects every problem of one file, each with its key path and line.
class Parser {
 public:
  explicit Parser(std::string_view base_dir) : m_base_dir(base_dir) {}

  std::vector<std::string>& errors() { return m_errors; }

  void error(const YAML::Node& at, std::string_view key, std::string_view what) {
    m_errors.push_back(fmt::format("{}{}: {}", key, line_of(at), what));
  }

  // Calls `on_key(key, value)` for each entry of a mapping; reports unknown keys.
  template <class F>
  void for_each_key(const YAML::Node& map, std::string_view prefix,
                    const std::vector<std::string>& known, F&& on_key) {
    if (!map.IsMap()) {
      if (!map.IsNull()) error(map, prefix, "expected a mapping");
      return;
    }
    for (YAML::const_iterator it = map.begin(); it != map.end(); ++it) {
      std::string key = it->first.Scalar();
      std::string path = prefix.empty() ? key : fmt::format("{}.{}", prefix, key);
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        std::string hint = util::closest_match(key, known);
        error(it->first, path,
              hint.empty() ? std::string("unknown key")
                           : fmt::format("unknown key (did you mean '{}'?)", hint));
        continue;
      }
      on_key(key, path, it->second);
    }
  }

  std::string scalar(const YAML::Node& node, std::string_view path) {
    if (node.IsNull()) return {};
    if (!node.IsScalar()) {
      error(node, path, "expected a string");
      return {};
    }
    return node.Scalar();
  }

  bool boolean(const YAML::Node& node, std::string_view path, bool fallback) {
    if (node.IsNull()) return fallback;
    std::optional<bool> value = node.IsScalar() ? util::parse_bool(node.Scalar()) : std::nullopt;
    if (!value) {
      error(node, path, "expected true or false");
      return fallback;
    }
    return *value;
  }

  std::string file_path(const YAML::Node& node, std::string_view path) {
    std::string value = scalar(node, path);
    if (value.empty()) return value;
    std::filesystem::path p(value);
    if (p.is_relative() && !m_base_dir.empty()) p = std::filesystem::path(m_base_dir) / p;
    return p.lexically_normal().string();
  }

  template <size_t N>
  std::optional<int> enumerated(const YAML::Node& node, std::string_view path,
                                const std::array<Named, N>& table) {
    std::string value = scalar(node, path);
    if (value.empty()) return std::nullopt;
    for (const Named& entry : table)
      if (entry.name == value) return entry.value;
    error(node, path,
          fmt::format("unknown value '{}'; expected one of {}", value, join_names(table)));
    return std::nullopt;
  }

 private:
  static std::string line_of(const YAML::Node& node) {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null()) return {};
    return fmt::format(" (line {})", mark.line + 1);
  }

  std::string m_base_dir;
  std::vector<std::string> m_errors;
};

bool is_bcrypt_hash(std::string_view hash) {
  // $2b$10$ followed by 22 characters of salt and 31 of hash, all in bcrypt's base64 alphabet.
  if (hash.size() != 60 || hash[0] != '$' || hash[1] != '2' || hash[3] != '$' || hash[6] != '$')
    return false;
  if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return false;
  if (hash[4] < '0' || hash[4] > '3' || hash[5] < '0' || hash[5] > '9') return false;
  return std::all_of(hash.begin() + 7, hash.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '/';
  });
}

void parse_tls(Parser& p, const YAML::Node& node, WebConfigFile& out) {
  bool auth_given = false;
  YAML::Node auth_node = node;
  const std::vector<std::string> known{"cert_file",
                                       "key_file",
                                       "client_ca_file",
                                       "client_auth_type",
                                       "min_version",
                                       "max_version",
                                       "cipher_suites",
                                       "curve_preferences",
                                       "prefer_server_cipher_suites",
                                       "client_allowed_sans",
                                       "cert",
                                       "key"};
  p.for_each_key(node, "tls_server_config", known,
                 [&](const std::string& key, const std::string& path, const YAML::Node& value) {
                   TlsServerConfig& tls = out.tls;
                   if (key == "cert_file") {
                     tls.cert_file = p.file_path(value, path);
                   } else if (key == "key_file") {
                     tls.key_file = p.file_path(value, path);
                   } else if (key == "client_ca_file") {
                     tls.client_ca_file = p.file_path(value, path);
                   } else if (key == "client_auth_type") {
                     if (std::optional<int> v = p.enumerated(value, path, k_client_auth_names)) {
                       tls.client_auth = static_cast<ClientAuth>(*v);
                       auth_given = true;
                       auth_node.reset(value);  // not `=`: that would assign into the tree
                     }
                   } else if (key == "min_version") {
                     if (std::optional<int> v = p.enumerated(value, path, k_tls_version_names))
                       tls.min_version = static_cast<TlsVersion>(*v);
                   } else if (key == "max_version") {
                     if (std::optional<int> v = p.enumerated(value, path, k_tls_version_names))
                       tls.max_version = static_cast<TlsVersion>(*v);
                   } else if (key == "prefer_server_cipher_suites") {
                     tls.prefer_server_cipher_suites = p.boolean(value, path, true);
                   } else if (!value.IsNull()) {
                     // Go-specific names (cipher suites, curves), SAN allow-lists and inline PEM
                     // have no faithful OpenSSL mapping here: refuse rather than ignore silently.
                     p.error(value, path,
                             "not supported by pve-exporter; remove it (OpenSSL's defaults apply)");
                   }
                 });
  if (!node.IsMap()) return;
  TlsServerConfig& tls = out.tls;
  if (tls.cert_file.empty() && tls.key_file.empty()) {
    if (!tls.client_ca_file.empty() || auth_given)
      p.error(node, "tls_server_config", "client certificates need cert_file and key_file");
    return;
  }
  if (tls.cert_file.empty()) p.error(node, "tls_server_config.cert_file", "missing");
  if (tls.key_file.empty()) p.error(node, "tls_server_config.key_file", "missing");
  if (static_cast<int>(tls.min_version) > static_cast<int>(tls.max_version))
    p.error(node, "tls_server_config.min_version", "is above max_version");
  // As in exporter-toolkit: a client CA without a policy means "require and verify".
  if (!auth_given && !tls.client_ca_file.empty())
    tls.client_auth = ClientAuth::require_and_verify_client_cert;
  bool verifies = tls.client_auth == ClientAuth::verify_client_cert_if_given ||
                  tls.client_auth == ClientAuth::require_and_verify_client_cert;
  if (verifies && tls.client_ca_file.empty())
    p.error(auth_node, "tls_server_config.client_auth_type",
            fmt::format("{} needs client_ca_file", to_string(tls.client_auth)));
  if (!verifies && !tls.client_ca_file.empty())
    p.error(auth_node, "tls_server_config.client_ca_file",
            fmt::format("is set but client_auth_type {} does not verify certificates",
                        to_string(tls.client_auth)));
  out.tls_enabled = !tls.cert_file.empty() && !tls.key_file.empty();
}

void parse_http(Parser& p, const YAML::Node& node, WebConfigFile& out) {
  p.for_each_key(
      node, "http_server_config", {"headers", "http2"},
      [&](const std::string& key, const std::string& path, const YAML::Node& value) {
        if (key == "http2") {
          p.boolean(value, path, true);  // accepted for compatibility; we serve HTTP/1.1
          return;
        }
        if (!value.IsMap()) {
          if (!value.IsNull()) p.error(value, path, "expected a mapping of header: value");
          return;
        }
        for (YAML::const_iterator it = value.begin(); it != value.end(); ++it) {
          std::string name = it->first.Scalar();
          std::string hpath = fmt::format("{}.{}", path, name);
          auto allowed = std::find_if(
              k_allowed_headers.begin(), k_allowed_headers.end(),
              [&](std::string_view h) { return util::to_lower(h) == util::to_lower(name); });
          if (allowed == k_allowed_headers.end()) {
            std::string list;
            for (std::string_view h : k_allowed_headers) list += fmt::format(" {}", h);
            p.error(it->first, hpath, fmt::format("header not allowed; allowed:{}", list));
            continue;
          }
          std::string header_value = p.scalar(it->second, hpath);
          if (header_value.find_first_of("\r\n") != std::string::npos) {
            p.error(it->second, hpath, "value contains a line break");
            continue;
          }
          out.headers.emplace_back(std::string(*allowed), header_value);
        }
      });
}

void parse_users(Parser& p, const YAML::Node& node, WebConfigFile& out) {
  if (!node.IsMap()) {
    if (!node.IsNull())
      p.error(node, "basic_auth_users", "expected a mapping of user: bcrypt hash");
    return;
  }
  for (YAML::const_iterator it = node.begin(); it != node.end(); ++it) {
    std::string name = it->first.Scalar();
    std::string path = fmt::format("basic_auth_users.{}", name);
    if (name.empty() || name.find(':') != std::string::npos) {
      p.error(it->first, path, "a user name must be non-empty and contain no ':'");
      continue;
    }
    std::string hash = p.scalar(it->second, path);
    if (!is_bcrypt_hash(hash)) {
      // Never echo the value: it might be a plain password pasted by mistake.
      p.error(it->second, path,
              "not a bcrypt hash (expected $2y$/$2b$/$2a$, 60 characters; generate one with "
              "`htpasswd -nBC 10 USER`)");
      continue;
    }
    out.users.push_back(BasicAuthUser{name, hash});
  }
  std::sort(out.users.begin(), out.users.end(),
            [](const BasicAuthUser& a, const BasicAuthUser& b) { return a.name < b.name; });
}

Result<WebConfigFile> parse_document(const YAML::Node& root, std::string_view base_dir) {
  Parser p(base_dir);
  WebConfigFile out;
  p.for_each_key(root, "", {"tls_server_config", "http_server_config", "basic_auth_users"},
                 [&](const std::string& key, const std::string&, const YAML::Node& value) {
                   if (key == "tls_server_config") parse_tls(p, value, out);
                   if (key == "http_server_config") parse_http(p, value, out);
                   if (key == "basic_auth_users") parse_users(p, value, out);
                 });
  if (!p.errors().empty()) {
    std::string message;
    for (const std::string& e : p.errors()) message += (message.empty() ? "" : "\n") + e;
    return fail(ErrorKind::config, message);
  }
  return out;
}

Result<void> check_readable(const std::string& path, std::string_view key) {
  if (path.empty() || ::access(path.c_str(), R_OK) == 0) return {};
  std::error_code ec;
  bool exists = std::filesystem::exists(path, ec);
  return fail(ErrorKind::config, fmt::format("tls_server_config.{}: {} '{}'", key,
                                             exists ? "cannot read" : "no such file", path));
}

}  // namespace

std::string_view to_string(ClientAuth value) {
  return name_of(k_client_auth_names, static_cast<int>(value));
}

std::string_view to_string(TlsVersion value) {
  return name_of(k_tls_version_names, static_cast<int>(value));
}

Result<WebConfigFile> parse_web_config(std::string_view yaml, std::string_view base_dir) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    return parse_document(root, base_dir);
  } catch (const YAML::Exception& e) {
    // e.what() quotes the position and the parser's complaint, never a value of ours.
    return fail(ErrorKind::config, fmt::format("malformed YAML at line {}, column {}: {}",
                                               e.mark.line + 1, e.mark.column + 1, e.msg));
  }
}

Result<WebConfigFile> load_web_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorKind::io, fmt::format("web config '{}': cannot open", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail(ErrorKind::io, fmt::format("web config '{}': read error", path));
  std::string base_dir = std::filesystem::path(path).parent_path().string();
  Result<WebConfigFile> parsed = parse_web_config(text.str(), base_dir);
  if (!parsed) return fail(parsed.error(), fmt::format("web config '{}'", path));
  if (parsed->tls_enabled) {
    for (auto [file, key] : {std::pair{&parsed->tls.cert_file, "cert_file"},
                             std::pair{&parsed->tls.key_file, "key_file"},
                             std::pair{&parsed->tls.client_ca_file, "client_ca_file"}}) {
      Result<void> readable = check_readable(*file, key);
      if (!readable) return fail(readable.error(), fmt::format("web config '{}'", path));
    }
  }
  return parsed;
}

}  // namespace pvex::config
