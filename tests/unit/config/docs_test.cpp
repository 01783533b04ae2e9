// Keeps docs/configuration.md and the README true to the option table and the collector registry.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "collectors/collector.hpp"
#include "config/load.hpp"
#include "support/golden.hpp"

namespace pvex::config {
namespace {

const char* const k_begin = "<!-- BEGIN GENERATED OPTIONS (tests/unit/config/docs_test.cpp; UPDATE_GOLDEN=1 rewrites) -->\n";
const char* const k_end = "<!-- END GENERATED OPTIONS -->\n";

std::string options_table() {
  std::string t = "| YAML key | flag | environment | default | meaning |\n| --- | --- | --- | --- | --- |\n";
  for (const OptionDoc& o : option_docs()) {
    std::string def = o.default_value.empty() ? "" : "`" + o.default_value + "`";
    t += "| `" + o.key + "` | `" + o.flag + "` | `" + o.env + "` | " + def + " | " + o.help + " |\n";
  }
  return t;
}

std::string read_source_file(const std::string& relative) {
  std::ifstream in(std::string(PVEX_SOURCE_DIR) + "/" + relative);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Compares the text between `begin` and `end` markers of a source file with `expected`;
/// UPDATE_GOLDEN=1 rewrites it.
void check_generated_section(const std::string& relative, const std::string& begin_marker,
                             const std::string& end_marker, const std::string& expected) {
  const std::string path = std::string(PVEX_SOURCE_DIR) + "/" + relative;
  std::string doc = read_source_file(relative);
  const size_t begin = doc.find(begin_marker);
  const size_t end = doc.find(end_marker);
  ASSERT_NE(begin, std::string::npos) << relative << " lacks the marker " << begin_marker;
  ASSERT_NE(end, std::string::npos) << relative << " lacks the marker " << end_marker;
  const size_t from = begin + begin_marker.size();
  if (const char* u = std::getenv("UPDATE_GOLDEN"); u != nullptr && std::string(u) == "1") {
    doc.replace(from, end - from, expected);
    std::ofstream(path) << doc;
    return;
  }
  EXPECT_EQ(doc.substr(from, end - from), expected) << relative << " is out of date (UPDATE_GOLDEN=1 rewrites it)";
}

std::string collectors_table() {
  std::string t = "| collector | default | needs the PVE API | what |\n| --- | --- | --- | --- |\n";
  for (const collectors::CollectorSpec& spec : collectors::registry()) {
    t += "| `" + std::string(spec.name) + "` | " +
         (spec.default_state == collectors::Default::enabled ? "on" : "off") + " | " +
         (spec.needs_api == collectors::NeedsApi::yes ? "yes" : "no") + " | " + std::string(spec.help) + " |\n";
  }
  return t;
}

TEST(Docs, ConfigurationReferenceMatchesTheOptionTable) {
  check_generated_section("docs/configuration.md", k_begin, k_end, options_table());
}

TEST(Docs, CollectorTablesMatchTheRegistry) {
  const std::string begin = "<!-- BEGIN GENERATED COLLECTORS (tests/unit/config/docs_test.cpp; UPDATE_GOLDEN=1 rewrites) -->\n";
  const std::string end = "<!-- END GENERATED COLLECTORS -->\n";
  check_generated_section("README.md", begin, end, collectors_table());
  check_generated_section("docs/configuration.md", begin, end, collectors_table());
}

}  // namespace
}  // namespace pvex::config
