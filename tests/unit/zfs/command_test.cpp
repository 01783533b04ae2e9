// Tests of run_command: output capture, exit codes, missing programs, the time limit.
#include "zfs/command.hpp"

#include <gtest/gtest.h>

#include "support/golden.hpp"

namespace pvex::zfs {
namespace {

using Clock = std::chrono::steady_clock;

Clock::time_point in(int ms) {
  return Clock::now() + std::chrono::milliseconds(ms);
}

TEST(RunCommand, CapturesStdoutStderrAndExitCode) {
  Result<CommandOutput> r = run_command({"sh", "-c", "echo out; echo err >&2; exit 3"}, in(5000));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_EQ(r->exit_code, 3);
}

TEST(RunCommand, NoShellInterpretation) {
  Result<CommandOutput> r = run_command({"echo", "$HOME;", "|", "x"}, in(5000));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->out, "$HOME; | x\n");
}

TEST(RunCommand, RunsWithCLocale) {
  Result<CommandOutput> r = run_command({"sh", "-c", "echo $LC_ALL"}, in(5000));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->out, "C\n");
}

TEST(RunCommand, MissingProgramIsNotFound) {
  Result<CommandOutput> r = run_command({"/nonexistent/zpool", "list"}, in(5000));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::not_found);
  EXPECT_EQ(run_command({"pvex-no-such-program-anywhere"}, in(5000)).error().kind,
            ErrorKind::not_found);
}

TEST(RunCommand, HangingProgramIsKilledAtTheDeadline) {
  Result<CommandOutput> r =
      run_command({testing::test_path("fixtures/zfs/bin/zpool-hang")}, in(300));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::timeout);
  EXPECT_NE(r.error().message.find("killed after its time limit"), std::string::npos);
}

TEST(RunCommand, OversizedOutputIsAnError) {
  Result<CommandOutput> r = run_command({"sh", "-c", "head -c 5000 /dev/zero"}, in(5000), 1000);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::parse);
}

TEST(DescribeFailure, UsesFirstStderrLine) {
  CommandOutput out{1, "", "Permission denied\nmore\n"};
  EXPECT_EQ(describe_failure({"zpool", "list"}, out),
            "zpool list: exit status 1: Permission denied");
  EXPECT_EQ(describe_failure({"zpool"}, CommandOutput{2, "", ""}), "zpool: exit status 2");
}

}  // namespace
}  // namespace pvex::zfs
