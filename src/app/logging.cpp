// Logging setup: one line per event, `ts=... level=... msg="..."` (logfmt) or a JSON object.
#include "app/logging.hpp"

#include <chrono>
#include <memory>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace pvex::app {
namespace {

std::string_view level_name(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace: return "debug";
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warn";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "error";
    default: return "info";
  }
}

void append_quoted(std::string_view s, spdlog::memory_buf_t& dest) {
  dest.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': dest.append(std::string_view("\\\"")); break;
      case '\\': dest.append(std::string_view("\\\\")); break;
      case '\n': dest.append(std::string_view("\\n")); break;
      case '\t': dest.append(std::string_view("\\t")); break;
      case '\r': dest.append(std::string_view("\\r")); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) fmt::format_to(std::back_inserter(dest), "\\u{:04x}", c);
        else dest.push_back(c);
    }
  }
  dest.push_back('"');
}

class LineFormatter final : public spdlog::formatter {
 public:
  explicit LineFormatter(bool json) : m_json(json) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    const std::string ts = fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", tm, ms % 1000);
    const std::string_view text(msg.payload.data(), msg.payload.size());
    if (m_json) {
      fmt::format_to(std::back_inserter(dest), "{{\"ts\":\"{}\",\"level\":\"{}\",\"msg\":", ts, level_name(msg.level));
      append_quoted(text, dest);
      dest.append(std::string_view("}\n"));
    } else {
      fmt::format_to(std::back_inserter(dest), "ts={} level={} msg=", ts, level_name(msg.level));
      append_quoted(text, dest);
      dest.push_back('\n');
    }
  }

  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<LineFormatter>(m_json); }

 private:
  bool m_json;
};

}  // namespace

void setup_logging(std::string_view level, std::string_view format) {
  auto logger = std::make_shared<spdlog::logger>("pve-exporter", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_formatter(std::make_unique<LineFormatter>(format == "json"));
  spdlog::level::level_enum l = spdlog::level::info;
  if (level == "debug") l = spdlog::level::debug;
  else if (level == "warn") l = spdlog::level::warn;
  else if (level == "error") l = spdlog::level::err;
  logger->set_level(l);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

}  // namespace pvex::app
