#include "hub/orchestration/planner.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "canonical/money.h"
#include "canonical/status_macros.h"
#include "hub/common/util.h"
#include "hub/revenue/revenue_records.h"

namespace revhub::hub {
namespace {

namespace cv1 = ::revhub::canonical::v1;
using adapter::v1::CanonicalEntity;
using cv1::Invoice;
using cv1::JournalEntry;
using cv1::Money;
using hub::v1::WorkflowStep;

constexpr char kRecognition[] = "recognition";

template <typename T>
absl::StatusOr<T> ParseAs(const StoredEntity& stored, absl::string_view what) {
  T out;
  if (!out.ParseFromString(stored.payload)) {
    return absl::DataLossError(
        absl::StrCat("stored ", what, " ", stored.id, " does not parse"));
  }
  return out;
}

absl::StatusOr<CanonicalEntity> PostedPayload(const PostingRow& row) {
  CanonicalEntity e;
  if (!e.ParseFromString(row.payload)) {
    return absl::DataLossError(absl::StrCat("posting ", row.external_id, " to ",
                                            row.target_system,
                                            " does not parse"));
  }
  return e;
}

Money DocumentTotal(const Invoice& doc) {
  if (doc.status() == cv1::INVOICE_STATUS_VOID) {
    Money zero;
    zero.set_currency_code(doc.currency_code());
    return zero;
  }
  if (doc.has_total()) return doc.total();
  Nanos sum = 0;
  for (const auto& line : doc.lines()) sum += ToNanos(line.amount());
  absl::StatusOr<Money> m = MoneyFromNanos(doc.currency_code(), sum);
  return m.ok() ? *m : Money();
}

std::string LinesKey(const JournalEntry& je) {
  std::string key =
      absl::StrCat(je.legal_entity(), "|",
                   absl::ToUnixMicros(FromProto(je.posting_date())), "|");
  for (const auto& l : je.lines()) {
    absl::StrAppend(&key, l.account_role(), ",", l.account(), ",",
                    FormatMoney(l.debit()), ",", FormatMoney(l.credit()), ",",
                    l.performance_obligation_id(), ";");
  }
  return key;
}

WorkflowStep MakeDeliveryStep(absl::string_view name, absl::string_view target,
                              cv1::EntityType type, absl::string_view id,
                              CanonicalEntity payload,
                              absl::string_view detail) {
  WorkflowStep s;
  s.set_name(std::string(name));
  s.set_target_system(std::string(target));
  s.mutable_entity()->set_entity_type(type);
  s.mutable_entity()->set_id(std::string(id));
  *s.mutable_amount() = PayloadAmount(payload);
  *s.mutable_payload() = std::move(payload);
  s.set_detail(std::string(detail));
  return s;
}

// The reversal of a posted journal entry: same date and ledger, debits and
// credits swapped.
JournalEntry Reversal(const JournalEntry& posted, absl::string_view why) {
  JournalEntry r = posted;
  r.set_id(absl::StrCat(posted.id(), "~rev"));
  r.set_reverses_entry_id(posted.id());
  r.set_memo(absl::StrCat("Reversal of ", posted.id(), ": ", why));
  r.set_source_kind("reversal");
  for (auto& line : *r.mutable_lines()) {
    Money debit = line.debit();
    *line.mutable_debit() = line.credit();
    *line.mutable_credit() = std::move(debit);
  }
  return r;
}

// The live posting of each journal entry id (not reversed), and how many
// revisions each has had.
struct JournalLedger {
  std::map<std::string, PostingRow> live;  // entry id -> posting
  std::map<std::string, int> revisions;    // entry id -> postings made
};

JournalLedger ReadJournalLedger(const std::vector<PostingRow>& rows) {
  JournalLedger ledger;
  std::set<std::string> reversed;
  for (const PostingRow& row : rows) {
    if (row.kind == "reversal") reversed.insert(row.reverses);
  }
  for (const PostingRow& row : rows) {
    if (row.kind != "journal_entry") continue;
    ++ledger.revisions[row.entity_id];
    if (reversed.count(row.external_id) == 0) ledger.live[row.entity_id] = row;
  }
  return ledger;
}

}  // namespace

std::string PostingKindOf(absl::string_view step_name) {
  if (step_name == kStepSyncCustomer) return "customer";
  if (step_name == kStepPostInvoice) return "invoice";
  if (step_name == kStepPostCreditNote) return "credit_note";
  if (step_name == kStepPostJournalEntry) return "journal_entry";
  if (step_name == kStepPostReversal) return "reversal";
  return "";
}

std::string ContentHash(const CanonicalEntity& e) {
  switch (e.entity_case()) {
    case CanonicalEntity::kCustomer: {
      const cv1::Customer& c = e.customer();
      return Sha256Hex(absl::StrCat(c.name(), "|", c.email(), "|",
                                    c.legal_entity(), "|", c.currency_code(),
                                    "|", c.status()));
    }
    case CanonicalEntity::kInvoice:
      return Sha256Hex(FormatMoney(DocumentTotal(e.invoice())));
    case CanonicalEntity::kJournalEntry:
      return Sha256Hex(LinesKey(e.journal_entry()));
    default:
      return Sha256Hex(DeterministicBytes(e));
  }
}

std::string PayloadId(const CanonicalEntity& e) {
  switch (e.entity_case()) {
    case CanonicalEntity::kCustomer:
      return e.customer().id();
    case CanonicalEntity::kInvoice:
      return e.invoice().id();
    case CanonicalEntity::kJournalEntry:
      return e.journal_entry().id();
    default:
      return "";
  }
}

Money PayloadAmount(const CanonicalEntity& e) {
  if (e.has_invoice()) return DocumentTotal(e.invoice());
  Money out;
  if (!e.has_journal_entry()) return out;
  Nanos debits = 0;
  std::string currency;
  for (const auto& l : e.journal_entry().lines()) {
    debits += ToNanos(l.debit());
    if (currency.empty()) currency = l.debit().currency_code();
  }
  absl::StatusOr<Money> m = MoneyFromNanos(currency, debits);
  return m.ok() ? *m : out;
}

absl::StatusOr<std::vector<WorkflowStep>> PlanPostings(
    Store& store, absl::string_view target, absl::string_view contract_id,
    absl::Time now) {
  std::vector<WorkflowStep> steps;
  ASSIGN_OR_RETURN(auto stored_contract,
                   store.GetEntity(cv1::ENTITY_TYPE_CONTRACT, contract_id, {}));
  if (!stored_contract.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("contract_id: no contract ", contract_id));
  }
  ASSIGN_OR_RETURN(cv1::Contract contract,
                   ParseAs<cv1::Contract>(*stored_contract, "contract"));

