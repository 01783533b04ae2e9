// Model and parser of GET /cluster/config/qdevice: the corosync QDevice as seen by one node.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace pvex::pve {

/// All members are free text from corosync-qdevice-tool; all absent (`{}`) without a QDevice.
struct QDevice {
  std::optional<std::string> model;       // "Model": Net
  std::optional<std::string> qnetd_host;  // "QNetd host": host:port
  std::optional<std::string> state;       // "State": Connected, Connect failed, ...
  std::optional<std::string> algorithm;
  std::optional<std::string> tie_breaker;
  std::optional<std::string> last_poll_call;
  std::optional<std::string> echo_reply;

  bool is_configured() const { return model || state || qnetd_host; }

  bool operator==(const QDevice&) const = default;
};

/// Parses GET /cluster/config/qdevice; `{}` gives an unconfigured QDevice.
Result<QDevice> parse_qdevice(std::string_view json);

}  // namespace pvex::pve
