#include "case_runner.h"

#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "canonical/revenue/calendar.h"
#include "canonical/validation.h"

namespace revhub::revenue::testing {
namespace {

using canonical::v1::AccountRole;

absl::Status Bad(const std::string& file, int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(file, ":", line, ": ", what));
}

// Parses "2024-06-15", "2024-06-15T12:00" or "2024-06-15T12:00:00".
bool ParseInstant(absl::string_view text, int64_t* ms) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return false;
  if (!absl::SimpleAtoi(text.substr(0, 4), &y) ||
      !absl::SimpleAtoi(text.substr(5, 2), &mo) ||
      !absl::SimpleAtoi(text.substr(8, 2), &d)) {
    return false;
  }
  if (text.size() > 10) {
    if (text[10] != 'T' || text.size() < 16) return false;
    if (!absl::SimpleAtoi(text.substr(11, 2), &h) ||
        !absl::SimpleAtoi(text.substr(14, 2), &mi)) {
      return false;
    }
    if (text.size() >= 19 && !absl::SimpleAtoi(text.substr(17, 2), &s))
      return false;
  }
  *ms =
      DaysFromCivil(y, mo, d) * kMsPerDay + (h * 3600LL + mi * 60LL + s) * 1000;
  return true;
}

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> named;
  bool Has(const std::string& k) const { return named.count(k) > 0; }
  std::string Get(const std::string& k) const {
    auto it = named.find(k);
    return it == named.end() ? "" : it->second;
  }
};

Args Split(const std::vector<std::string>& words, size_t from) {
  Args a;
  for (size_t i = from; i < words.size(); ++i) {
    const auto eq = words[i].find('=');
    if (eq == std::string::npos) {
      a.positional.push_back(words[i]);
      a.named[words[i]] = "";
    } else {
      a.named[words[i].substr(0, eq)] = words[i].substr(eq + 1);
    }
  }
  return a;
}

std::optional<AccountRole> RoleNamed(absl::string_view name) {
  static const std::map<std::string, AccountRole, std::less<>> kRoles = {
      {"receivable", canonical::v1::ACCOUNT_ROLE_RECEIVABLE},
      {"unbilled", canonical::v1::ACCOUNT_ROLE_UNBILLED_RECEIVABLE},
      {"deferred", canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE},
      {"revenue", canonical::v1::ACCOUNT_ROLE_REVENUE},
      {"contra", canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE},
      {"contra_refund", canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE_REFUND},
      {"contra_void", canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE_VOID},
      {"contra_dispute", canonical::v1::ACCOUNT_ROLE_CONTRA_REVENUE_DISPUTE},
      {"tax", canonical::v1::ACCOUNT_ROLE_TAX_PAYABLE},
      {"cash", canonical::v1::ACCOUNT_ROLE_CASH}};
  auto it = kRoles.find(name);
  if (it == kRoles.end()) return std::nullopt;
  return it->second;
}

bool CreditNatured(AccountRole role) {
  return role == canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE ||
         role == canonical::v1::ACCOUNT_ROLE_REVENUE ||
         role == canonical::v1::ACCOUNT_ROLE_TAX_PAYABLE;
}

canonical::v1::RevenueRule RuleNamed(absl::string_view name) {
  if (name == "ratable") return canonical::v1::REVENUE_RULE_RATABLE;
  if (name == "point") return canonical::v1::REVENUE_RULE_POINT_IN_TIME;
  if (name == "usage") return canonical::v1::REVENUE_RULE_USAGE;
  if (name == "milestone") return canonical::v1::REVENUE_RULE_MILESTONE;
  return canonical::v1::REVENUE_RULE_UNSPECIFIED;
}