  // The customer: master data, delivered again when it changed.
  ASSIGN_OR_RETURN(
      auto stored_customer,
      store.GetEntity(cv1::ENTITY_TYPE_CUSTOMER, contract.customer_id(), {}));
  if (stored_customer.has_value()) {
    CanonicalEntity payload;
    ASSIGN_OR_RETURN(*payload.mutable_customer(),
                     ParseAs<cv1::Customer>(*stored_customer, "customer"));
    ASSIGN_OR_RETURN(std::vector<PostingRow> rows,
                     store.ListEntityPostings(target, cv1::ENTITY_TYPE_CUSTOMER,
                                              contract.customer_id()));
    const std::string hash = ContentHash(payload);
    if (rows.empty() || rows.back().content_hash != hash) {
      steps.push_back(MakeDeliveryStep(
          kStepSyncCustomer, target, cv1::ENTITY_TYPE_CUSTOMER,
          contract.customer_id(), std::move(payload),
          rows.empty() ? "customer not yet in the target"
                       : "customer changed since it was delivered"));
    }
  }

  // Invoices and credit notes: each posted once.
  ListEntitiesQuery query;
  query.type = cv1::ENTITY_TYPE_INVOICE;
  query.filters = {{"contract_id", std::string(contract_id)}};
  query.page_size = 500;
  std::vector<Invoice> documents;
  while (true) {
    ASSIGN_OR_RETURN(EntityPage page, store.ListEntities(query));
    for (const StoredEntity& stored : page.entities) {
      ASSIGN_OR_RETURN(Invoice doc, ParseAs<Invoice>(stored, "invoice"));
      documents.push_back(std::move(doc));
    }
    if (page.next_page_token.empty()) break;
    query.page_token = page.next_page_token;
  }
  // Invoices before the credit notes that credit them; then by date.
  std::sort(documents.begin(), documents.end(),
            [](const Invoice& a, const Invoice& b) {
              auto key = [](const Invoice& d) {
                return std::make_tuple(
                    d.kind() == cv1::INVOICE_KIND_CREDIT_NOTE,
                    FromProto(d.issued_at()), d.id());
              };
              return key(a) < key(b);
            });
  for (Invoice& doc : documents) {
    ASSIGN_OR_RETURN(
        std::vector<PostingRow> rows,
        store.ListEntityPostings(target, cv1::ENTITY_TYPE_INVOICE, doc.id()));
    const bool credit = doc.kind() == cv1::INVOICE_KIND_CREDIT_NOTE;
    const std::string id = doc.id();
    CanonicalEntity payload;
    *payload.mutable_invoice() = std::move(doc);
    if (!rows.empty()) {
      if (rows.back().content_hash != ContentHash(payload)) {
        steps.push_back(MakeDeliveryStep(
            kStepCheckPostedInvoice, target, cv1::ENTITY_TYPE_INVOICE, id,
            std::move(payload), "the document changed after it was posted"));
      }
      continue;
    }
    const cv1::InvoiceStatus status = payload.invoice().status();
    if (status == cv1::INVOICE_STATUS_DRAFT ||
        status == cv1::INVOICE_STATUS_VOID) {
      continue;
    }
    steps.push_back(MakeDeliveryStep(
        credit ? kStepPostCreditNote : kStepPostInvoice, target,
        cv1::ENTITY_TYPE_INVOICE, id, std::move(payload),
        credit ? "credit note not yet posted" : "invoice not yet posted"));
  }

