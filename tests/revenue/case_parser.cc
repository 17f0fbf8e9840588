// The case language (cases/README.md): ParseCaseFile, and the account role
// names the expectations share with RunCase (case_runner.cc).
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
#include "case_runner.h"

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

}  // namespace revhub::revenue::testing
