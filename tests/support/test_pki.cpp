// Throw-away certificates for TLS tests, made with OpenSSL's API (no openssl command needed).
#include "support/test_pki.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

namespace pvex::testing {
namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

Key new_key() {
  return Key(EVP_EC_gen("P-256"), EVP_PKEY_free);
}

bool add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// Makes a certificate for `key` signed by `issuer_key` (self-signed when issuer is null).
Cert new_cert(const char* cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, bool is_ca,
              const char* san, long serial) {
  Cert cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  bool ok =
      add_ext(cert.get(), signer, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "CA:FALSE");
  if (is_ca) ok = ok && add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  if (san != nullptr) ok = ok && add_ext(cert.get(), signer, NID_subject_alt_name, san);
  ok = ok && X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0;
  EXPECT_TRUE(ok) << "could not build test certificate " << cn;
  return cert;
}

void write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr) << path;
  if (cert != nullptr) {
    EXPECT_EQ(PEM_write_X509(f, cert), 1);
  }
  if (key != nullptr) {
    EXPECT_EQ(PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  }
  std::fclose(f);
}

}  // namespace

std::string make_temp_dir(const char* prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/" + prefix + "XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  const char* dir = ::mkdtemp(buf.data());
  EXPECT_NE(dir, nullptr) << "mkdtemp " << pattern;
  return dir != nullptr ? std::string(dir) : pattern;
}

void write_file_atomically(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    ASSERT_TRUE(out.good()) << tmp;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  ASSERT_FALSE(ec) << "rename " << tmp << ": " << ec.message();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void remove_tree(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TestPki make_test_pki() {
  TestPki pki;
  pki.dir = make_temp_dir("pvex-pki-");
  auto path = [&](const char* name) { return pki.dir + "/" + name; };
  pki.ca_cert = path("ca.pem");
  pki.server_cert = path("server.pem");
  pki.server_key = path("server-key.pem");
  pki.server2_cert = path("server2.pem");
  pki.server2_key = path("server2-key.pem");
  pki.client_cert = path("client.pem");
  pki.client_key = path("client-key.pem");
  pki.rogue_cert = path("rogue.pem");
  pki.rogue_key = path("rogue-key.pem");

  Key ca_key = new_key();
  Key server_key = new_key();
  Key server2_key = new_key();
  Key client_key = new_key();
  Key rogue_key = new_key();
  if (!ca_key || !server_key || !server2_key || !client_key || !rogue_key) {
    ADD_FAILURE() << "EC key generation failed";
    return pki;
  }
  const char* san = "DNS:localhost,IP:127.0.0.1,IP:::1";
  Cert ca = new_cert("pvex test CA", ca_key.get(), nullptr, nullptr, true, nullptr, 1);
  Cert server = new_cert("localhost", server_key.get(), ca.get(), ca_key.get(), false, san, 2);
  Cert server2 = new_cert("rotated", server2_key.get(), ca.get(), ca_key.get(), false, san, 3);
  Cert client = new_cert("prometheus", client_key.get(), ca.get(), ca_key.get(), false, nullptr, 4);
  Cert rogue = new_cert("rogue", rogue_key.get(), nullptr, nullptr, false, nullptr, 5);

  write_pem(pki.ca_cert, ca.get(), nullptr);
  write_pem(pki.server_cert, server.get(), nullptr);
  write_pem(pki.server_key, nullptr, server_key.get());
  write_pem(pki.server2_cert, server2.get(), nullptr);
  write_pem(pki.server2_key, nullptr, server2_key.get());
  write_pem(pki.client_cert, client.get(), nullptr);
  write_pem(pki.client_key, nullptr, client_key.get());
  write_pem(pki.rogue_cert, rogue.get(), nullptr);
  write_pem(pki.rogue_key, nullptr, rogue_key.get());
  return pki;
}

}  // namespace pvex::testing