  // Recognition journal entries of the periods that have passed.
  ASSIGN_OR_RETURN(std::vector<JournalEntry> live,
                   ReadLiveJournalEntries(store, contract_id));
  ASSIGN_OR_RETURN(std::vector<PostingRow> contract_rows,
                   store.ListPostings(target, contract_id));
  JournalLedger ledger = ReadJournalLedger(contract_rows);
  std::set<std::string> wanted;
  for (JournalEntry& entry : live) {
    if (entry.source_kind() != kRecognition || entry.lines_size() == 0 ||
        FromProto(entry.posting_date()) > now) {
      continue;
    }
    const std::string entry_id = entry.id();
    wanted.insert(entry_id);
    CanonicalEntity payload;
    *payload.mutable_journal_entry() = entry;
    auto posted = ledger.live.find(entry_id);
    if (posted != ledger.live.end() &&
        posted->second.content_hash == ContentHash(payload)) {
      continue;
    }
    if (posted != ledger.live.end()) {
      ASSIGN_OR_RETURN(CanonicalEntity before, PostedPayload(posted->second));
      CanonicalEntity reversal;
      *reversal.mutable_journal_entry() = Reversal(
          before.journal_entry(), "the recognised revenue was recomputed");
      steps.push_back(MakeDeliveryStep(
          kStepPostReversal, target, cv1::ENTITY_TYPE_JOURNAL_ENTRY, entry_id,
          std::move(reversal),
          absl::StrCat("reverses ", posted->second.external_id,
                       ": its lines changed")));
    }
    const int made = ledger.revisions[entry_id];
    if (made > 0) {
      payload.mutable_journal_entry()->set_id(
          absl::StrCat(entry_id, "~r", made + 1));
    }
    steps.push_back(MakeDeliveryStep(
        kStepPostJournalEntry, target, cv1::ENTITY_TYPE_JOURNAL_ENTRY, entry_id,
        std::move(payload),
        made > 0 ? absl::StrCat("revision ", made + 1, " of ", entry_id)
                 : "recognised period not yet posted"));
  }
  for (const auto& [entry_id, row] : ledger.live) {
    if (wanted.count(entry_id) != 0) continue;
    ASSIGN_OR_RETURN(CanonicalEntity before, PostedPayload(row));
    CanonicalEntity reversal;
    *reversal.mutable_journal_entry() = Reversal(
        before.journal_entry(), "the entry is no longer part of the schedule");
    steps.push_back(MakeDeliveryStep(
        kStepPostReversal, target, cv1::ENTITY_TYPE_JOURNAL_ENTRY, entry_id,
        std::move(reversal),
        absl::StrCat("reverses ", row.external_id, ": withdrawn")));
  }
  return steps;
}