// Parses "1m", "3m", "1y", "2w", "30d" into the version's renewal_interval.
bool ParseInterval(const std::string& text, Contract* version) {
  if (text.size() < 2) return false;
  int count = 0;
  if (!absl::SimpleAtoi(text.substr(0, text.size() - 1), &count)) return false;
  auto* i = version->mutable_renewal_interval();
  i->set_count(count);
  switch (text.back()) {
    case 'd':
      i->set_unit(canonical::v1::INTERVAL_UNIT_DAY);
      return true;
    case 'w':
      i->set_unit(canonical::v1::INTERVAL_UNIT_WEEK);
      return true;
    case 'm':
      i->set_unit(canonical::v1::INTERVAL_UNIT_MONTH);
      return true;
    case 'y':
      i->set_unit(canonical::v1::INTERVAL_UNIT_YEAR);
      return true;
    default:
      return false;
  }
}

}  // namespace

absl::Status ParseCaseFile(const std::string& path, std::vector<Case>* out) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::string text;
  int n = 0;
  Case* c = nullptr;
  Contract* version = nullptr;
  std::string currency = "USD";
  auto money = [&](const std::string& s, Money* m) -> bool {
    auto parsed = ParseMoney(s, currency);
    if (!parsed.ok()) return false;
    *m = *parsed;
    return true;
  };
  auto decimal = [&](const std::string& s, Decimal* d) -> bool {
    auto parsed = ParseDecimal(s);
    if (!parsed.ok()) return false;
    *d = *parsed;
    return true;
  };
  auto instant = [&](const std::string& s,
                     google::protobuf::Timestamp* ts) -> bool {
    int64_t ms = 0;
    if (!ParseInstant(s, &ms)) return false;
    *ts = FromMs(ms);
    return true;
  };
  while (std::getline(in, text)) {
    ++n;
    const std::string stripped(absl::StripAsciiWhitespace(text));
    if (stripped.empty() || stripped[0] == '#') continue;
    std::vector<std::string> w =
        absl::StrSplit(stripped, ' ', absl::SkipEmpty());
    const std::string& cmd = w[0];
    if (cmd == "case") {
      out->emplace_back();
      c = &out->back();
      c->file = path;
      c->line_number = n;
      c->name = stripped.substr(5);
      version = nullptr;
      currency = "USD";
      continue;
    }
    if (c == nullptr) return Bad(path, n, "a case starts with `case NAME`");
    const Args a = Split(w, 1);
    bool ok = true;
    if (cmd == "end") {
      c = nullptr;
    } else if (cmd == "source") {
      c->source = a.positional.at(0);
    } else if (cmd == "currency") {
      currency = a.positional.at(0);
    } else if (cmd == "convention") {
      const std::string& v = a.positional.at(0);
      c->settings.convention =
          v == "by_instant"   ? canonical::v1::PERIOD_CONVENTION_BY_INSTANT
          : v == "month_even" ? canonical::v1::PERIOD_CONVENTION_BY_MONTH_EVEN
          : v == "pro_rata" ? canonical::v1::PERIOD_CONVENTION_MONTHLY_PRO_RATA
                            : canonical::v1::PERIOD_CONVENTION_BY_DAY;
    } else if (cmd == "account") {
      auto role = RoleNamed(a.positional.at(1));
      ok = role.has_value();
      if (ok)
        c->settings.accounts.Set(
            a.positional.at(0) == "*" ? "" : a.positional.at(0), *role,
            a.positional.at(2));
    } else if (cmd == "product") {
      Product& p = c->input.products.emplace_back();
      p.set_id(a.positional.at(0));
      p.set_name(a.positional.at(0));
      p.set_revenue_rule(RuleNamed(a.Get("rule")));
      if (a.Has("ssp"))
        ok = money(a.Get("ssp"), p.mutable_standalone_selling_price());
      if (a.Has("ssp_months"))
        p.set_ssp_period_months(std::stoi(a.Get("ssp_months")));
      p.set_ssp_highly_variable(a.Has("variable"));
      if (a.Has("distinct_periods")) {
        (*p.mutable_attributes())[kDistinctPeriodsAttribute] =
            a.Get("distinct_periods");
      }
    } else if (cmd == "version") {
      version = &c->input.contract_versions.emplace_back();
      version->set_id(a.Has("id") ? a.Get("id") : "c1");
      version->set_customer_id("cus1");
      version->set_legal_entity(a.Has("entity") ? a.Get("entity") : "ACME-US");
      version->set_version(std::stoll(a.positional.at(0)));
      version->set_currency_code(currency);
      version->set_status(a.Get("status") == "cancelled"
                              ? canonical::v1::CONTRACT_STATUS_CANCELLED
                              : canonical::v1::CONTRACT_STATUS_ACTIVE);
      if (a.Has("effective"))
        ok = instant(a.Get("effective"), version->mutable_effective_at());
      if (a.Has("term_start"))
        ok = ok && instant(a.Get("term_start"),
                           version->mutable_term()->mutable_start_time());
      if (a.Has("term_end"))
        ok = ok && instant(a.Get("term_end"),
                           version->mutable_term()->mutable_end_time());
      if (a.Has("renewal")) {
        const std::string r = a.Get("renewal");
        version->set_renewal_behavior(
            r == "evergreen"    ? canonical::v1::RENEWAL_BEHAVIOR_EVERGREEN
            : r == "auto_renew" ? canonical::v1::RENEWAL_BEHAVIOR_AUTO_RENEW
            : r == "fixed"      ? canonical::v1::RENEWAL_BEHAVIOR_FIXED
                                : canonical::v1::RENEWAL_BEHAVIOR_UNSPECIFIED);
        ok = ok && version->renewal_behavior() !=
                       canonical::v1::RENEWAL_BEHAVIOR_UNSPECIFIED;
      }
      if (a.Has("interval"))
        ok = ok && ParseInterval(a.Get("interval"), version);
      if (a.Has("cancelled"))
        ok = ok && instant(a.Get("cancelled"), version->mutable_cancelled_at());
      if (a.Has("reason")) version->set_cancellation_reason(a.Get("reason"));
    } else if (cmd == "line") {
      if (version == nullptr)
        return Bad(path, n, "`line` needs a `version` first");
      auto* l = version->add_lines();
      l->set_line_id(a.positional.at(0));
      l->set_product_id(a.Get("product"));
      ok = decimal(a.Has("qty") ? a.Get("qty") : "1", l->mutable_quantity()) &&
           money(a.Get("price"), l->mutable_unit_price());
      if (a.Has("start")) {
        ok = ok && instant(a.Get("start"),
                           l->mutable_service_period()->mutable_start_time());
      }
      if (a.Has("end")) {
        ok = ok && instant(a.Get("end"),
                           l->mutable_service_period()->mutable_end_time());
      }
      if (a.Has("delivered"))
        ok = ok && instant(a.Get("delivered"), l->mutable_delivered_at());
      if (a.Has("included_tax"))
        ok = ok && money(a.Get("included_tax"), l->mutable_included_tax());
      if (a.Has("ssp"))
        ok = ok && money(a.Get("ssp"), l->mutable_standalone_selling_price());
      if (a.Has("discount"))
        ok = ok && money(a.Get("discount"), l->mutable_discount_amount());
      if (a.Has("percent"))
        ok = ok && decimal(a.Get("percent"), l->mutable_discount_percent());
      if (a.Has("rule")) l->set_revenue_rule(RuleNamed(a.Get("rule")));
      l->set_downgrade(a.Has("downgrade"));
    } else if (cmd == "discount") {
      if (version == nullptr)
        return Bad(path, n, "`discount` needs a `version` first");
      auto* d = version->add_discounts();
      ok = money(a.positional.at(0), d->mutable_amount());
      if (a.Has("lines")) {
        for (const auto& id : absl::StrSplit(a.Get("lines"), ','))
          d->add_line_ids(std::string(id));
      }
    } else if (cmd == "invoice") {
      Invoice& inv = c->input.events.invoices.emplace_back();
      inv.set_id(a.positional.at(0));
      inv.set_contract_id("c1");
      inv.set_customer_id("cus1");
      inv.set_currency_code(currency);
      inv.set_kind(a.Get("kind") == "credit"
                       ? canonical::v1::INVOICE_KIND_CREDIT_NOTE
                       : canonical::v1::INVOICE_KIND_INVOICE);
      inv.set_status(a.Get("status") == "void"
                         ? canonical::v1::INVOICE_STATUS_VOID
                         : canonical::v1::INVOICE_STATUS_OPEN);
      ok = instant(a.Get("issued"), inv.mutable_issued_at()) &&
           money(a.Get("subtotal"), inv.mutable_subtotal());
      if (a.Has("tax")) ok = ok && money(a.Get("tax"), inv.mutable_tax_total());
      if (a.Has("discount"))
        ok = ok && money(a.Get("discount"), inv.mutable_discount_total());
      if (a.Has("total")) ok = ok && money(a.Get("total"), inv.mutable_total());
      inv.set_tax_inclusive(a.Has("inclusive"));
      if (a.Has("voided"))
        ok = ok && instant(a.Get("voided"), inv.mutable_effective_at());
      if (a.Has("void_reason")) {
        const std::string r = a.Get("void_reason");
        inv.set_void_reason(r == "sale_cancelled"
                                ? canonical::v1::VOID_REASON_SALE_CANCELLED
                                : canonical::v1::VOID_REASON_REISSUED);
        ok = ok && (r == "sale_cancelled" || r == "reissued");
      }
      if (a.Has("credits")) inv.set_credited_invoice_id(a.Get("credits"));
      if (a.Has("refunds")) {
        for (const auto& id : absl::StrSplit(a.Get("refunds"), ','))
          inv.add_refund_ids(std::string(id));
      }
      if (a.Has("lines")) {
        for (const auto& id : absl::StrSplit(a.Get("lines"), ',')) {
          inv.add_lines()->set_contract_line_id(std::string(id));
        }
      }
    } else if (cmd == "bill") {
      // bill LINE amount=X [start=.. end=..] [delivered=..] [proration]
      //      [product=P] [qty=N] [tax=T]: a line of the last invoice; LINE
      //      "-" names no contract line.
      if (c->input.events.invoices.empty())
        return Bad(path, n, "`bill` needs an `invoice` first");
      auto* l = c->input.events.invoices.back().add_lines();
      if (a.positional.at(0) != "-")
        l->set_contract_line_id(a.positional.at(0));
      l->set_product_id(a.Get("product"));
      ok = money(a.Get("amount"), l->mutable_amount());
      if (a.Has("start"))
        ok = ok && instant(a.Get("start"),
                           l->mutable_service_period()->mutable_start_time());
      if (a.Has("end"))
        ok = ok && instant(a.Get("end"),
                           l->mutable_service_period()->mutable_end_time());
      if (a.Has("delivered"))
        ok = ok && instant(a.Get("delivered"), l->mutable_delivered_at());
      if (a.Has("qty")) ok = ok && decimal(a.Get("qty"), l->mutable_quantity());
      if (a.Has("tax")) ok = ok && money(a.Get("tax"), l->mutable_tax_amount());
      l->set_proration(a.Has("proration"));
    } else if (cmd == "payment") {
      Payment& p = c->input.payments.emplace_back();
      p.set_id(a.positional.at(0));
      p.set_customer_id("cus1");
      p.set_status(canonical::v1::PAYMENT_STATUS_SUCCEEDED);
      ok = instant(a.Get("received"), p.mutable_received_at()) &&
           money(a.Get("amount"), p.mutable_amount());
      if (a.Has("refunded")) {
        p.set_status(canonical::v1::PAYMENT_STATUS_PARTIALLY_REFUNDED);
        ok = ok && money(a.Get("refunded"), p.mutable_refunded_amount()) &&
             instant(a.Get("refunded_at"), p.mutable_effective_at());
      }
    } else if (cmd == "refund" || cmd == "dispute") {
      // refund PAYMENT ID amount=X at=T [credit_note=CN] [status=pending]
      // dispute PAYMENT ID amount=X opened=T [won=T | lost=T]
      Payment* p = nullptr;
      for (Payment& q : c->input.payments) {
        if (q.id() == a.positional.at(0)) p = &q;
      }
      if (p == nullptr)
        return Bad(path, n, absl::StrCat("no payment ", a.positional.at(0)));
      if (cmd == "refund") {
        auto* r = p->add_refunds();
        r->set_id(a.positional.at(1));
        r->set_credit_note_id(a.Get("credit_note"));
        r->set_status(a.Get("status") == "pending"
                          ? canonical::v1::REFUND_STATUS_PENDING
                          : canonical::v1::REFUND_STATUS_SUCCEEDED);
        ok = money(a.Get("amount"), r->mutable_amount()) &&
             instant(a.Get("at"), r->mutable_refunded_at());
      } else {
        auto* d = p->add_disputes();
        d->set_id(a.positional.at(1));
        d->set_status(canonical::v1::DISPUTE_STATUS_OPEN);
        ok = money(a.Get("amount"), d->mutable_amount()) &&
             instant(a.Get("opened"), d->mutable_opened_at());
        if (a.Has("won")) {
          d->set_status(canonical::v1::DISPUTE_STATUS_WON);
          ok = ok && instant(a.Get("won"), d->mutable_closed_at());
        } else if (a.Has("lost")) {
          d->set_status(canonical::v1::DISPUTE_STATUS_LOST);
          ok = ok && instant(a.Get("lost"), d->mutable_closed_at());
        }
      }
    } else if (cmd == "close") {
      // close PERIOD: the period closes with the facts given so far; what
      // follows arrives after the close.
      // Consecutive closes share the state before the first of them.
      if (!c->before_close.has_value()) {
        c->before_close = c->input;
        c->closed_before = c->settings.closed_periods;
      }
      c->settings.closed_periods.push_back(a.positional.at(0));
    } else if (cmd == "usage") {
      auto& u = c->input.events.usage.emplace_back();
      u.set_contract_id("c1");
      u.set_line_id(a.positional.at(0));
      u.set_usage_record_id(a.Get("id"));
      ok = decimal(a.Get("qty"), u.mutable_quantity()) &&
           instant(a.Get("start"), u.mutable_period()->mutable_start_time()) &&
           instant(a.Get("end"), u.mutable_period()->mutable_end_time());
    } else if (cmd == "milestone") {
      auto& m = c->input.events.milestones.emplace_back();
      m.set_contract_id("c1");
      m.set_line_id(a.positional.at(0));
      m.set_name(a.Get("name"));
      ok = instant(a.Get("at"), m.mutable_achieved_at()) &&
           decimal(a.Get("share"), m.mutable_share());
    } else if (cmd == "activate") {
      auto& act = c->input.events.activations.emplace_back();
      act.set_contract_id("c1");
      act.add_line_ids(a.positional.at(0));
      act.set_delivery_id(a.Get("id"));
      ok = instant(a.Get("at"), act.mutable_activated_at());
      if (a.Has("qty"))
        ok = ok && decimal(a.Get("qty"), act.mutable_quantity());
    } else if (cmd == "expect") {
      Expectation e;
      e.line_number = n;
      e.words.assign(w.begin() + 1, w.end());
      if (!e.words.empty() && e.words.back() == "(derived)") {
        e.derived = true;
        e.words.pop_back();
      }
      c->expectations.push_back(std::move(e));
    } else {
      return Bad(path, n, absl::StrCat("unknown command `", cmd, "`"));
    }
    if (!ok) return Bad(path, n, "malformed value");
  }
  return absl::OkStatus();
}

