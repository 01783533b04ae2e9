// Golden-file and fixture helpers for tests.
#include "support/golden.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace pvex::testing {

std::string test_path(std::string_view relative) {
  return std::string(PVEX_SOURCE_DIR) + "/tests/" + std::string(relative);
}

std::string read_test_file(std::string_view relative) {
  std::ifstream in(test_path(relative), std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read test file " << test_path(relative);
    return {};
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {
std::vector<std::string> lines_of(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}
}  // namespace

::testing::AssertionResult matches_golden(std::string_view name, std::string_view actual) {
  const std::string path = test_path("golden/" + std::string(name));
  const char* update = std::getenv("UPDATE_GOLDEN");
  if (update != nullptr && std::string_view(update) == "1") {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << actual;
    return ::testing::AssertionSuccess() << "rewrote " << path;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return ::testing::AssertionFailure() << "no golden file " << path << " (run with UPDATE_GOLDEN=1)";
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string expected = ss.str();
  if (expected == actual) return ::testing::AssertionSuccess();
  const std::vector<std::string> e = lines_of(expected), a = lines_of(actual);
  auto failure = ::testing::AssertionFailure();
  failure << "output differs from " << path << " (UPDATE_GOLDEN=1 rewrites it)\n";
  size_t shown = 0;
  for (size_t i = 0; i < std::max(e.size(), a.size()) && shown < 40; ++i) {
    const std::string* el = i < e.size() ? &e[i] : nullptr;
    const std::string* al = i < a.size() ? &a[i] : nullptr;
    if (el && al && *el == *al) continue;
    failure << "line " << i + 1 << ":\n";
    if (el) failure << "  - " << *el << "\n";
    if (al) failure << "  + " << *al << "\n";
    ++shown;
  }
  return failure;
}

}  // namespace pvex::testing
