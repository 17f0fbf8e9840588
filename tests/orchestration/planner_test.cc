// The planner over a real store (hub/orchestration/planner.h): what is
// delivered, reversed, re-posted or checked, and cancellation credits.
#include "hub/orchestration/planner.h"

#include <catch2/catch.hpp>

#include "canonical/money.h"
#include "hub/common/util.h"
#include "hub/entities/entity_ops.h"
#include "tests/orchestration/temp_store.h"

namespace revhub::hub {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using revhub::testing::TempDir;

cv1::Money Usd(int64_t units) {
  cv1::Money m;
  m.set_currency_code("USD");
  m.set_units(units);
  return m;
}

absl::Time Day(int y, int m, int d) {
  return absl::FromCivil(absl::CivilDay(y, m, d), absl::UTCTimeZone());
}

void PutJournal(Store& store, const std::string& contract,
                const std::string& period, absl::Time date, int64_t amount,
                int64_t version) {
  cv1::JournalEntry je;
  je.set_id(absl::StrCat("je_", contract, "_recognition_", period));
  je.set_version(version);
  je.set_contract_id(contract);
  je.set_legal_entity("acme-us");
  je.set_period(period);
  je.set_source_kind("recognition");
  *je.mutable_posting_date() = ToProto(date);
  if (amount > 0) {
    auto* dr = je.add_lines();
    dr->set_account_role(cv1::ACCOUNT_ROLE_DEFERRED_REVENUE);
    *dr->mutable_debit() = Usd(amount);
    *dr->mutable_credit() = Usd(0);
    auto* cr = je.add_lines();
    cr->set_account_role(cv1::ACCOUNT_ROLE_REVENUE);
    *cr->mutable_credit() = Usd(amount);
    *cr->mutable_debit() = Usd(0);
  }
  StoredEntity s;
  s.type = cv1::ENTITY_TYPE_JOURNAL_ENTRY;
  s.id = je.id();
  s.version = version;
  s.payload = je.SerializeAsString();
  REQUIRE(store
              .Write([&](WriteTxn& txn) {
                s.recorded_at = txn.Now();
                return txn.PutEntityVersion(
                    s,
                    {{amount > 0 ? "contract_id" : "withdrawn_from_contract_id",
                      contract}});
              })
              .ok());
}

// Records every planned delivery as delivered.
void Deliver(Store& store, const std::string& contract_id,
             const std::vector<hub::v1::WorkflowStep>& steps) {
  for (const auto& s : steps) {
    if (PostingKindOf(s.name()).empty()) continue;
    PostingRow row;
    row.target_system = s.target_system();
    row.external_id = PayloadId(s.payload());
    row.contract_id = contract_id;
    row.entity_type = s.entity().entity_type();
    row.entity_id = s.entity().id();
    row.kind = PostingKindOf(s.name());
    row.content_hash = ContentHash(s.payload());
    if (s.payload().has_journal_entry())
      row.reverses = s.payload().journal_entry().reverses_entry_id();
    row.posted_at = absl::Now();
    row.payload = s.payload().SerializeAsString();
    REQUIRE(store
                .Write([&](WriteTxn& txn) {
                  return row.kind == "customer" ? txn.ReplacePosting(row)
                                                : txn.RecordPosting(row);
                })
                .ok());
  }
}

std::vector<std::string> Names(
    const std::vector<hub::v1::WorkflowStep>& steps) {
  std::vector<std::string> out;
  for (const auto& s : steps)
    out.push_back(absl::StrCat(s.name(), " ", PayloadId(s.payload())));
  return out;
}

TEST_CASE(
    "the planner posts once, reverses and re-posts what changed, and "
    "checks posted documents",
    "[orchestration][planner]") {
  TempDir dir;
  auto store = Open(dir.path());
  std::string customer_id, product_id, contract_id, invoice_id;
  // Entities through the same upsert the services use.
  REQUIRE(store
              ->Write([&](WriteTxn& txn) -> absl::Status {
                cv1::Customer c;
                c.set_name("Acme");
                c.set_legal_entity("acme-us");
                c.set_currency_code("USD");
                c.set_status(cv1::CUSTOMER_STATUS_ACTIVE);
                auto rc = UpsertEntityInTxn(txn, c, UpsertArgs());
                if (!rc.ok()) return rc.status();
                customer_id = rc->entity.id();
                cv1::Product p;
                p.set_name("Platform");
                p.set_revenue_rule(cv1::REVENUE_RULE_RATABLE);
                auto rp = UpsertEntityInTxn(txn, p, UpsertArgs());
                if (!rp.ok()) return rp.status();
                product_id = rp->entity.id();
                return absl::OkStatus();
              })
              .ok());
  cv1::Contract contract;
  contract.set_customer_id(customer_id);
  contract.set_status(cv1::CONTRACT_STATUS_ACTIVE);
  contract.set_currency_code("USD");
  contract.set_legal_entity("acme-us");
  auto* line = contract.add_lines();
  line->set_line_id("1");
  line->set_product_id(product_id);
  line->mutable_quantity()->set_units(1);
  *line->mutable_unit_price() = Usd(1200);
  *line->mutable_service_period()->mutable_start_time() =
      ToProto(Day(2025, 1, 1));
  *line->mutable_service_period()->mutable_end_time() =
      ToProto(Day(2026, 1, 1));
  REQUIRE(store
              ->Write([&](WriteTxn& txn) -> absl::Status {
                auto r = UpsertEntityInTxn(txn, contract, UpsertArgs());
                if (!r.ok()) return r.status();
                contract_id = r->entity.id();
                cv1::Invoice inv;
                inv.set_kind(cv1::INVOICE_KIND_INVOICE);
                inv.set_status(cv1::INVOICE_STATUS_OPEN);
                inv.set_customer_id(customer_id);
                inv.set_contract_id(contract_id);
                inv.set_currency_code("USD");
                *inv.mutable_issued_at() = ToProto(Day(2025, 1, 1));
                auto* il = inv.add_lines();
                il->set_line_id("1");
                il->set_product_id(product_id);
                *il->mutable_amount() = Usd(1200);
                *il->mutable_service_period() = line->service_period();
                *inv.mutable_subtotal() = Usd(1200);
                *inv.mutable_total() = Usd(1200);
                auto ri = UpsertEntityInTxn(txn, inv, UpsertArgs());
                if (!ri.ok()) return ri.status();
                invoice_id = ri->entity.id();
                return absl::OkStatus();
              })
              .ok());
  const absl::Time now = Day(2025, 3, 15);
  PutJournal(*store, contract_id, "2025-01", Day(2025, 2, 1) - absl::Seconds(1),
             100, 1);
  PutJournal(*store, contract_id, "2025-02", Day(2025, 3, 1) - absl::Seconds(1),
             100, 1);
  PutJournal(*store, contract_id, "2025-03", Day(2025, 4, 1) - absl::Seconds(1),
             100, 1);  // not yet recognised at `now`

  auto first = PlanPostings(*store, "netsuite", contract_id, now);
  REQUIRE(first.ok());
  const std::string je1 =
      absl::StrCat("je_", contract_id, "_recognition_2025-01");
  const std::string je2 =
      absl::StrCat("je_", contract_id, "_recognition_2025-02");
  CHECK(Names(*first) ==
        std::vector<std::string>{absl::StrCat("sync_customer ", customer_id),
                                 absl::StrCat("post_invoice ", invoice_id),
                                 "post_journal_entry " + je1,
                                 "post_journal_entry " + je2});
  CHECK(ToNanos((*first)[1].amount()) == ToNanos(Usd(1200)));
  Deliver(*store, contract_id, *first);

  // Nothing changed: nothing to do.
  auto second = PlanPostings(*store, "netsuite", contract_id, now);
  REQUIRE(second.ok());
  CHECK(second->empty());

  // January recomputed, February withdrawn, March now recognised.
  PutJournal(*store, contract_id, "2025-01", Day(2025, 2, 1) - absl::Seconds(1),
             90, 2);
  PutJournal(*store, contract_id, "2025-02", Day(2025, 3, 1) - absl::Seconds(1),
             0, 2);
  auto third = PlanPostings(*store, "netsuite", contract_id, Day(2025, 4, 2));
  REQUIRE(third.ok());
  const std::string je3 =
      absl::StrCat("je_", contract_id, "_recognition_2025-03");
  CHECK(Names(*third) ==
        std::vector<std::string>{"post_reversal " + je1 + "~rev",
                                 "post_journal_entry " + je1 + "~r2",
                                 "post_journal_entry " + je3,
                                 "post_reversal " + je2 + "~rev"});
  // A reversal swaps debits and credits and names what it reverses.
  const auto& reversal = (*third)[0].payload().journal_entry();
  CHECK(reversal.reverses_entry_id() == je1);
  REQUIRE(reversal.lines_size() == 2);
  CHECK(reversal.lines(0).account_role() == cv1::ACCOUNT_ROLE_DEFERRED_REVENUE);
  CHECK(ToNanos(reversal.lines(0).credit()) == ToNanos(Usd(100)));
  CHECK(ToNanos(reversal.lines(1).debit()) == ToNanos(Usd(100)));
  Deliver(*store, contract_id, *third);
  auto fourth = PlanPostings(*store, "netsuite", contract_id, Day(2025, 4, 2));
  REQUIRE(fourth.ok());
  CHECK(fourth->empty());

  // The posted invoice's total changes: a check, never a second posting.
  REQUIRE(store
              ->Write([&](WriteTxn& txn) -> absl::Status {
                auto cur =
                    txn.GetCurrentEntity(cv1::ENTITY_TYPE_INVOICE, invoice_id);
                if (!cur.ok()) return cur.status();
                cv1::Invoice inv;
                inv.ParseFromString((*cur)->payload);
                inv.clear_version();
                inv.clear_recorded_at();
                *inv.mutable_lines(0)->mutable_amount() = Usd(1000);
                *inv.mutable_subtotal() = Usd(1000);
                *inv.mutable_total() = Usd(1000);
                return UpsertEntityInTxn(txn, inv, UpsertArgs()).status();
              })
              .ok());
  auto fifth = PlanPostings(*store, "netsuite", contract_id, Day(2025, 4, 2));
  REQUIRE(fifth.ok());
  REQUIRE(fifth->size() == 1);
  CHECK((*fifth)[0].name() == kStepCheckPostedInvoice);
  cv1::Money difference;
  auto why = CheckPostedDocument(*store, "netsuite",
                                 (*fifth)[0].payload().invoice(), &difference);
  REQUIRE(why.ok());
  CHECK(why->find("1200.00 USD") != std::string::npos);
  CHECK(ToNanos(difference) == ToNanos(Usd(-200)));
}

TEST_CASE("a cancellation credits the unused part of each invoice line",
          "[orchestration][planner]") {
  TempDir dir;
  auto store = Open(dir.path());
  std::string contract_id;
  REQUIRE(store
              ->Write([&](WriteTxn& txn) -> absl::Status {
                cv1::Customer c;
                c.set_name("Acme");
                c.set_status(cv1::CUSTOMER_STATUS_ACTIVE);
                auto rc = UpsertEntityInTxn(txn, c, UpsertArgs());
                if (!rc.ok()) return rc.status();
                cv1::Contract k;
                k.set_customer_id(rc->entity.id());
                k.set_status(cv1::CONTRACT_STATUS_ACTIVE);
                k.set_currency_code("JPY");
                auto rk = UpsertEntityInTxn(txn, k, UpsertArgs());
                if (!rk.ok()) return rk.status();
                contract_id = rk->entity.id();
                cv1::Invoice inv;
                inv.set_kind(cv1::INVOICE_KIND_INVOICE);
                inv.set_status(cv1::INVOICE_STATUS_PAID);
                inv.set_customer_id(rc->entity.id());
                inv.set_contract_id(contract_id);
                inv.set_currency_code("JPY");
                inv.set_invoice_number("INV-7");
                *inv.mutable_issued_at() = ToProto(Day(2025, 1, 1));
                cv1::Money yen;
                yen.set_currency_code("JPY");
                yen.set_units(100000);
                auto* l1 = inv.add_lines();
                l1->set_line_id("1");
                *l1->mutable_amount() = yen;
                *l1->mutable_service_period()->mutable_start_time() =
                    ToProto(Day(2025, 1, 1));
                *l1->mutable_service_period()->mutable_end_time() =
                    ToProto(Day(2026, 1, 1));
                auto* l2 = inv.add_lines();  // one-off: nothing to credit
                l2->set_line_id("2");
                *l2->mutable_amount() = yen;
                yen.set_units(200000);
                *inv.mutable_subtotal() = yen;
                *inv.mutable_total() = yen;
                return UpsertEntityInTxn(txn, inv, UpsertArgs()).status();
              })
              .ok());
  auto notes = CancellationCredits(*store, contract_id, Day(2025, 7, 1));
  REQUIRE(notes.ok());
  REQUIRE(notes->size() == 1);
  const cv1::Invoice& note = (*notes)[0];
  CHECK(note.kind() == cv1::INVOICE_KIND_CREDIT_NOTE);
  CHECK(note.invoice_number() == "INV-7-CANCEL");
  REQUIRE(note.external_refs_size() == 1);
  CHECK(note.external_refs(0).system() == kCancellationCreditSystem);
  REQUIRE(note.lines_size() == 1);
  // 184 of 365 days of ¥100,000, rounded down to the yen: ¥50,410.
  CHECK(note.lines(0).amount().units() == 50410);
  CHECK(note.lines(0).amount().nanos() == 0);
  CHECK(note.total().units() == 50410);
  // After the end of every service period there is nothing to credit.
  auto none = CancellationCredits(*store, contract_id, Day(2026, 2, 1));
  REQUIRE(none.ok());
  CHECK(none->empty());
}

}  // namespace
}  // namespace revhub::hub
