// Certificates for a development or small deployment, made with OpenSSL:
// a CA, the hub's server certificate and client certificates for mTLS.
//
// Every key is ECDSA P-256; certificates are X.509 v3 signed with SHA-256.
// The CA is valid 10 years, server and client certificates 1 year. The
// server certificate's subject alternative names are localhost, 127.0.0.1,
// ::1 and each extra host (an IP address or a DNS name); a client
// certificate's common name is the principal it names. Files are PEM;
// private keys are written with mode 0600.
//
// Thread-safety: the function keeps no state.
#ifndef REVHUB_HUB_CLI_CERTS_H_
#define REVHUB_HUB_CLI_CERTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace revhub::cli {

struct CertsRequest {
  std::string out_dir;               // created when missing
  std::vector<std::string> hosts;    // extra server names (DNS or IP)
  std::vector<std::string> clients;  // principal names
};

// Writes ca.crt, ca.key, server.crt, server.key and, per client NAME,
// NAME.crt and NAME.key into request.out_dir, and returns the paths
// written. FAILED_PRECONDITION when out_dir already holds ca.key (never
// overwritten); INVALID_ARGUMENT naming a bad host or client name.
absl::StatusOr<std::vector<std::string>> MakeCertificates(
    const CertsRequest& request);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_CERTS_H_
