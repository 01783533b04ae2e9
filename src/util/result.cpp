// Names of the error kinds.
#include "util/result.hpp"

namespace pvex {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::io: return "io";
    case ErrorKind::http: return "http";
    case ErrorKind::auth: return "auth";
    case ErrorKind::tls: return "tls";
    case ErrorKind::timeout: return "timeout";
    case ErrorKind::parse: return "parse";
    case ErrorKind::not_found: return "not_found";
    case ErrorKind::config: return "config";
    case ErrorKind::internal: return "internal";
  }
  return "unknown";
}

}  // namespace pvex
