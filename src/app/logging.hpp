// Logging setup: spdlog with a logfmt or JSON line format, level from the config.
#pragma once

#include <string_view>

namespace pvex::app {

/// Installs the default logger writing to stderr in `format` ("logfmt" or "json") at `level`.
void setup_logging(std::string_view level, std::string_view format);

}  // namespace pvex::app
