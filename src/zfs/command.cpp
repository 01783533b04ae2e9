// run_command: posix_spawnp into a new process group, poll() both pipes, SIGKILL at the deadline.
#include "zfs/command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace pvex::zfs {
namespace {

using Clock = std::chrono::steady_clock;

/// Closes an fd on scope exit.
class Fd {
 public:
  explicit Fd(int fd = -1) : m_fd(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }
  void reset() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
  }

 private:
  int m_fd;
};

std::vector<std::string> child_environment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view v = *e;
    if (v.starts_with("LC_ALL=") || v.starts_with("LANG=") || v.starts_with("ZFS_COLOR=")) continue;
    env.emplace_back(v);
  }
  env.emplace_back("LC_ALL=C");
  return env;
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left.count(), 1000));
}

/// Waits for `pid` until the deadline; false if it is still running then.
bool reap(pid_t pid, Clock::time_point deadline, int& status) {
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) return true;  // already reaped: nothing to wait for
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

void kill_group(pid_t pid) {
  ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

Result<CommandOutput> run_command(const std::vector<std::string>& argv, Clock::time_point deadline,
                                  size_t max_output) {
  if (argv.empty()) return fail(ErrorKind::config, "empty command");
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0)
    return fail(ErrorKind::io, std::string("pipe: ") + std::strerror(errno));
  Fd out_r(out_pipe[0]), out_w(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0)
    return fail(ErrorKind::io, std::string("pipe: ") + std::strerror(errno));
  Fd err_r(err_pipe[0]), err_w(err_pipe[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_w.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err_w.get(), 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings = child_environment();
  std::vector<char*> env;
  for (std::string& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);

  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, argv[0].c_str(), &actions, &attr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    if (rc == ENOENT) return fail(ErrorKind::not_found, argv[0] + ": not installed");
    return fail(ErrorKind::io, argv[0] + ": " + std::strerror(rc));
  }
  out_w.reset();
  err_w.reset();

  CommandOutput result;
  pollfd fds[2] = {{out_r.get(), POLLIN, 0}, {err_r.get(), POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_count = 2;
  char buf[65536];
  while (open_count > 0) {
    if (Clock::now() >= deadline) {
      kill_group(pid);
      return fail(ErrorKind::timeout, argv[0] + ": killed after its time limit");
    }
    const int n = ::poll(fds, 2, remaining_ms(deadline));
    if (n < 0 && errno != EINTR) {
      kill_group(pid);
      return fail(ErrorKind::io, std::string("poll: ") + std::strerror(errno));
    }
    for (int i = 0; i < 2 && n > 0; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        fds[i].fd = -1;
        --open_count;
        continue;
      }
      if (sinks[i]->size() + static_cast<size_t>(got) > max_output) {
        kill_group(pid);
        return fail(ErrorKind::parse,
                    argv[0] + ": output larger than " + std::to_string(max_output) + " bytes");
      }
      sinks[i]->append(buf, static_cast<size_t>(got));
    }
  }
  int status = 0;
  if (!reap(pid, deadline, status)) {
    kill_group(pid);
    return fail(ErrorKind::timeout, argv[0] + ": killed after its time limit");
  }
  if (WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  else
    result.exit_code = 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return result;
}

std::string describe_failure(const std::vector<std::string>& argv, const CommandOutput& out) {
  std::string cmd;
  for (const std::string& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  std::string_view first = out.err;
  first = first.substr(0, first.find('\n'));
  if (first.empty()) return cmd + ": exit status " + std::to_string(out.exit_code);
  return cmd + ": exit status " + std::to_string(out.exit_code) + ": " + std::string(first);
}

}  // namespace pvex::zfs