absl::StatusOr<std::string> CheckPostedDocument(Store& store,
                                                absl::string_view target,
                                                const Invoice& doc,
                                                Money* difference) {
  ASSIGN_OR_RETURN(
      std::vector<PostingRow> rows,
      store.ListEntityPostings(target, cv1::ENTITY_TYPE_INVOICE, doc.id()));
  if (rows.empty()) return std::string();
  CanonicalEntity current;
  *current.mutable_invoice() = doc;
  if (rows.back().content_hash == ContentHash(current)) return std::string();
  ASSIGN_OR_RETURN(CanonicalEntity posted, PostedPayload(rows.back()));
  const Money was = DocumentTotal(posted.invoice());
  const Money now = DocumentTotal(doc);
  absl::StatusOr<Money> diff = Subtract(now, was);
  if (diff.ok()) *difference = *diff;
  return absl::StrCat(
      doc.id(), " was posted to ", target, " as ", rows.back().external_id,
      " with total ", FormatMoney(was), "; the hub now has ", FormatMoney(now),
      doc.status() == cv1::INVOICE_STATUS_VOID ? " (voided)" : "",
      ". Posted documents are never edited: credit or re-bill in ", target,
      ", then resolve");
}

absl::StatusOr<std::vector<Invoice>> CancellationCredits(
    Store& store, absl::string_view contract_id, absl::Time cancelled_at) {
  ListEntitiesQuery query;
  query.type = cv1::ENTITY_TYPE_INVOICE;
  query.filters = {{"contract_id", std::string(contract_id)}};
  query.page_size = 500;
  std::vector<Invoice> notes;
  while (true) {
    ASSIGN_OR_RETURN(EntityPage page, store.ListEntities(query));
    for (const StoredEntity& stored : page.entities) {
      ASSIGN_OR_RETURN(Invoice inv, ParseAs<Invoice>(stored, "invoice"));
      if (inv.kind() != cv1::INVOICE_KIND_INVOICE ||
          inv.status() == cv1::INVOICE_STATUS_DRAFT ||
          inv.status() == cv1::INVOICE_STATUS_VOID) {
        continue;
      }
      const int exponent = MinorUnitExponent(inv.currency_code());
      Invoice note;
      // The hub assigns the note's id; this ref makes it the same note
      // every time the cancellation is worked out.
      auto* ref = note.add_external_refs();
      ref->set_system(kCancellationCreditSystem);
      ref->set_object_type(kCancellationCreditObject);
      ref->set_vendor_id(inv.id());
      note.set_kind(cv1::INVOICE_KIND_CREDIT_NOTE);
      note.set_status(cv1::INVOICE_STATUS_OPEN);
      note.set_customer_id(inv.customer_id());
      note.set_contract_id(std::string(contract_id));
      note.set_legal_entity(inv.legal_entity());
      note.set_currency_code(inv.currency_code());
      note.set_credited_invoice_id(inv.id());
      note.set_invoice_number(absl::StrCat(
          inv.invoice_number().empty() ? inv.id() : inv.invoice_number(),
          "-CANCEL"));
      *note.mutable_issued_at() = ToProto(cancelled_at);
      *note.mutable_effective_at() = ToProto(cancelled_at);
      Nanos total = 0;
      for (const auto& line : inv.lines()) {
        if (!line.has_service_period() || !line.has_amount()) continue;
        const absl::Time start = FromProto(line.service_period().start_time());
        const absl::Time end = FromProto(line.service_period().end_time());
        if (end <= cancelled_at || end <= start) continue;
        const absl::Time from = std::max(start, cancelled_at);
        const Nanos amount = ToNanos(line.amount());
        const Nanos unused = amount * absl::ToInt64Microseconds(end - from) /
                             absl::ToInt64Microseconds(end - start);
        const Nanos credit = RoundNanos(unused, exponent, RoundingMode::kDown);
        if (credit <= 0) continue;
        auto* out = note.add_lines();
        out->set_line_id(line.line_id());
        out->set_product_id(line.product_id());
        out->set_contract_line_id(line.contract_line_id());
        out->set_description(absl::StrCat(
            "Unused portion after cancellation: ",
            line.description().empty() ? line.line_id() : line.description()));
        ASSIGN_OR_RETURN(*out->mutable_amount(),
                         MoneyFromNanos(inv.currency_code(), credit));
        out->mutable_service_period()->mutable_start_time()->CopyFrom(
            ToProto(from));
        *out->mutable_service_period()->mutable_end_time() =
            line.service_period().end_time();
        total += credit;
      }
      if (total <= 0) continue;
      ASSIGN_OR_RETURN(*note.mutable_subtotal(),
                       MoneyFromNanos(inv.currency_code(), total));
      *note.mutable_total() = note.subtotal();
      *note.mutable_amount_remaining() = note.subtotal();
      notes.push_back(std::move(note));
    }
    if (page.next_page_token.empty()) break;
    query.page_token = page.next_page_token;
  }
  return notes;
}

}  // namespace revhub::hub
