#include "hub/cli/orchestration_format.h"

#include <google/protobuf/util/json_util.h>

#include <cstdint>
#include <iterator>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "canonical/money.h"
#include "hub/cli/format.h"

namespace revhub::cli {
namespace {

namespace canon = ::revhub::canonical::v1;
using Fields = std::vector<std::pair<std::string, std::string>>;

// Table cells longer than this many code points are cut with "…".
constexpr size_t kCellWidth = 60;

std::string OrDash(absl::string_view text) {
  return text.empty() ? "-" : std::string(text);
}

bool IsSet(const google::protobuf::Timestamp& time) {
  return time.seconds() != 0 || time.nanos() != 0;
}

// Returns text on one line (runs of white space, newlines included, become
// one space), cut to `width` code points with a trailing "…".
std::string Shorten(absl::string_view text, size_t width = kCellWidth) {
  std::string flat;
  bool pending_space = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      pending_space = !flat.empty();
      continue;
    }
    if (pending_space) flat += ' ';
    pending_space = false;
    flat += c;
  }
  if (DisplayWidth(flat) <= width) return flat;
  size_t count = 0;
  size_t end = 0;
  for (; end < flat.size(); ++end) {
    unsigned char c = static_cast<unsigned char>(flat[end]);
    if ((c & 0xC0) == 0x80) continue;  // inside a code point
    if (count == width - 1) break;
    ++count;
  }
  return absl::StrCat(flat.substr(0, end), "…");
}

// Returns block with every line indented by two spaces; empty lines stay
// empty, and a final newline is not a line of its own.
std::string Indent(absl::string_view block) {
  if (!block.empty() && block.back() == '\n') block.remove_suffix(1);
  std::string out;
  for (absl::string_view line : absl::StrSplit(block, '\n')) {
    absl::StrAppend(&out, line.empty() ? "" : "  ", line, "\n");
  }
  return out;
}

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

// Returns a duration in seconds in its two largest units ("3h12m").
std::string FormatSeconds(int64_t seconds) {
  if (seconds <= 0) return "0s";
  const int64_t days = seconds / 86400;
  const int64_t hours = seconds % 86400 / 3600;
  const int64_t minutes = seconds % 3600 / 60;
  const int64_t secs = seconds % 60;
  auto two = [](int64_t big, const char* big_unit, int64_t small,
                const char* small_unit) {
    return small == 0 ? absl::StrCat(big, big_unit)
                      : absl::StrCat(big, big_unit, small, small_unit);
  };
  if (days > 0) return two(days, "d", hours, "h");
  if (hours > 0) return two(hours, "h", minutes, "m");
  if (minutes > 0) return two(minutes, "m", secs, "s");
  return absl::StrCat(secs, "s");
}

// Returns a planned payload as indented JSON with only the fields it sets:
// what the step sends, without the defaults ToJson spells out.
std::string PayloadJson(const google::protobuf::Message& payload) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  std::string json;
  // Printing a well-formed message cannot fail (no Any in a payload).
  (void)google::protobuf::util::MessageToJsonString(payload, &json, options);
  return json;
}

bool IsDone(const hubv1::WorkflowStep& step) {
  return step.state() == hubv1::STEP_STATE_SUCCEEDED ||
         step.state() == hubv1::STEP_STATE_SKIPPED;
}

std::string StepLabel(const hubv1::WorkflowStep& step) {
  return absl::StrCat("#", step.index(), " ", step.name());
}

std::string FormatEntity(const hubv1::WorkflowStep& step) {
  return step.has_entity() ? FormatEntityRef(step.entity()) : "-";
}

std::string JoinVendorRefs(
    const google::protobuf::RepeatedPtrField<canon::ExternalRef>& refs) {
  std::vector<std::string> parts;
  for (const canon::ExternalRef& ref : refs) {
    parts.push_back(FormatExternalRef(ref));
  }
  return parts.empty() ? "-" : absl::StrJoin(parts, ", ");
}

std::string StepError(const hubv1::WorkflowStep& step) {
  if (step.last_error().empty()) return "";
  return step.last_error_code().empty()
             ? step.last_error()
             : absl::StrCat("[", step.last_error_code(), "] ",
                            step.last_error());
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

}  // namespace

