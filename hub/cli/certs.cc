#include "hub/cli/certs.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"

namespace revhub::cli {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* c) const { X509_free(c); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

absl::Status OpenSslError(absl::string_view what) {
  char buf[256] = "";
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  return absl::InternalError(absl::StrCat(what, ": ", buf));
}

absl::StatusOr<Key> NewKey() {
  Key key(EVP_EC_gen("P-256"));
  if (key == nullptr) return OpenSslError("making a P-256 key");
  return key;
}

absl::Status AddExtension(X509* cert, X509* issuer, int nid,
                          const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext =
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, const_cast<char*>(value.c_str()));
  if (ext == nullptr) {
    return OpenSslError(
        absl::StrCat("extension ", OBJ_nid2sn(nid), "=", value));
  }
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) return OpenSslError("adding an extension");
  return absl::OkStatus();
}

// Returns a certificate for `key` named `common_name`, signed by
// issuer_key (self-signed when issuer is null), valid `days`.
absl::StatusOr<Cert> MakeCert(
    EVP_PKEY* key, const std::string& common_name, X509* issuer,
    EVP_PKEY* issuer_key, int days,
    const std::vector<std::pair<int, std::string>>& extensions) {
  Cert cert(X509_new());
  if (cert == nullptr) return OpenSslError("X509_new");
  X509_set_version(cert.get(), 2);  // v3
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return OpenSslError("RAND_bytes");
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * days);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("revhub"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_UTF8,
      reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509* signer = issuer == nullptr ? cert.get() : issuer;
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  for (const auto& [nid, value] : extensions) {
    RETURN_IF_ERROR(AddExtension(cert.get(), signer, nid, value));
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) {
    return OpenSslError(
        absl::StrCat("signing the certificate of ", common_name));
  }
  return cert;
}

absl::Status WriteFile(const std::string& path, const std::string& data,
                       mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat(path, ": cannot write: ", strerror(errno)));
  }
  bool ok = ::fchmod(fd, mode) == 0 && ::write(fd, data.data(), data.size()) ==
                                           static_cast<ssize_t>(data.size());
  int err = errno;
  ::close(fd);
  if (!ok) {
    return absl::UnavailableError(
        absl::StrCat(path, ": cannot write: ", strerror(err)));
  }
  return absl::OkStatus();
}

absl::Status WritePem(const std::string& dir, const std::string& stem,
                      X509* cert, EVP_PKEY* key,
                      std::vector<std::string>* written) {
  BIO* cb = BIO_new(BIO_s_mem());
  BIO* kb = BIO_new(BIO_s_mem());
  bool ok = PEM_write_bio_X509(cb, cert) == 1 &&
            PEM_write_bio_PrivateKey(kb, key, nullptr, nullptr, 0, nullptr,
                                     nullptr) == 1;
  auto text = [](BIO* b) {
    char* data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
  };
  const std::string cert_pem = text(cb);
  const std::string key_pem = text(kb);
  BIO_free(cb);
  BIO_free(kb);
  if (!ok) return OpenSslError("writing PEM");
  const std::string crt = absl::StrCat(dir, "/", stem, ".crt");
  const std::string k = absl::StrCat(dir, "/", stem, ".key");
  RETURN_IF_ERROR(WriteFile(k, key_pem, 0600));
  RETURN_IF_ERROR(WriteFile(crt, cert_pem, 0644));
  written->push_back(crt);
  written->push_back(k);
  return absl::OkStatus();
}

absl::StatusOr<std::string> SanOf(const std::string& host) {
  in_addr v4;
  in6_addr v6;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1 ||
      inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return absl::StrCat("IP:", host);
  }
  if (host.empty() || host.size() > 253) {
    return absl::InvalidArgumentError(
        absl::StrCat("--host: \"", host, "\" is not a host name"));
  }
  for (char c : host) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '.' && c != '*') {
      return absl::InvalidArgumentError(absl::StrCat(
          "--host: \"", host, "\" is neither an IP address nor a DNS name"));
    }
  }
  return absl::StrCat("DNS:", host);
}

absl::Status CheckClientName(const std::string& name) {
  if (name.empty() || name.size() > 64) {
    return absl::InvalidArgumentError("--client: a name is 1 to 64 characters");
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != '_' &&
        c != '@') {
      return absl::InvalidArgumentError(
          absl::StrCat("--client: \"", name,
                       "\" may hold only letters, digits and . - _ @"));
    }
  }
  if (name == "ca" || name == "server") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--client: \"", name, "\" would overwrite the ", name, " files"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> MakeCertificates(
    const CertsRequest& request) {
  if (request.out_dir.empty()) {
    return absl::InvalidArgumentError("--out: is required");
  }
  std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
  for (const std::string& host : request.hosts) {
    ASSIGN_OR_RETURN(std::string entry, SanOf(host));
    absl::StrAppend(&san, ",", entry);
  }
  for (const std::string& client : request.clients) {
    RETURN_IF_ERROR(CheckClientName(client));
  }
  std::error_code ec;
  std::filesystem::create_directories(request.out_dir, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat(
        "--out ", request.out_dir, ": cannot create: ", ec.message()));
  }
  if (std::filesystem::exists(request.out_dir + "/ca.key")) {
    return absl::FailedPreconditionError(
        absl::StrCat("--out ", request.out_dir,
                     ": already holds ca.key; choose an empty folder (a CA is "
                     "never overwritten)"));
  }
  std::vector<std::string> written;
  ASSIGN_OR_RETURN(Key ca_key, NewKey());
  ASSIGN_OR_RETURN(
      Cert ca, MakeCert(ca_key.get(), "revhub CA", nullptr, ca_key.get(), 3650,
                        {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                         {NID_key_usage, "critical,keyCertSign,cRLSign"},
                         {NID_subject_key_identifier, "hash"}}));
  RETURN_IF_ERROR(
      WritePem(request.out_dir, "ca", ca.get(), ca_key.get(), &written));
  ASSIGN_OR_RETURN(Key server_key, NewKey());
  ASSIGN_OR_RETURN(
      Cert server,
      MakeCert(server_key.get(), "revhubd", ca.get(), ca_key.get(), 365,
               {{NID_basic_constraints, "critical,CA:FALSE"},
                {NID_key_usage, "critical,digitalSignature"},
                {NID_ext_key_usage, "serverAuth"},
                {NID_subject_alt_name, san},
                {NID_authority_key_identifier, "keyid"}}));
  RETURN_IF_ERROR(WritePem(request.out_dir, "server", server.get(),
                           server_key.get(), &written));
  for (const std::string& client : request.clients) {
    ASSIGN_OR_RETURN(Key key, NewKey());
    ASSIGN_OR_RETURN(Cert cert,
                     MakeCert(key.get(), client, ca.get(), ca_key.get(), 365,
                              {{NID_basic_constraints, "critical,CA:FALSE"},
                               {NID_key_usage, "critical,digitalSignature"},
                               {NID_ext_key_usage, "clientAuth"},
                               {NID_authority_key_identifier, "keyid"}}));
    RETURN_IF_ERROR(
        WritePem(request.out_dir, client, cert.get(), key.get(), &written));
  }
  return written;
}

}  // namespace revhub::cli
