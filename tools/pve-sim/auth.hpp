// PVE-style authentication: API tokens in the Authorization header and signed login tickets.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "options.hpp"

namespace pvex::sim {

enum class AuthVerdict {
  ok,
  missing,  // no credentials at all: "401 No ticket"
  invalid,  // unknown token, bad secret, bad or expired ticket: "401 Authentication failed!"
};

struct LoginResult {
  bool ok = false;
  std::string username;  // canonical user@realm
  std::string ticket;
  std::string csrf_token;
};

class Auth {
 public:
  explicit Auth(const SimOptions& options);

  /// False with --no-auth or when neither tokens nor a user are configured.
  bool enabled() const { return m_enabled; }

  /// Checks the request's Authorization and Cookie headers (a ticket cookie wins over a token).
  AuthVerdict check(std::string_view authorization, std::string_view cookie) const;

  /// POST /access/ticket: `username` may carry the realm or it comes in `realm`; `password`
  /// may also be a still-valid ticket of that user (renewal).
  LoginResult login(std::string_view username, std::string_view realm,
                    std::string_view password) const;

 private:
  bool ticket_valid(std::string_view ticket, std::string* user) const;
  std::string sign(std::string_view data) const;

  bool m_enabled = true;
  std::vector<std::pair<std::string, std::string>> m_tokens;  // token id, secret
  std::string m_user;
  std::string m_password;
  int m_ticket_lifetime_s = 7200;
  std::string m_key;  // ticket signing key, random per process
};

/// Decodes %XX escapes (not '+': PVE uses uri_unescape), for header values and cookies.
std::string percent_decode(std::string_view s);

}  // namespace pvex::sim
