// OpenStore: the Store a hub runs on, chosen by HubOptions::store
// (revhubd --store).
//
//   ""                        SQLite in the data folder (<data_dir>/revhub.db)
//   a file path               SQLite in that file (created if missing)
//   postgres://…, postgresql://…  PostgreSQL (several hubs may share it)
//
// Errors name --store and the reason: INVALID_ARGUMENT for a scheme that
// is not supported, UNAVAILABLE when the database cannot be reached (the
// URL is shown without its password).
#ifndef REVHUB_HUB_SERVER_STORE_FACTORY_H_
#define REVHUB_HUB_SERVER_STORE_FACTORY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "hub/server/server.h"
#include "hub/store/store.h"

namespace revhub::hub {

// Opens (creating and migrating as needed) the store `options` names. The
// caller owns it.
absl::StatusOr<std::unique_ptr<Store>> OpenStore(const HubOptions& options);

// Returns `url` with the password, if any, replaced by "***".
std::string RedactStoreUrl(const std::string& url);

}  // namespace revhub::hub

#endif  // REVHUB_HUB_SERVER_STORE_FACTORY_H_