std::vector<std::string> RunCase(const Case& c) {
  std::vector<std::string> failures;
  auto fail = [&](int line, const std::string& what) {
    failures.push_back(absl::StrCat(c.file, ":", line, ": ", what));
  };
  RevenueSettings settings = c.settings;
  if (c.before_close.has_value()) {
    RevenueSettings then = c.settings;
    then.closed_periods = c.closed_before;
    auto before = PreviewSchedule(*c.before_close, then);
    if (!before.ok()) {
      fail(c.line_number, absl::StrCat("the schedule before the close: ",
                                       before.status().ToString()));
      return failures;
    }
    settings.previous = before->schedule;
    settings.previous_entries = before->journal_entries;
  }
  auto result = PreviewSchedule(c.input, settings);
  const std::string currency =
      c.input.contract_versions.empty()
          ? "USD"
          : c.input.contract_versions.front().currency_code();
  for (const Expectation& e : c.expectations) {
    if (!e.words.empty() && e.words[0] == "error") {
      // The whole text after `error`, spaces included.
      const std::string want = absl::StrJoin(
          std::vector<std::string>(e.words.begin() + 1, e.words.end()), " ");
      if (result.ok()) {
        fail(e.line_number, absl::StrCat("expected an error containing \"",
                                         want, "\", got OK"));
      } else if (std::string(result.status().message()).find(want) ==
                 std::string::npos) {
        fail(e.line_number, absl::StrCat("error \"", result.status().message(),
                                         "\" does not contain \"", want, "\""));
      }
    }
  }
  if (!result.ok()) {
    bool expected = false;
    for (const Expectation& e : c.expectations)
      expected |= e.words[0] == "error";
    if (!expected)
      fail(c.line_number,
           absl::StrCat("engine failed: ", result.status().ToString()));
    return failures;
  }
  const RevenueSchedule& s = result->schedule;
  // Invariants every case keeps.
  {
    Nanos total = 0;
    for (const auto& po : s.obligations()) {
      Nanos lines = 0;
      for (const auto& l : s.lines()) {
        if (l.performance_obligation_id() == po.id())
          lines += ToNanos(l.amount());
      }
      if (lines !=
          ToNanos(po.allocated_amount()) - ToNanos(po.pending_amount())) {
        fail(c.line_number, absl::StrCat("lines of ", po.id(), " sum to ",
                                         FormatNanos(lines, 2),
                                         ", not its allocation less pending ",
                                         FormatMoney(po.allocated_amount())));
      }
      total += ToNanos(po.allocated_amount());
    }
    if (total != ToNanos(s.transaction_price())) {
      fail(c.line_number, "allocations do not sum to the transaction price");
    }
    const absl::Status balanced = CheckBalanced(result->journal_entries);
    if (!balanced.ok()) fail(c.line_number, std::string(balanced.message()));
  }
  const auto balances = BalancesByPeriod(result->journal_entries);
  auto po_id = [&](const std::string& line) {
    return absl::StrCat("po_c1_", line);
  };
  auto want_money = [&](const Expectation& e, const std::string& text,
                        Nanos* out) -> bool {
    auto m = ParseMoney(text, currency);
    if (!m.ok()) {
      fail(e.line_number, absl::StrCat("bad amount ", text));
      return false;
    }
    *out = ToNanos(*m);
    return true;
  };
  auto check = [&](const Expectation& e, Nanos got, Nanos want,
                   const std::string& what) {
    if (got != want) {
      fail(e.line_number, absl::StrCat(what, ": got ", FormatNanos(got, 2),
                                       ", want ", FormatNanos(want, 2)));
    }
  };
  for (const Expectation& e : c.expectations) {
    const auto& w = e.words;
    const std::string& kind = w.at(0);
    Nanos want = 0;
    if (kind == "error") continue;
    if (kind == "valid") {
      // expect valid: every version and invoice passes canonical validation.
      for (const Contract& v : c.input.contract_versions) {
        const absl::Status st = ValidateContract(v);
        if (!st.ok())
          fail(e.line_number,
               absl::StrCat("version ", v.version(), ": ", st.message()));
      }
      for (const Invoice& inv : c.input.events.invoices) {
        const absl::Status st = ValidateInvoice(inv);
        if (!st.ok())
          fail(e.line_number,
               absl::StrCat("invoice ", inv.id(), ": ", st.message()));
      }
    } else if (kind == "price") {
      if (want_money(e, w.at(1), &want))
        check(e, ToNanos(s.transaction_price()), want, "price");
    } else if (kind == "allocation" || kind == "pending") {
      if (!want_money(e, w.at(2), &want)) continue;
      bool found = false;
      for (const auto& po : s.obligations()) {
        if (po.id() != po_id(w.at(1))) continue;
        found = true;
        check(e,
              ToNanos(kind == "allocation" ? po.allocated_amount()
                                           : po.pending_amount()),
              want, absl::StrCat(kind, " of ", w.at(1)));
      }
      if (!found)
        fail(e.line_number, absl::StrCat("no obligation for line ", w.at(1)));
    } else if (kind == "revenue" || kind == "revenue_year") {
      const bool by_line = w.size() == 4;
      if (!want_money(e, w.back(), &want)) continue;
      Nanos got = 0;
      for (const auto& l : s.lines()) {
        const bool in_period = kind == "revenue"
                                   ? l.period() == w.at(1)
                                   : l.period().substr(0, 4) == w.at(1);
        if (in_period &&
            (!by_line || l.performance_obligation_id() == po_id(w.at(2)))) {
          got += ToNanos(l.amount());
        }
      }
      check(e, got, want,
            absl::StrCat("revenue ", w.at(1), by_line ? " " + w.at(2) : ""));
    } else if (kind == "balance" || kind == "net_contract_asset") {
      if (!want_money(e, w.back(), &want)) continue;
      RoleBalances b;
      auto it = balances.upper_bound(w.at(1));
      if (it != balances.begin()) b = std::prev(it)->second;
      Nanos got = 0;
      if (kind == "net_contract_asset") {
        got = b.Get(canonical::v1::ACCOUNT_ROLE_UNBILLED_RECEIVABLE) +
              b.Get(canonical::v1::ACCOUNT_ROLE_DEFERRED_REVENUE);
      } else {
        auto role = RoleNamed(w.at(2));
        if (!role) {
          fail(e.line_number, absl::StrCat("unknown role ", w.at(2)));
          continue;
        }
        got = b.Get(*role) * (CreditNatured(*role) ? -1 : 1);
      }
      check(
          e, got, want,
          absl::StrCat(kind, " ", w.at(1), w.size() > 3 ? " " + w.at(2) : ""));
    } else if (kind == "treatment") {
      const std::string& want_name = w.back();
      int index = s.modifications_size() - 1;
      if (w.size() == 3) index = std::stoi(w.at(1));
      if (index < 0 || index >= s.modifications_size()) {
        fail(e.line_number, "no such modification");
        continue;
      }
      const std::string got = canonical::v1::ModificationTreatment_Name(
          s.modifications(index).treatment());
      if (got != absl::StrCat("MODIFICATION_TREATMENT_",
                              absl::AsciiStrToUpper(want_name))) {
        fail(e.line_number, absl::StrCat("treatment: got ", got, " (",
                                         s.modifications(index).reason(),
                                         "), want ", want_name));
      }
    } else if (kind == "line") {
      // expect line PERIOD LINE KIND AMOUNT [cause=KIND:ID] [closed=PERIOD]:
      // the lines of that kind (and cause) sum to AMOUNT.
      if (w.size() < 5 || !want_money(e, w.at(4), &want)) continue;
      std::string cause_kind, cause_id, closed;
      for (size_t k = 5; k < w.size(); ++k) {
        if (absl::StartsWith(w[k], "cause=")) {
          std::vector<std::string> parts =
              absl::StrSplit(w[k].substr(6), absl::MaxSplits(':', 1));
          cause_kind = parts.at(0);
          cause_id = parts.size() > 1 ? parts[1] : "";
        } else if (absl::StartsWith(w[k], "closed=")) {
          closed = w[k].substr(7);
        }
      }
      Nanos got = 0;
      for (const auto& l : s.lines()) {
        if (l.period() != w.at(1) ||
            l.performance_obligation_id() != po_id(w.at(2)) ||
            l.kind() != static_cast<canonical::v1::RevenueScheduleLineKind>(
                            canonical::v1::RevenueScheduleLineKind_descriptor()
                                ->FindValueByName(absl::StrCat(
                                    "REVENUE_SCHEDULE_LINE_KIND_",
                                    absl::AsciiStrToUpper(w.at(3))))
                                ->number())) {
          continue;
        }
        if (!cause_kind.empty() &&
            (canonical::v1::RevenueCauseKind_Name(l.cause().kind()) !=
                 absl::StrCat("REVENUE_CAUSE_KIND_",
                              absl::AsciiStrToUpper(cause_kind)) ||
             (!cause_id.empty() && l.cause().id() != cause_id))) {
          continue;
        }
        if (!closed.empty() && l.cause().closed_period() != closed) continue;
        got += ToNanos(l.amount());
      }
      check(e, got, want,
            absl::StrCat("line ", w.at(1), " ", w.at(2), " ", w.at(3)));
    } else if (kind == "posted") {
      // expect posted SOURCE_KIND SOURCE_ID PERIOD
      std::string got = "(none)";
      for (const auto& je : result->journal_entries) {
        if (je.source_kind() == w.at(1) && je.source_id() == w.at(2))
          got = je.period();
      }
      if (got != w.at(3)) {
        fail(e.line_number, absl::StrCat("posted ", w.at(1), " ", w.at(2),
                                         ": got ", got, ", want ", w.at(3)));
      }
    } else if (kind == "entries") {
      // expect entries SOURCE_KIND COUNT
      int count = 0;
      for (const auto& je : result->journal_entries)
        count += je.source_kind() == w.at(1);
      if (count != std::stoi(w.at(2))) {
        fail(e.line_number, absl::StrCat("entries ", w.at(1), ": got ", count,
                                         ", want ", w.at(2)));
      }
    } else if (kind == "account") {
      // expect account ROLE ACCOUNT: every line of the role posts there.
      auto role = RoleNamed(w.at(1));
      int seen = 0;
      for (const auto& je : result->journal_entries) {
        for (const auto& l : je.lines()) {
          if (role && l.account_role() == *role) {
            ++seen;
            if (l.account() != w.at(2)) {
              fail(e.line_number,
                   absl::StrCat("account of ", w.at(1), ": got ", l.account()));
            }
          }
        }
      }
      if (seen == 0)
        fail(e.line_number, absl::StrCat("no line posts to ", w.at(1)));
    } else {
      fail(e.line_number, absl::StrCat("unknown expectation `", kind, "`"));
    }
  }
  return failures;
}

