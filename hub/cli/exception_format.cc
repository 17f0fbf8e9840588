#include "hub/cli/exception_format.h"

#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "canonical/money.h"
#include "hub/cli/format.h"
#include "hub/cli/records_format.h"
#include "hub/cli/workflow_format.h"

namespace revhub::cli {
namespace {

namespace canon = ::revhub::canonical::v1;
using Fields = std::vector<std::pair<std::string, std::string>>;

// Returns true when bytes are UTF-8 text without control characters other
// than tab, newline and carriage return.
bool IsText(absl::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    size_t extra = 0;
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
        return false;
      }
    } else if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
      extra = 1;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
    } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
      extra = 3;
    } else {
      return false;
    }
    if (i + extra >= bytes.size()) return false;  // cut short
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(bytes[i + k]) & 0xC0) != 0x80) {
        return false;
      }
    }
    i += extra + 1;
  }
  return true;
}

std::string FormatPayload(const hubv1::RawRecord& record) {
  if (record.payload().empty()) {
    return record.size_bytes() > 0
               ? absl::StrCat("(", record.size_bytes(),
                              " bytes, not sent with the exception)")
               : "(empty)";
  }
  if (!IsText(record.payload())) {
    return absl::StrCat("(", record.payload().size(), " bytes of ",
                        OrDash(record.content_type()),
                        ", not text; `revhub records get ", record.record_id(),
                        " --payload` writes them as received)");
  }
  return record.payload();
}

// Returns a number of seconds as FormatAge does.
std::string FormatSeconds(int64_t seconds) {
  google::protobuf::Duration age;
  age.set_seconds(seconds);
  return FormatAge(age);
}

}  // namespace

std::string FormatSla(const hubv1::Exception& e) {
  std::string out = HyphenatedName(hubv1::SlaState_descriptor(), e.sla_state());
  const bool running = e.sla_state() == hubv1::SLA_STATE_WITHIN ||
                       e.sla_state() == hubv1::SLA_STATE_AT_RISK ||
                       e.sla_state() == hubv1::SLA_STATE_BREACHED;
  if (running && e.state() != hubv1::EXCEPTION_STATE_RESOLVED &&
      IsSet(e.sla_due_at()) && IsSet(e.created_at())) {
    // The hub's clock when it answered: created_at + age.
    const int64_t hub_now = e.created_at().seconds() + e.age().seconds();
    const int64_t left = e.sla_due_at().seconds() - hub_now;
    absl::StrAppend(
        &out, left >= 0 ? absl::StrCat(" (", FormatSeconds(left), " left)")
                        : absl::StrCat(" (", FormatSeconds(-left), " over)"));
  }
  return out;
}

std::string FormatAtStakeTotals(
    const google::protobuf::RepeatedPtrField<hubv1::Exception>& exceptions) {
  std::map<std::string, Nanos> totals;
  int malformed = 0;
  for (const hubv1::Exception& e : exceptions) {
    // Money is at stake while an exception is open only.
    if (e.state() == hubv1::EXCEPTION_STATE_RESOLVED) continue;
    const canon::Money& amount = e.amount_at_stake();
    if (amount.currency_code().empty() && amount.units() == 0 &&
        amount.nanos() == 0) {
      continue;
    }
    if (!ValidateMoney(amount, "amount_at_stake").ok()) {
      ++malformed;
      continue;
    }
    totals[amount.currency_code()] += ToNanos(amount);
  }
  std::vector<std::string> parts;
  for (const auto& [currency, nanos] : totals) {
    absl::StatusOr<canon::Money> money = MoneyFromNanos(currency, nanos);
    parts.push_back(money.ok() ? FormatMoney(*money)
                               : absl::StrCat("(", currency, " out of range)"));
  }
  std::string out = parts.empty() ? "-" : absl::StrJoin(parts, ", ");
  if (malformed > 0) {
    absl::StrAppend(&out, " (", malformed, " malformed ",
                    malformed == 1 ? "amount" : "amounts", " not summed)");
  }
  return out;
}

