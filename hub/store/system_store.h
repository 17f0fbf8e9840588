// SystemReader / SystemWriter: the registered source and target systems.
//
// A system is stored by name; registering a name again replaces it. The
// reader reads committed systems and is thread-safe; the writer exists only
// inside a write transaction (see WriteTxn in store.h) and is used by the
// one thread running that transaction.
#ifndef REVHUB_HUB_STORE_SYSTEM_STORE_H_
#define REVHUB_HUB_STORE_SYSTEM_STORE_H_

#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "revhub/hub/v1/system_registry_service.pb.h"

namespace revhub::hub {

class SystemReader {
 public:
  virtual ~SystemReader() = default;

  // Returns the system registered under `name`, or nullopt.
  virtual absl::StatusOr<std::optional<hub::v1::System>> GetSystem(
      absl::string_view name) = 0;
  // Returns at most `limit` systems whose name sorts after `after_name`, in
  // name order ("" starts at the first).
  virtual absl::StatusOr<std::vector<hub::v1::System>> ListSystems(
      absl::string_view after_name, int limit) = 0;
};

class SystemWriter {
 public:
  virtual ~SystemWriter() = default;

  // Returns the system registered under `name`, including this
  // transaction's own writes, or nullopt.
  virtual absl::StatusOr<std::optional<hub::v1::System>> GetSystem(
      absl::string_view name) = 0;
  // Stores `system` under its name, replacing any system of that name.
  virtual absl::Status PutSystem(const hub::v1::System& system) = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_SYSTEM_STORE_H_
