// Throw-away certificates for TLS tests: a CA, a server certificate for 127.0.0.1, clients.
#pragma once

#include <string>

namespace pvex::testing {

/// PEM files written into one directory by make_test_pki().
struct TestPki {
  std::string dir;
  std::string ca_cert;      // the CA that signs the server and the good client
  std::string server_cert;  // CN=localhost, SAN localhost, 127.0.0.1, ::1
  std::string server_key;
  std::string server2_cert;  // a second server certificate (CN=rotated), same key pair kind
  std::string server2_key;
  std::string client_cert;  // signed by ca_cert
  std::string client_key;
  std::string rogue_cert;  // self-signed client certificate, not from ca_cert
  std::string rogue_key;
};

/// Creates a fresh temporary directory with a CA, server and client certificates (EC P-256,
/// valid for a day). Fails the current test (and returns paths that do not exist) on error.
TestPki make_test_pki();

/// Creates an empty temporary directory (mkdtemp under $TMPDIR or /tmp).
std::string make_temp_dir(const char* prefix);

/// Writes `content` to `path` atomically (temporary file + rename, so watchers see a new inode).
void write_file_atomically(const std::string& path, const std::string& content);

/// The whole content of a file ("" and a test failure when unreadable).
std::string read_file(const std::string& path);

/// Removes a directory tree; for test teardown.
void remove_tree(const std::string& dir);

}  // namespace pvex::testing