std::string RenderExceptionTable(const hubv1::ListExceptionsResponse& page) {
  if (page.exceptions_size() == 0) return "no exceptions\n";
  Table table({"ID", "KIND", "CATEGORY", "STATE", "SYSTEM", "OWNER", "AT STAKE",
               "AGE", "SLA", "CONTRACT/RECORD", "ERROR"});
  table.AlignRight(0);
  table.AlignRight(6);
  table.AlignRight(7);
  for (const hubv1::Exception& e : page.exceptions()) {
    table.AddRow(
        {absl::StrCat(e.exception_id()),
         HyphenatedName(hubv1::ExceptionKind_descriptor(), e.kind()),
         HyphenatedName(hubv1::ExceptionCategory_descriptor(), e.category()),
         HyphenatedName(hubv1::ExceptionState_descriptor(), e.state()),
         OrDash(e.system()), OrDash(e.owner()),
         FormatMoneyOrDash(e.amount_at_stake()), FormatAge(e.age()),
         FormatSla(e),
         e.record_id() != 0 ? absl::StrCat("record ", e.record_id())
                            : OrDash(e.contract_id()),
         OrDash(Shorten(e.error()))});
  }
  const int n = page.exceptions_size();
  int resolved = 0;
  for (const hubv1::Exception& e : page.exceptions()) {
    if (e.state() == hubv1::EXCEPTION_STATE_RESOLVED) ++resolved;
  }
  if (resolved == 0) {
    return absl::StrCat(
        table.Render(), "\n", n, n == 1 ? " exception" : " exceptions",
        "; at stake: ", FormatAtStakeTotals(page.exceptions()), "\n");
  }
  return absl::StrCat(
      table.Render(), "\n", n, n == 1 ? " exception" : " exceptions",
      "; open at stake: ", FormatAtStakeTotals(page.exceptions()), " (the ",
      resolved, " resolved ", resolved == 1 ? "is" : "are", " not counted)\n");
}

std::string RenderExceptionDetail(const hubv1::GetExceptionResponse& r) {
  const hubv1::Exception& e = r.exception();
  Fields fields = {
      {"exception", absl::StrCat(e.exception_id())},
      {"kind", HyphenatedName(hubv1::ExceptionKind_descriptor(), e.kind())},
      {"category",
       HyphenatedName(hubv1::ExceptionCategory_descriptor(), e.category())},
      {"state", HyphenatedName(hubv1::ExceptionState_descriptor(), e.state())},
      {"system", OrDash(e.system())},
      {"owner", OrDash(e.owner())},
      {"amount at stake", FormatMoneyOrDash(e.amount_at_stake())},
      {"age", FormatAge(e.age())},
      {"sla", FormatSla(e)},
      {"sla due at", FormatTimestamp(e.sla_due_at())},
      {"contract", OrDash(e.contract_id())},
  };
  if (!e.workflow_id().empty()) {
    fields.emplace_back("workflow",
                        absl::StrCat(e.workflow_id(), " step #", e.step_index(),
                                     " ", OrDash(e.step_name())));
  }
  if (e.record_id() != 0) {
    fields.emplace_back("record", absl::StrCat(e.record_id()));
  }
  fields.emplace_back("entity",
                      e.has_entity() ? FormatEntityRef(e.entity()) : "-");
  fields.emplace_back("error", OrDash(e.error()));
  fields.emplace_back("field path", OrDash(e.field_path()));
  if (!e.vendor_field_path().empty()) {
    fields.emplace_back("vendor field", e.vendor_field_path());
  }
  fields.emplace_back("vendor code", OrDash(e.vendor_code()));
  fields.emplace_back("attempts", absl::StrCat(e.attempts()));
  fields.emplace_back("created at", FormatTimestamp(e.created_at()));
  fields.emplace_back("updated at", FormatTimestamp(e.updated_at()));
  fields.emplace_back("resolved at", FormatTimestamp(e.resolved_at()));
  fields.emplace_back("resolution", OrDash(e.resolution()));
  std::string out = RenderFields(fields);

  out += "\nhistory:\n";
  if (e.history_size() == 0) {
    out += "  none\n";
  } else {
    Table history({"AT", "ACTION", "PRINCIPAL", "NOTE"});
    for (const hubv1::ExceptionAction& a : e.history()) {
      history.AddRow({FormatTimestamp(a.at()), OrDash(a.action()),
                      OrDash(a.principal()), OrDash(a.note())});
    }
    out += Indent(history.Render());
  }
  if (!e.vendor_response().empty()) {
    absl::StrAppend(&out, "\nvendor response:\n", Indent(e.vendor_response()));
  }
  if (r.has_record()) {
    absl::StrAppend(&out, "\nrecord:\n", Indent(RenderRecord(r.record())),
                    "\npayload:\n", Indent(FormatPayload(r.record())));
  }
  if (r.has_workflow()) {
    absl::StrAppend(&out, "\nworkflow:\n",
                    Indent(RenderWorkflow(r.workflow(), /*payloads=*/false)));
    for (const hubv1::WorkflowStep& s : r.workflow().steps()) {
      if (s.index() != e.step_index() || !s.has_payload()) continue;
      absl::StrAppend(&out, "\npayload of step ", StepLabel(s), ":\n",
                      Indent(PayloadJson(s.payload())));
    }
  }
  return out;
}

}  // namespace revhub::cli
