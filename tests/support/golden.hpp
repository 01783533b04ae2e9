// Golden-file and fixture helpers for tests: compare with tests/golden/<name>, UPDATE_GOLDEN=1 rewrites.
#pragma once

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace pvex::testing {

/// Absolute path of a file under tests/ (e.g. "fixtures/kstat/2.2/arcstats").
std::string test_path(std::string_view relative);

/// The whole content of a file under tests/; fails the test (and returns "") if unreadable.
std::string read_test_file(std::string_view relative);

/// Compares `actual` with tests/golden/<name>; with UPDATE_GOLDEN=1 in the environment the
/// golden file is rewritten instead. Returns a gtest assertion result with a unified-style diff.
::testing::AssertionResult matches_golden(std::string_view name, std::string_view actual);

}  // namespace pvex::testing
