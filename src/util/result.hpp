// The Result type: a value or an Error{kind, message}; how every fallible function reports failure.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace pvex {

/// What went wrong, for decisions; the message is for humans.
enum class ErrorKind {
  io,         // a file or socket could not be read or written
  http,       // an HTTP status the caller did not expect
  auth,       // authentication failed (401, bad credentials)
  tls,        // TLS verification or handshake failure
  timeout,    // the deadline passed
  parse,      // malformed input (JSON, YAML, kstat, command output)
  not_found,  // the feature or object is not present here (logged at debug, not an error)
  config,     // invalid configuration
  internal,   // a bug: an exception escaped, an invariant broke
};

std::string_view to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;

  bool operator==(const Error&) const = default;
};

template <class T = void>
using Result = tl::expected<T, Error>;

/// Makes an error value: `return fail(ErrorKind::parse, "missing header");`.
inline tl::unexpected<Error> fail(ErrorKind kind, std::string message) {
  return tl::unexpected<Error>(Error{kind, std::move(message)});
}

/// Passes an error up unchanged.
inline tl::unexpected<Error> fail(Error error) { return tl::unexpected<Error>(std::move(error)); }

/// Passes an error up with `context: ` in front of its message; the kind is kept.
inline tl::unexpected<Error> fail(Error error, std::string_view context) {
  error.message = std::string(context) + ": " + error.message;
  return tl::unexpected<Error>(std::move(error));
}

}  // namespace pvex
