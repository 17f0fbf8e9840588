// `revhub contracts book|amend|renew|cancel`: contract changes that start a
// workflow (ContractLifecycleService).
//
//   revhub contracts book FILE [--idempotency-key K]
//   revhub contracts amend FILE [--expected-version N] [--idempotency-key K]
//   revhub contracts renew CONTRACT_ID FILE [--idempotency-key K]
//   revhub contracts cancel CONTRACT_ID --at TIME --reason TEXT
//                          [--credit none|unused] [--expected-version N]
//                          [--idempotency-key K]
//
// FILE is a revhub.canonical.v1.Contract in proto3 JSON, or "-" for
// standard input; unknown fields are errors. Each prints the workflow it
// started and how to follow it.
#include <CLI/CLI.hpp>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "canonical/status_macros.h"
#include "hub/cli/command_groups.h"
#include "hub/cli/format.h"

namespace revhub::cli {
namespace {

namespace canon = ::revhub::canonical::v1;

struct LifecycleFlags {
  std::string file, contract_id, idempotency_key, at, reason, credit;
  int64_t expected_version = 0;
  CLI::Option* amend_expected_version = nullptr;
  CLI::Option* cancel_expected_version = nullptr;
  CLI::Option* credit_option = nullptr;
};

absl::StatusOr<canon::Contract> ReadContract(const LifecycleFlags& f,
                                             CommandContext& ctx) {
  ASSIGN_OR_RETURN(std::string json, ctx.ReadInput(f.file));
  canon::Contract contract;
  RETURN_IF_ERROR(ctx.ParseJsonInto(json, f.file, contract));
  return contract;
}

// Returns what was started and how to follow it.
std::string Started(absl::string_view kind, absl::string_view workflow_id,
                    const canon::Contract& contract) {
  std::string out = absl::StrCat(
      "workflow ", OrDash(workflow_id), " (", kind, ") started for contract ",
      OrDash(contract.id()), " version ", contract.version());
  if (!contract.renewal_of_contract_id().empty()) {
    absl::StrAppend(&out, ", renewing ", contract.renewal_of_contract_id());
  }
  absl::StrAppend(&out, "\nfollow it: revhub workflows show ",
                  OrDash(workflow_id), "\n");
  return out;
}

absl::Status Book(const LifecycleFlags& f, CommandContext& ctx) {
  hubv1::BookContractRequest request;
  ASSIGN_OR_RETURN(*request.mutable_contract(), ReadContract(f, ctx));
  request.set_idempotency_key(f.idempotency_key);
  ASSIGN_OR_RETURN(hubv1::BookContractResponse response,
                   ctx.Hub().BookContract(request));
  ctx.Print(response,
            Started("booking", response.workflow_id(), response.contract()));
  return absl::OkStatus();
}

absl::Status Amend(const LifecycleFlags& f, CommandContext& ctx) {
  hubv1::AmendContractRequest request;
  ASSIGN_OR_RETURN(*request.mutable_contract(), ReadContract(f, ctx));
  if (request.contract().id().empty()) {
    return UsageError(
        absl::StrCat(f.file, ": contract.id: required: the contract to amend"));
  }
  if (f.amend_expected_version->count() > 0) {
    request.set_expected_version(f.expected_version);
  }
  request.set_idempotency_key(f.idempotency_key);
  ASSIGN_OR_RETURN(hubv1::AmendContractResponse response,
                   ctx.Hub().AmendContract(request));
  ctx.Print(response,
            Started("amendment", response.workflow_id(), response.contract()));
  return absl::OkStatus();
}

absl::Status Renew(const LifecycleFlags& f, CommandContext& ctx) {
  hubv1::RenewContractRequest request;
  request.set_contract_id(f.contract_id);
  ASSIGN_OR_RETURN(*request.mutable_renewal(), ReadContract(f, ctx));
  const std::string& renews = request.renewal().renewal_of_contract_id();
  if (!renews.empty() && renews != f.contract_id) {
    return UsageError(
        absl::StrCat(f.file, ": contract.renewal_of_contract_id: '", renews,
                     "' is not CONTRACT_ID '", f.contract_id, "'"));
  }
  request.set_idempotency_key(f.idempotency_key);
  ASSIGN_OR_RETURN(hubv1::RenewContractResponse response,
                   ctx.Hub().RenewContract(request));
  ctx.Print(response,
            Started("renewal", response.workflow_id(), response.contract()));
  return absl::OkStatus();
}

absl::StatusOr<hubv1::CancellationCredit> ParseCredit(const LifecycleFlags& f) {
  if (f.credit_option->count() == 0) {
    return hubv1::CANCELLATION_CREDIT_UNSPECIFIED;
  }
  if (absl::AsciiStrToLower(f.credit) == "unused") {
    return hubv1::CANCELLATION_CREDIT_UNUSED_PORTION;
  }
  absl::StatusOr<int> value = ParseEnumShortName(
      hubv1::CancellationCredit_descriptor(), f.credit, "--credit");
  if (!value.ok()) {
    return UsageError(
        absl::StrCat("--credit: '", f.credit, "' is not one of none, unused"));
  }
  return static_cast<hubv1::CancellationCredit>(*value);
}

absl::Status Cancel(const LifecycleFlags& f, CommandContext& ctx) {
  hubv1::CancelContractRequest request;
  request.set_contract_id(f.contract_id);
  absl::StatusOr<google::protobuf::Timestamp> at = ParseTimestamp(f.at, "--at");
  if (!at.ok()) return UsageError(at.status());
  *request.mutable_cancelled_at() = *at;
  if (absl::StripAsciiWhitespace(f.reason).empty()) {
    return UsageError("--reason: must say why the contract is cancelled");
  }
  request.set_reason(f.reason);
  ASSIGN_OR_RETURN(hubv1::CancellationCredit credit, ParseCredit(f));
  request.set_credit(credit);
  if (f.cancel_expected_version->count() > 0) {
    request.set_expected_version(f.expected_version);
  }
  request.set_idempotency_key(f.idempotency_key);
  ASSIGN_OR_RETURN(hubv1::CancelContractResponse response,
                   ctx.Hub().CancelContract(request));
  ctx.Print(response, Started("cancellation", response.workflow_id(),
                              response.contract()));
  return absl::OkStatus();
}

}  // namespace

void DefineContractLifecycleCommands(CLI::App& contracts, CommandContext& ctx) {
  LifecycleFlags& f = ctx.NewFlags<LifecycleFlags>();
  const std::string file_help =
      "A revhub.canonical.v1.Contract in proto3 JSON, or - for stdin";
  const std::string key_help =
      "Same key and request: the first answer again, nothing started twice";
  const std::string version_help =
      "Refused unless the current version is this one";

  CLI::App* book = contracts.add_subcommand(
      "book",
      "Book a contract (ACTIVE) and start its booking workflow; prints the "
      "workflow id");
  book->add_option("FILE", f.file, file_help)->required();
  book->add_option("--idempotency-key", f.idempotency_key, key_help);
  ctx.OnParsed(book, [&f, &ctx] { return Book(f, ctx); });

  CLI::App* amend = contracts.add_subcommand(
      "amend",
      "Store the next version of an ACTIVE contract (whole, with its id) and "
      "start its amendment workflow");
  amend->add_option("FILE", f.file, file_help)->required();
  f.amend_expected_version =
      amend->add_option("--expected-version", f.expected_version, version_help)
          ->check(CLI::PositiveNumber);
  amend->add_option("--idempotency-key", f.idempotency_key, key_help);
  ctx.OnParsed(amend, [&f, &ctx] { return Amend(f, ctx); });

  CLI::App* renew = contracts.add_subcommand(
      "renew",
      "Book the renewal term of a contract as a new contract and start its "
      "renewal workflow");
  renew->add_option("CONTRACT_ID", f.contract_id, "The contract renewed")
      ->required();
  renew
      ->add_option("FILE", f.file,
                   "The new term as a revhub.canonical.v1.Contract in proto3 "
                   "JSON (customer and currency default to the renewed "
                   "contract's), or - for stdin")
      ->required();
  renew->add_option("--idempotency-key", f.idempotency_key, key_help);
  ctx.OnParsed(renew, [&f, &ctx] { return Renew(f, ctx); });

  CLI::App* cancel = contracts.add_subcommand(
      "cancel",
      "Cancel an ACTIVE contract and start the workflow that compensates "
      "what was posted");
  cancel->add_option("CONTRACT_ID", f.contract_id, "The contract")->required();
  cancel
      ->add_option("--at", f.at,
                   "When the cancellation takes effect (RFC 3339)")
      ->required();
  cancel->add_option("--reason", f.reason, "Why, for the record")->required();
  f.credit_option = cancel->add_option(
      "--credit", f.credit,
      "none (default): what was billed stays billed; unused: a credit note "
      "for the billed service after --at");
  f.cancel_expected_version =
      cancel->add_option("--expected-version", f.expected_version, version_help)
          ->check(CLI::PositiveNumber);
  cancel->add_option("--idempotency-key", f.idempotency_key, key_help);
  ctx.OnParsed(cancel, [&f, &ctx] { return Cancel(f, ctx); });
}

}  // namespace revhub::cli
