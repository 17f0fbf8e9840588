// OperationReader / OperationWriter: long-running operations (a bulk replay)
// and their progress.
//
// An operation is stored whole (hub::v1::Operation) under its id, with its
// state beside it so the running ones are found at start; it is written at
// start and after every batch, so a restarted hub continues from the stored
// cursor. Ids come from the "operation" sequence (WorkflowWriter's
// NextSequence).
#ifndef REVHUB_HUB_STORE_OPERATION_STORE_H_
#define REVHUB_HUB_STORE_OPERATION_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "revhub/hub/v1/pipeline_service.pb.h"

namespace revhub::hub {

struct OperationPage {
  std::vector<hub::v1::Operation> operations;
  std::string next_page_token;  // "" on the last page
};

class OperationReader {
 public:
  virtual ~OperationReader() = default;

  // Returns the operation, or nullopt when there is none.
  virtual absl::StatusOr<std::optional<hub::v1::Operation>> GetOperation(
      absl::string_view operation_id) = 0;
  // Returns up to page_size operations, newest first, after page_token.
  // INVALID_ARGUMENT for a token it did not hand out.
  virtual absl::StatusOr<OperationPage> ListOperations(
      int page_size, absl::string_view page_token) = 0;
  // Returns every RUNNING operation, oldest first.
  virtual absl::StatusOr<std::vector<hub::v1::Operation>>
  ListRunningOperations() = 0;
};

class OperationWriter {
 public:
  virtual ~OperationWriter() = default;

  virtual absl::StatusOr<std::optional<hub::v1::Operation>> GetOperation(
      absl::string_view operation_id) = 0;
  // Stores the operation, replacing the one with its id.
  virtual absl::Status PutOperation(const hub::v1::Operation& operation) = 0;
};

}  // namespace revhub::hub

#endif  // REVHUB_HUB_STORE_OPERATION_STORE_H_
