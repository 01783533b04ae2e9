// The certificate pve-sim serves: generated self-signed at start, or loaded from PEM files.
#pragma once

#include <memory>
#include <string>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "util/result.hpp"

namespace pvex::sim {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

struct TlsIdentity {
  std::unique_ptr<X509, X509Free> cert;
  std::unique_ptr<EVP_PKEY, PkeyFree> key;
  std::string cert_pem;
  std::string fingerprint;  // SHA-256, colon-separated upper-case hex (as PVE shows it)
};

/// A fresh EC P-256 key and a self-signed certificate for CN=localhost with SAN
/// DNS:localhost, IP:127.0.0.1, IP:::1, valid from an hour ago for a year.
Result<TlsIdentity> generate_identity();

/// Loads a PEM certificate and key (ErrorKind::io / ErrorKind::tls on failure).
Result<TlsIdentity> load_identity(const std::string& cert_file, const std::string& key_file);

}  // namespace pvex::sim
