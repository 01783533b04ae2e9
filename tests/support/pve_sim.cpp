// SimProcess: spawn, wait for the port file, query the admin endpoints, stop.
#include "support/pve_sim.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <httplib.h>

#include "util/strings.hpp"

namespace pvex::testing {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Waits up to `timeout` for the child to exit; true if it did.
bool wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid || r < 0) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

Result<SimProcess> SimProcess::start(std::vector<std::string> extra_args) {
  SimProcess sim;
  std::string tmpl = (std::filesystem::temp_directory_path() / "pve-sim-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr)
    return fail(ErrorKind::io, "cannot create a temporary directory");
  sim.m_dir = tmpl;
  std::string binary = std::string(PVEX_BINARY_DIR) + "/tools/pve-sim/pve-sim";
  std::string port_file = sim.m_dir + "/port";
  std::string stdout_file = sim.m_dir + "/stdout";
  std::vector<std::string> args = {binary,    "--listen",   "127.0.0.1:0", "--port-file",
                                   port_file, "--cert-out", sim.ca_file()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  // fork + exec rather than posix_spawn: the child asks to get SIGTERM when the test process
  // dies, so a crashed test leaves no simulator behind. Only async-signal-safe calls after fork.
  pid_t pid = fork();
  if (pid < 0) return fail(ErrorKind::io, std::string("cannot fork: ") + std::strerror(errno));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    int fd = open(stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      close(fd);
    }
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  sim.m_pid = pid;

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (true) {
    std::string port_text = read_file(port_file);
    if (!port_text.empty()) {
      std::optional<int64_t> port = util::parse_int(util::trim(port_text));
      if (!port) return fail(ErrorKind::io, "pve-sim wrote a bad port file: " + port_text);
      sim.m_port = static_cast<int>(*port);
      break;
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      sim.m_pid = -1;
      return fail(ErrorKind::io, "pve-sim exited early (status " + std::to_string(status) + ")");
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return fail(ErrorKind::timeout, "pve-sim did not write its port file within 10 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::istringstream out(read_file(stdout_file));
  for (std::string line; std::getline(out, line);)
    if (line.rfind("fingerprint: ", 0) == 0) sim.m_fingerprint = line.substr(13);
  return sim;
}

SimProcess::SimProcess(SimProcess&& other) noexcept {
  *this = std::move(other);
}

SimProcess& SimProcess::operator=(SimProcess&& other) noexcept {
  if (this != &other) {
    stop();
    m_pid = other.m_pid;
    m_port = other.m_port;
    m_dir = std::move(other.m_dir);
    m_fingerprint = std::move(other.m_fingerprint);
    other.m_pid = -1;
    other.m_dir.clear();
  }
  return *this;
}

SimProcess::~SimProcess() {
  stop();
}

void SimProcess::stop() {
  if (m_pid > 0) {
    kill(m_pid, SIGTERM);
    if (!wait_exit(m_pid, std::chrono::seconds(5))) {
      kill(m_pid, SIGKILL);
      waitpid(m_pid, nullptr, 0);
    }
    m_pid = -1;
  }
  if (!m_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
    m_dir.clear();
  }
}

std::string SimProcess::base_url() const {
  return "https://127.0.0.1:" + std::to_string(m_port);
}

Result<SimStats> SimProcess::stats() const {
  httplib::SSLClient client(host(), m_port);
  client.set_ca_cert_path(ca_file().c_str());
  client.enable_server_certificate_verification(true);
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(std::chrono::seconds(5));
  httplib::Result res = client.Get("/_sim/stats");
  if (!res) return fail(ErrorKind::io, "GET /_sim/stats: " + httplib::to_string(res.error()));
  if (res->status != 200)
    return fail(ErrorKind::http, "GET /_sim/stats: HTTP " + std::to_string(res->status));
  // Parsed by hand: the format is our own and flat, and the support library does not carry
  // simdjson's compile definitions.
  SimStats stats;
  const std::string& body = res->body;
  auto number_after = [&](std::string_view key) -> std::optional<uint64_t> {
    size_t at = body.find("\"" + std::string(key) + "\":");
    if (at == std::string::npos) return std::nullopt;
    size_t begin = at + key.size() + 3;
    size_t end = body.find_first_not_of("0123456789", begin);
    return util::parse_uint(std::string_view(body).substr(begin, end - begin));
  };
  std::optional<uint64_t> total = number_after("requests_total");
  std::optional<uint64_t> max = number_after("max_in_flight");
  std::optional<uint64_t> logins = number_after("logins");
  size_t paths_at = body.find("\"paths\":{");
  if (!total || !max || !logins || paths_at == std::string::npos)
    return fail(ErrorKind::parse, "GET /_sim/stats: unexpected answer " + body);
  stats.requests_total = *total;
  stats.max_in_flight = *max;
  stats.logins = *logins;
  size_t pos = paths_at + 9;
  while (pos < body.size() && body[pos] == '"') {
    size_t key_end = body.find('"', pos + 1);
    if (key_end == std::string::npos || key_end + 1 >= body.size() || body[key_end + 1] != ':')
      break;
    size_t value_end = body.find_first_not_of("0123456789", key_end + 2);
    std::optional<uint64_t> count =
        util::parse_uint(std::string_view(body).substr(key_end + 2, value_end - key_end - 2));
    if (!count) break;
    stats.paths[body.substr(pos + 1, key_end - pos - 1)] = *count;
    pos = value_end < body.size() && body[value_end] == ',' ? value_end + 1 : value_end;
  }
  return stats;
}

Result<void> SimProcess::reset() const {
  httplib::SSLClient client(host(), m_port);
  client.set_ca_cert_path(ca_file().c_str());
  client.enable_server_certificate_verification(true);
  client.set_connection_timeout(std::chrono::seconds(5));
  httplib::Result res = client.Post("/_sim/reset");
  if (!res) return fail(ErrorKind::io, "POST /_sim/reset: " + httplib::to_string(res.error()));
  if (res->status != 200)
    return fail(ErrorKind::http, "POST /_sim/reset: HTTP " + std::to_string(res->status));
  return {};
}

}  // namespace pvex::testing
