// Model and parser of GET /nodes/{node}/subscription.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace pvex::pve {

struct Subscription {
  std::string status;  // lower-cased: new, notfound, active, invalid, expired, suspended
  std::optional<std::string> message;
  std::optional<std::string> url;
  std::optional<std::string> serverid;
  std::optional<std::string> key;
  std::optional<std::string> level;  // c, b, s, p (valid key only)
  std::optional<std::string> productname;
  std::optional<std::string> regdate;      // YYYY-MM-DD HH:MM:SS
  std::optional<std::string> nextduedate;  // YYYY-MM-DD
  std::optional<int64_t> checktime_seconds;
  std::optional<int64_t> sockets;

  bool operator==(const Subscription&) const = default;
};

/// Parses GET /nodes/{node}/subscription; `status` is lower-cased (old releases sent
/// "Active"). A missing `status` -> ErrorKind::parse.
Result<Subscription> parse_subscription(std::string_view json);

}  // namespace pvex::pve
