// `revhub ingest FILE`: send one raw vendor payload (IngestService.Ingest);
// `revhub ingest --batch FILE.ndjson|DIR`: stream many (ingest_batch.h).
#include <CLI/CLI.hpp>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "canonical/status_macros.h"
#include "hub/cli/command_groups.h"
#include "hub/cli/format.h"
#include "hub/cli/ingest_batch.h"

namespace revhub::cli {
namespace {

struct IngestFlags {
  std::string file, system, object_type, content_type, idempotency_key;
  std::string batch;
};

absl::StatusOr<hubv1::IngestRequest> BuildIngestRequest(const IngestFlags& f,
                                                        CommandContext& ctx) {
  hubv1::IngestRequest request;
  ASSIGN_OR_RETURN(std::string payload, ctx.ReadInput(f.file));
  request.set_system(f.system);
  request.set_object_type(f.object_type);
  request.set_payload(std::move(payload));
  request.set_content_type(f.content_type.empty() ? ContentTypeForPath(f.file)
                                                  : f.content_type);
  request.set_idempotency_key(f.idempotency_key);
  return request;
}

absl::Status Ingest(const IngestFlags& f, CommandContext& ctx) {
  if (!f.batch.empty()) {
    if (!f.file.empty()) {
      return UsageError("FILE: give either FILE or --batch, not both");
    }
    if (!f.idempotency_key.empty()) {
      return UsageError(
          "--idempotency-key: not with --batch (each record is keyed by "
          "the hash of its object type and payload)");
    }
    return IngestBatch({f.batch, f.system, f.object_type, f.content_type}, ctx);
  }
  if (f.file.empty()) {
    return UsageError("FILE: is required (or --batch FILE.ndjson|DIR)");
  }
  ASSIGN_OR_RETURN(hubv1::IngestRequest request, BuildIngestRequest(f, ctx));
  ASSIGN_OR_RETURN(hubv1::IngestResponse response, ctx.Hub().Ingest(request));
  ctx.Print(response,
            absl::StrCat("record ", response.record_id(),
                         response.duplicate() ? " duplicate: already stored at "
                                              : " stored at ",
                         FormatTimestamp(response.received_at()), "\n"));
  return absl::OkStatus();
}

}  // namespace

void DefineIngestCommands(CLI::App& app, CommandContext& ctx) {
  IngestFlags& f = ctx.NewFlags<IngestFlags>();
  CLI::App* ingest = app.add_subcommand(
      "ingest",
      "Send raw vendor payloads: one (FILE), or a batch streamed through "
      "IngestStream (--batch); each is stored durably before its answer");
  ingest->add_option("FILE", f.file,
                     "The payload file, or - for stdin (bytes sent as they "
                     "are)");
  ingest->add_option(
      "--batch", f.batch,
      "Stream many records: every non-blank line of an NDJSON file, or "
      "every file of a folder; prints progress, then a summary with each "
      "failure's line (or file) and error; exits 1 when any failed");
  ingest->add_option("--system", f.system, "Registered system it comes from")
      ->required();
  ingest
      ->add_option("--object-type", f.object_type,
                   "The vendor's object name (Opportunity, invoice, …)")
      ->required();
  ingest->add_option("--content-type", f.content_type,
                     "MIME type (default: from the file's extension, else "
                     "the hub's default application/json)");
  ingest->add_option("--idempotency-key", f.idempotency_key,
                     "Stored once per system and key (default: a hash of "
                     "the object type and payload)");
  ctx.OnParsed(ingest, [&f, &ctx] { return Ingest(f, ctx); });
}

}  // namespace revhub::cli
