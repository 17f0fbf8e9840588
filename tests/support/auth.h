// Credentials for tests: every revhubd a test starts (HubProcess, Hub)
// serves plaintext on loopback (--insecure-loopback) and needs a token on
// every call. HubProcess::channel() sends the admin token the hub wrote to
// DATA/admin.token on its first start; these helpers make channels and
// principals for the tests that act as someone else.
//
// Thread-safety: the functions keep no state. They use no Catch2 assertions,
// so benchmarks link them too.
#ifndef REVHUB_TESTS_SUPPORT_AUTH_H_
#define REVHUB_TESTS_SUPPORT_AUTH_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "revhub/hub/v1/principal_service.pb.h"

namespace revhub::testing {

// Returns a channel to `address` that sends `token` as `authorization:
// Bearer <token>` on every call that sets none itself (nothing when
// empty), over `credentials`
// (plaintext when null).
std::shared_ptr<grpc::Channel> TokenChannel(
    const std::string& address, const std::string& token,
    std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr);

// Returns the admin token a hub on `data_dir` wrote (DATA/admin.token), ""
// when there is none.
std::string ReadAdminToken(const std::string& data_dir);

// Creates principal `name` with `role` (and, for an integration principal,
// the systems it may write) through `admin_channel` and returns its token;
// throws std::runtime_error naming the status when the hub refuses.
std::string CreatePrincipal(const std::shared_ptr<grpc::Channel>& admin_channel,
                            const std::string& name, hub::v1::Role role,
                            const std::vector<std::string>& systems = {});

}  // namespace revhub::testing

#endif  // REVHUB_TESTS_SUPPORT_AUTH_H_
