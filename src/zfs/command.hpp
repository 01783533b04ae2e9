// Running zpool/zfs: fork/exec without a shell, output captured, killed at a deadline.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace pvex::zfs {

struct CommandOutput {
  int exit_code = 0;
  std::string out;
  std::string err;
};

/// Runs `argv` (argv[0] searched in PATH unless it contains a '/') in its own process group
/// with stdin from /dev/null and LC_ALL=C, capturing stdout and stderr (each up to
/// `max_output` bytes). At `deadline` the whole process group is killed with SIGKILL and the
/// call fails with ErrorKind::timeout. A program that does not exist fails with
/// ErrorKind::not_found; other start failures with io; oversized output with parse. A non-zero
/// exit status is not an error here: see `exit_code`.
Result<CommandOutput> run_command(const std::vector<std::string>& argv,
                                  std::chrono::steady_clock::time_point deadline,
                                  size_t max_output = 64 << 20);

/// The first line of `err` (or "exit status N"), for error messages.
std::string describe_failure(const std::vector<std::string>& argv, const CommandOutput& out);

}  // namespace pvex::zfs
