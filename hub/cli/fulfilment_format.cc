#include "hub/cli/fulfilment_format.h"

#include "absl/strings/str_cat.h"
#include "canonical/money.h"
#include "hub/cli/format.h"

namespace revhub::cli {

namespace canon = ::revhub::canonical::v1;

std::string RenderUsageTable(
    const google::protobuf::RepeatedPtrField<canon::UsageRecord>& records) {
  if (records.empty()) return "no usage records\n";
  Table t({"ID", "CONTRACT", "LINE", "QUANTITY", "START", "END", "VERSION"});
  t.AlignRight(3);
  t.AlignRight(6);
  for (const canon::UsageRecord& r : records) {
    t.AddRow({r.id(), r.contract_id(), r.line_id(), FormatDecimal(r.quantity()),
              FormatTimestamp(r.period().start_time()),
              FormatTimestamp(r.period().end_time()),
              absl::StrCat(r.version())});
  }
  return t.Render();
}

std::string RenderDeliveryTable(
    const google::protobuf::RepeatedPtrField<canon::Delivery>& deliveries) {
  if (deliveries.empty()) return "no deliveries\n";
  Table t({"ID", "CONTRACT", "LINE", "KIND", "AT", "QUANTITY", "MILESTONE",
           "SHARE", "VERSION"});
  t.AlignRight(5);
  t.AlignRight(7);
  t.AlignRight(8);
  for (const canon::Delivery& d : deliveries) {
    const bool milestone = d.kind() == canon::DELIVERY_KIND_MILESTONE;
    t.AddRow({d.id(), d.contract_id(), d.line_id(),
              EnumShortName(canon::DeliveryKind_descriptor(), d.kind()),
              FormatTimestamp(d.delivered_at()),
              milestone          ? "-"
              : d.has_quantity() ? FormatDecimal(d.quantity())
                                 : "all",
              OrDash(Shorten(d.milestone())),
              milestone ? FormatDecimal(d.share()) : "-",
              absl::StrCat(d.version())});
  }
  return t.Render();
}

std::string RenderPeriodTable(
    const google::protobuf::RepeatedPtrField<hubv1::AccountingPeriod>&
        periods) {
  if (periods.empty()) return "no period was ever closed\n";
  Table t({"PERIOD", "LEGAL ENTITY", "STATE", "CHANGED AT", "BY", "REASON"});
  for (const hubv1::AccountingPeriod& p : periods) {
    t.AddRow({p.period(), p.legal_entity().empty() ? "all" : p.legal_entity(),
              p.closed() ? "closed" : "reopened",
              FormatTimestamp(p.changed_at()), OrDash(p.changed_by()),
              OrDash(Shorten(p.reason()))});
  }
  return t.Render();
}

}  // namespace revhub::cli