std::string HyphenatedName(const google::protobuf::EnumDescriptor* type,
                           int value) {
  return absl::StrReplaceAll(EnumShortName(type, value), {{"_", "-"}});
}

std::string HyphenatedChoices(const google::protobuf::EnumDescriptor* type) {
  return absl::StrReplaceAll(EnumChoices(type), {{"_", "-"}});
}

absl::StatusOr<google::protobuf::Duration> ParseAge(absl::string_view text,
                                                    absl::string_view flag) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": '", text, "' ", why,
                     " (whole numbers with d, h, m, s, largest first: 90m, "
                     "2h, 1d12h)"));
  };
  static constexpr struct {
    char unit;
    int64_t seconds;
  } kUnits[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
  int64_t total = 0;
  size_t next_unit = 0;  // units must come largest first, once each
  size_t i = 0;
  if (text.empty()) return bad("is empty");
  while (i < text.size()) {
    size_t digits_start = i;
    int64_t number = 0;
    while (i < text.size() && absl::ascii_isdigit(text[i])) {
      if (i - digits_start >= 9) return bad("is too large");
      number = number * 10 + (text[i] - '0');
      ++i;
    }
    if (i == digits_start) return bad("needs a number before each unit");
    if (i == text.size()) return bad("needs a unit after each number");
    char unit = absl::ascii_tolower(text[i]);
    ++i;
    size_t found = next_unit;
    while (found < std::size(kUnits) && kUnits[found].unit != unit) ++found;
    if (found == std::size(kUnits)) {
      bool known = false;
      for (const auto& u : kUnits) known = known || u.unit == unit;
      return bad(known ? "gives its units out of order or twice"
                       : "has a unit that is not d, h, m or s");
    }
    next_unit = found + 1;
    total += number * kUnits[found].seconds;
  }
  if (total <= 0) return bad("must be more than zero");
  google::protobuf::Duration age;
  age.set_seconds(total);
  return age;
}

std::string FormatAge(const google::protobuf::Duration& age) {
  return FormatSeconds(age.seconds());
}

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

std::string FormatStepProgress(const hubv1::Workflow& workflow) {
  int done = 0;
  for (const hubv1::WorkflowStep& step : workflow.steps()) {
    if (IsDone(step)) ++done;
  }
  return absl::StrCat(done, "/", workflow.steps_size());
}

std::string FormatWaitingOn(const hubv1::Workflow& w) {
  switch (w.state()) {
    case hubv1::WORKFLOW_STATE_PENDING:
      return w.blocked_by_workflow_id().empty()
                 ? "its start"
                 : absl::StrCat("after ", w.blocked_by_workflow_id());
    case hubv1::WORKFLOW_STATE_BLOCKED:
      for (const hubv1::WorkflowStep& step : w.steps()) {
        if (step.state() != hubv1::STEP_STATE_FAILED &&
            step.state() != hubv1::STEP_STATE_DEAD_LETTERED) {
          continue;
        }
        std::string out = StepLabel(step);
        if (step.exception_id() != 0) {
          absl::StrAppend(&out, ": exception ", step.exception_id());
        }
        return out;
      }
      return "a step (none failed is listed)";
    case hubv1::WORKFLOW_STATE_RUNNING:
      for (const hubv1::WorkflowStep& step : w.steps()) {
        if (IsDone(step)) continue;
        std::string out = StepLabel(step);
        if (!step.target_system().empty()) {
          absl::StrAppend(&out, " (", step.target_system(), ")");
        }
        if (step.state() == hubv1::STEP_STATE_RETRY_SCHEDULED) {
          absl::StrAppend(&out, ", retry at ",
                          FormatTimestamp(step.next_attempt_at()));
        }
        return out;
      }
      return "-";
    default:
      return "-";
  }
}

