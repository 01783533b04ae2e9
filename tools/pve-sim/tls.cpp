// Self-signed certificate generation and loading with OpenSSL 3.
#include "tls.hpp"

#include <cstdio>

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

namespace pvex::sim {

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

Result<void> add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return fail(ErrorKind::tls, fmt::format("cannot build extension {}", value));
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return {};
}

Result<void> finish(TlsIdentity& id) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), id.cert.get()) != 1)
    return fail(ErrorKind::tls, "cannot write the certificate as PEM");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  id.cert_pem.assign(data, static_cast<size_t>(len));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (X509_digest(id.cert.get(), EVP_sha256(), md, &md_len) != 1)
    return fail(ErrorKind::tls, "cannot hash the certificate");
  id.fingerprint.clear();
  for (unsigned int i = 0; i < md_len; ++i)
    id.fingerprint += fmt::format("{}{:02X}", i ? ":" : "", md[i]);
  return {};
}

}  // namespace

Result<TlsIdentity> generate_identity() {
  TlsIdentity id;
  id.key.reset(EVP_EC_gen("P-256"));
  if (!id.key) return fail(ErrorKind::tls, "cannot generate an EC key");
  id.cert.reset(X509_new());
  X509* cert = id.cert.get();
  X509_set_version(cert, 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 365L * 86400);
  X509_set_pubkey(cert, id.key.get());
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("pve-sim"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  for (auto [nid, value] :
       {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
        std::pair{NID_key_usage, "critical,digitalSignature,keyCertSign"},
        std::pair{NID_ext_key_usage, "serverAuth"}, std::pair{NID_subject_key_identifier, "hash"},
        std::pair{NID_authority_key_identifier, "keyid:always"},
        std::pair{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"}}) {
    if (Result<void> r = add_extension(cert, nid, value); !r) return fail(r.error());
  }
  if (X509_sign(cert, id.key.get(), EVP_sha256()) == 0)
    return fail(ErrorKind::tls, "cannot sign the certificate");
  if (Result<void> r = finish(id); !r) return fail(r.error());
  return id;
}

Result<TlsIdentity> load_identity(const std::string& cert_file, const std::string& key_file) {
  TlsIdentity id;
  std::unique_ptr<BIO, BioFree> cert_bio(BIO_new_file(cert_file.c_str(), "r"));
  if (!cert_bio) return fail(ErrorKind::io, "cannot read " + cert_file);
  id.cert.reset(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!id.cert) return fail(ErrorKind::tls, "no PEM certificate in " + cert_file);
  std::unique_ptr<BIO, BioFree> key_bio(BIO_new_file(key_file.c_str(), "r"));
  if (!key_bio) return fail(ErrorKind::io, "cannot read " + key_file);
  id.key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!id.key) return fail(ErrorKind::tls, "no PEM private key in " + key_file);
  if (Result<void> r = finish(id); !r) return fail(r.error());
  return id;
}

}  // namespace pvex::sim
