#include "hub/server/store_factory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/store/postgres/postgres_store.h"
#include "hub/store/sqlite/sqlite_store.h"

namespace revhub::hub {
namespace {

// Creates the database file owner-only before SQLite opens it, and keeps
// its WAL files so: they hold the same data.
absl::Status PrepareDatabaseFiles(const std::string& db) {
  int fd = ::open(db.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open ", db, ": ", strerror(errno)));
  }
  ::close(fd);
  for (const std::string& path : {db, db + "-wal", db + "-shm"}) {
    if (::chmod(path.c_str(), 0600) != 0 && errno != ENOENT) {
      return absl::UnavailableError(
          absl::StrCat("cannot chmod 600 ", path, ": ", strerror(errno)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string RedactStoreUrl(const std::string& url) {
  // scheme://user:password@host… : the password is between the first ':'
  // after "//" and the '@'.
  const size_t start = url.find("://");
  if (start == std::string::npos) return url;
  const size_t at = url.find('@', start + 3);
  if (at == std::string::npos) return url;
  const size_t colon = url.find(':', start + 3);
  if (colon == std::string::npos || colon > at) return url;
  return absl::StrCat(url.substr(0, colon + 1), "***", url.substr(at));
}

absl::StatusOr<std::unique_ptr<Store>> OpenStore(const HubOptions& options) {
  const std::string& store = options.store;
  const size_t scheme_end = store.find("://");
  if (scheme_end == std::string::npos) {
    SqliteStoreOptions sqlite;
    sqlite.path = store.empty() ? options.data_dir + "/revhub.db" : store;
    absl::Status prepared = PrepareDatabaseFiles(sqlite.path);
    if (!prepared.ok()) {
      return absl::Status(
          prepared.code(),
          absl::StrCat("--store: ", sqlite.path, ": ", prepared.message()));
    }
    return OpenSqliteStore(sqlite);
  }
  const std::string scheme = store.substr(0, scheme_end);
  if (scheme != "postgres" && scheme != "postgresql") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--store: the scheme \"", scheme,
        "\" is not supported; give a file path (SQLite) or a postgres:// or "
        "postgresql:// URL (PostgreSQL)"));
  }
  PostgresStoreOptions postgres;
  postgres.url = store;
  absl::StatusOr<std::unique_ptr<Store>> opened = OpenPostgresStore(postgres);
  if (!opened.ok()) {
    return absl::Status(
        opened.status().code(),
        absl::StrCat("--store: cannot use the PostgreSQL database at ",
                     RedactStoreUrl(store), ": ", opened.status().message()));
  }
  return opened;
}

}  // namespace revhub::hub