std::string RenderWorkflowTable(const hubv1::ListWorkflowsResponse& page) {
  Table table({"WORKFLOW", "KIND", "CONTRACT", "VERSION", "STATE", "STEPS",
               "WAITING ON", "UPDATED"});
  table.AlignRight(3);
  table.AlignRight(5);
  for (const hubv1::Workflow& w : page.workflows()) {
    table.AddRow({w.workflow_id(),
                  HyphenatedName(hubv1::WorkflowKind_descriptor(), w.kind()),
                  OrDash(w.contract_id()), absl::StrCat(w.contract_version()),
                  HyphenatedName(hubv1::WorkflowState_descriptor(), w.state()),
                  FormatStepProgress(w), Shorten(FormatWaitingOn(w)),
                  FormatTimestamp(w.updated_at())});
  }
  return table.Render();
}

std::string RenderWorkflow(const hubv1::Workflow& w, bool payloads) {
  Fields fields = {
      {"workflow", OrDash(w.workflow_id())},
      {"kind", HyphenatedName(hubv1::WorkflowKind_descriptor(), w.kind())},
      {"state", HyphenatedName(hubv1::WorkflowState_descriptor(), w.state())},
      {"contract",
       absl::StrCat(OrDash(w.contract_id()), " v", w.contract_version())},
      {"trigger", OrDash(w.trigger())},
  };
  if (w.trigger_event_position() != 0) {
    fields.emplace_back("trigger event",
                        absl::StrCat(w.trigger_event_position()));
  }
  if (!w.blocked_by_workflow_id().empty()) {
    fields.emplace_back("blocked by", w.blocked_by_workflow_id());
  }
  fields.emplace_back("waiting on", FormatWaitingOn(w));
  fields.emplace_back("steps done", FormatStepProgress(w));
  fields.emplace_back("principal", OrDash(w.principal()));
  if (!w.correlation_id().empty()) {
    fields.emplace_back("correlation id", w.correlation_id());
  }
  fields.emplace_back("created at", FormatTimestamp(w.created_at()));
  fields.emplace_back("updated at", FormatTimestamp(w.updated_at()));
  fields.emplace_back("completed at", FormatTimestamp(w.completed_at()));
  std::string out = RenderFields(fields);

  out += "\n";
  if (w.steps_size() == 0) {
    out += "no steps planned yet\n";
    return out;
  }
  Table steps({"#", "STEP", "TARGET", "ENTITY", "STATE", "ATTEMPTS",
               "NEXT ATTEMPT", "AMOUNT", "VENDOR REFS", "EXCEPTION",
               "ERROR / DETAIL"});
  steps.AlignRight(0);
  steps.AlignRight(5);
  steps.AlignRight(7);
  steps.AlignRight(9);
  std::string errors;
  for (const hubv1::WorkflowStep& s : w.steps()) {
    const std::string error = StepError(s);
    steps.AddRow({absl::StrCat(s.index()), s.name(), OrDash(s.target_system()),
                  FormatEntity(s),
                  HyphenatedName(hubv1::StepState_descriptor(), s.state()),
                  absl::StrCat(s.attempts()),
                  s.state() == hubv1::STEP_STATE_RETRY_SCHEDULED
                      ? FormatTimestamp(s.next_attempt_at())
                      : "-",
                  FormatMoneyOrDash(s.amount()),
                  JoinVendorRefs(s.vendor_refs()),
                  s.exception_id() != 0 ? absl::StrCat(s.exception_id()) : "-",
                  OrDash(Shorten(error.empty() ? s.detail() : error))});
    if (!error.empty()) {
      absl::StrAppend(&errors, "  ", StepLabel(s), ": ", error, "\n");
    }
  }
  out += steps.Render();
  if (!errors.empty()) absl::StrAppend(&out, "\nlast errors:\n", errors);
  if (payloads) {
    std::string planned;
    for (const hubv1::WorkflowStep& s : w.steps()) {
      if (!s.has_payload()) continue;
      absl::StrAppend(&planned, "  ", StepLabel(s), ":\n",
                      Indent(Indent(PayloadJson(s.payload()))));
    }
    absl::StrAppend(&out, "\npayloads:\n",
                    planned.empty() ? "  none planned\n" : planned);
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
  return absl::StrCat(
      table.Render(), "\n", n, n == 1 ? " exception" : " exceptions",
      "; at stake: ", FormatAtStakeTotals(page.exceptions()), "\n");
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
