// Build identity (version, revision, branch), generated at configure time from git.
#pragma once

#include <string_view>

namespace pvex {

struct BuildInfo {
  std::string_view version;
  std::string_view revision;
  std::string_view branch;
  std::string_view compiler;
};

/// The build's identity; used by --version, the startup log line and pve_exporter_build_info.
const BuildInfo& build_info();

}  // namespace pvex
