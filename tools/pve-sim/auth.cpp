// Tokens and tickets: enough of PVE's scheme that clients exercise the real code paths.
#include "auth.hpp"

#include <ctime>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "util/strings.hpp"

namespace pvex::sim {

namespace {

/// Splits "user@realm!name=SECRET" (or ':' before the secret) into id and secret.
std::pair<std::string, std::string> split_token(std::string_view value) {
  size_t bang = value.find('!');
  if (bang == std::string_view::npos) return {};
  size_t sep = value.find_first_of("=:", bang);
  if (sep == std::string_view::npos) return {};
  return {std::string(value.substr(0, sep)), std::string(value.substr(sep + 1))};
}

std::string cookie_value(std::string_view cookies, std::string_view name) {
  for (std::string_view part : util::split_any(cookies, ";")) {
    part = util::trim(part);
    if (part.size() > name.size() && part.substr(0, name.size()) == name &&
        part[name.size()] == '=')
      return percent_decode(part.substr(name.size() + 1));
  }
  return {};
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

Auth::Auth(const SimOptions& o)
    : m_user(o.user), m_password(o.password), m_ticket_lifetime_s(o.ticket_lifetime_s) {
  for (const std::string& t : o.tokens) {
    std::pair<std::string, std::string> parsed = split_token(t);
    if (!parsed.first.empty()) m_tokens.push_back(std::move(parsed));
  }
  m_enabled = !o.no_auth && (!m_tokens.empty() || !m_user.empty());
  unsigned char key[32];
  if (RAND_bytes(key, sizeof key) != 1) {
    for (size_t i = 0; i < sizeof key; ++i) key[i] = static_cast<unsigned char>(std::rand());
  }
  m_key.assign(reinterpret_cast<const char*>(key), sizeof key);
}

std::string Auth::sign(std::string_view data) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), m_key.data(), static_cast<int>(m_key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &mac_len);
  unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  int n = EVP_EncodeBlock(b64, mac, static_cast<int>(mac_len));
  return std::string(reinterpret_cast<const char*>(b64), static_cast<size_t>(n));
}

bool Auth::ticket_valid(std::string_view ticket, std::string* user) const {
  // PVE:<user>:<HEXTIME>::<signature>
  size_t sig_sep = ticket.find("::");
  if (sig_sep == std::string_view::npos || ticket.substr(0, 4) != "PVE:") return false;
  std::string_view data = ticket.substr(0, sig_sep);
  if (sign(data) != ticket.substr(sig_sep + 2)) return false;
  size_t time_sep = data.rfind(':');
  if (time_sep == std::string_view::npos || time_sep < 4) return false;
  std::string_view hex = data.substr(time_sep + 1);
  int64_t issued = 0;
  for (char c : hex) {
    if (hex_digit(c) < 0) return false;
    issued = issued * 16 + hex_digit(c);
  }
  int64_t age = static_cast<int64_t>(std::time(nullptr)) - issued;
  if (age > m_ticket_lifetime_s || age < -300) return false;
  if (user != nullptr) *user = std::string(data.substr(4, time_sep - 4));
  return true;
}

AuthVerdict Auth::check(std::string_view authorization, std::string_view cookie) const {
  if (!m_enabled) return AuthVerdict::ok;
  std::string ticket = cookie_value(cookie, "PVEAuthCookie");
  if (ticket.empty() && authorization.substr(0, 14) == "PVEAuthCookie=")
    ticket = percent_decode(authorization.substr(14));
  if (!ticket.empty())
    return ticket_valid(ticket, nullptr) ? AuthVerdict::ok : AuthVerdict::invalid;
  if (authorization.size() > 12 && authorization.substr(0, 11) == "PVEAPIToken" &&
      (authorization[11] == '=' || authorization[11] == ' ')) {
    std::pair<std::string, std::string> token =
        split_token(percent_decode(authorization.substr(12)));
    for (const auto& [id, secret] : m_tokens)
      if (!token.first.empty() && id == token.first && secret == token.second)
        return AuthVerdict::ok;
    return AuthVerdict::invalid;
  }
  return authorization.empty() ? AuthVerdict::missing : AuthVerdict::invalid;
}

LoginResult Auth::login(std::string_view username, std::string_view realm,
                        std::string_view password) const {
  LoginResult result;
  std::string user(username);
  if (user.find('@') == std::string::npos && !realm.empty()) user += "@" + std::string(realm);
  if (m_user.empty() || user != m_user) return result;
  std::string ticket_user;
  bool renewal = ticket_valid(password, &ticket_user) && ticket_user == user;
  if (password != m_password && !renewal) return result;
  std::string hex = fmt::format("{:08X}", static_cast<int64_t>(std::time(nullptr)));
  std::string data = fmt::format("PVE:{}:{}", user, hex);
  result.ok = true;
  result.username = user;
  result.ticket = data + "::" + sign(data);
  result.csrf_token = hex + ":" + sign("CSRF:" + hex + ":" + user);
  return result;
}

}  // namespace pvex::sim
