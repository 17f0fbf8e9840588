// `revhub certs init`: a CA, the hub's server certificate and client
// certificates for mTLS, made locally with OpenSSL (certs.h). Calls no hub.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/cli/certs.h"
#include "hub/cli/command_groups.h"

namespace revhub::cli {

void DefineCertsCommands(CLI::App& app, CommandContext& ctx) {
  auto& f = ctx.NewFlags<CertsRequest>();
  CLI::App* group = app.add_subcommand(
      "certs", "Certificates for TLS and mTLS (made locally, no hub needed)");
  group->require_subcommand(1);
  CLI::App* init = group->add_subcommand(
      "init",
      "Make a CA, a server certificate (localhost, 127.0.0.1, ::1 and each "
      "--host) and a client certificate per --client (its common name names "
      "the principal)");
  init->add_option("--out", f.out_dir, "Folder to write into")->required();
  init->add_option("--host", f.hosts,
                   "Another name or IP address of the hub (repeat)");
  init->add_option("--client", f.clients,
                   "A principal to make a client certificate for (repeat)");
  ctx.OnParsed(init, [&ctx, &f]() -> absl::Status {
    absl::StatusOr<std::vector<std::string>> written = MakeCertificates(f);
    if (!written.ok()) {
      if (written.status().code() == absl::StatusCode::kInvalidArgument) {
        return UsageError(written.status());
      }
      return written.status();
    }
    std::string text;
    for (const std::string& path : *written) absl::StrAppend(&text, path, "\n");
    const std::string& d = f.out_dir;
    absl::StrAppend(
        &text, "\nServe with:  revhubd --tls-cert ", d,
        "/server.crt --tls-key ", d, "/server.key --tls-client-ca ", d,
        "/ca.crt\nCall with:   revhub --ca ", d,
        "/ca.crt --token $REVHUB_TOKEN ...  (or --cert/--key of a client)\n"
        "Keep ca.key offline: whoever holds it can make certificates the hub "
        "trusts.\n");
    ctx.out() << text;
    return absl::OkStatus();
  });
}

}  // namespace revhub::cli