std::string SectionText(const std::string& markdown, const std::string& id) {
  const std::string heading = absl::StrCat("### ", id, ".");
  size_t start = markdown.find(heading);
  if (start == std::string::npos) {
    // Sections without a numbered heading: "## C." style.
    const std::string h2 = absl::StrCat("## ", id, ".");
    start = markdown.find(h2);
    if (start == std::string::npos) return "";
  }
  size_t end = markdown.find("\n#", start + 1);
  return markdown.substr(
      start, end == std::string::npos ? std::string::npos : end - start);
}

std::vector<std::string> FiguresMissingFromSource(const Expectation& e,
                                                  const std::string& section,
                                                  const std::string& currency) {
  std::vector<std::string> missing;
  if (e.derived) return missing;
  static const std::vector<std::string> kWithFigures = {
      "price",        "allocation", "revenue",
      "revenue_year", "balance",    "net_contract_asset"};
  if (std::find(kWithFigures.begin(), kWithFigures.end(), e.words.at(0)) ==
      kWithFigures.end()) {
    return missing;
  }
  // Every number printed in the section, by absolute value.
  std::vector<Nanos> printed;
  for (size_t i = 0; i < section.size();) {
    if (!std::isdigit(static_cast<unsigned char>(section[i]))) {
      ++i;
      continue;
    }
    std::string digits;
    while (i < section.size() &&
           (std::isdigit(static_cast<unsigned char>(section[i])) ||
            section[i] == ',' || section[i] == '.')) {
      if (section[i] != ',') digits.push_back(section[i]);
      ++i;
    }
    while (!digits.empty() && digits.back() == '.') digits.pop_back();
    auto m = ParseMoney(digits, currency);
    if (m.ok()) printed.push_back(ToNanos(*m));
  }
  const std::string& figure = e.words.back();
  auto m = ParseMoney(figure, currency);
  if (!m.ok()) return {figure};
  Nanos v = ToNanos(*m);
  if (v < 0) v = -v;
  if (std::find(printed.begin(), printed.end(), v) == printed.end())
    missing.push_back(figure);
  return missing;
}

}  // namespace revhub::revenue::testing
