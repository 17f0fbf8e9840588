// `revhub ingest --batch FILE.ndjson | DIR`: a backfill through
// IngestService.IngestStream.
//
// The records are every non-blank line of an NDJSON file (the line's bytes,
// without its line break, content type application/json unless given), or
// every regular file of a folder, by name, not recursing, hidden files left
// out (its bytes, content type from its extension unless given). Each is
// keyed by the hub's default: the hash of its object type and payload, so a
// batch sent again is answered with duplicates and stores nothing twice.
//
// While the answers come: a progress bar on a terminal, else a plain line
// at every tenth of the batch (nothing with --json). Then a summary:
// records accepted, duplicates, failed, each failure with its line number
// (or file) and the hub's error; with --json, one object with the counts
// and the failures. Returns an error, so that the exit code is not 0, when
// a record failed (the first failure's code), when the stream ended before
// every record was answered (the stream's status), or when an input could
// not be read (a usage error when nothing was sent).
#ifndef REVHUB_HUB_CLI_INGEST_BATCH_H_
#define REVHUB_HUB_CLI_INGEST_BATCH_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "hub/cli/command_context.h"

namespace revhub::cli {

struct IngestBatchOptions {
  std::string path;  // an NDJSON file or a folder
  std::string system;
  std::string object_type;
  // Empty: application/json for NDJSON lines, from the file's extension
  // for a folder's files.
  std::string content_type;
};

absl::Status IngestBatch(const IngestBatchOptions& options,
                         CommandContext& ctx);

// Returns the content type of a file name's extension (.json, .xml, .csv,
// .txt); empty when unknown (the hub then assumes application/json).
std::string ContentTypeForPath(absl::string_view path);

// Returns the progress bar drawn on a terminal: done of total answered,
// with the counts so far and the rate.
std::string RenderIngestProgressBar(int64_t done, int64_t total,
                                    int64_t accepted, int64_t duplicates,
                                    int64_t failed, double per_second);

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_INGEST_BATCH_H_
