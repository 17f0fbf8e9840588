#include "hub/cli/events_format.h"

#include "absl/strings/str_cat.h"
#include "hub/cli/format.h"

namespace revhub::cli {

using canonical::v1::BusinessEvent;

std::string RenderConsumer(const hubv1::Consumer& consumer) {
  return RenderFields({
      {"consumer", consumer.name()},
      {"acknowledged position", absl::StrCat(consumer.acknowledged_position())},
      {"created at", FormatTimestamp(consumer.created_at())},
      {"updated at", FormatTimestamp(consumer.updated_at())},
  });
}

namespace {

std::vector<std::string> EventCells(const BusinessEvent& event) {
  return {absl::StrCat(event.position()),
          FormatTimestamp(event.recorded_at()),
          EnumShortName(canonical::v1::EventType_descriptor(), event.type()),
          FormatEntityRef(event.subject()),
          OrDash(event.source_system()),
          OrDash(event.principal())};
}

const std::vector<std::string>& EventHeaders() {
  static const auto* headers = new std::vector<std::string>{
      "POSITION", "RECORDED", "TYPE", "SUBJECT", "SOURCE", "PRINCIPAL"};
  return *headers;
}

// Minimum widths of the streamed event columns: a position, a timestamp
// with microseconds, the longest event type name, a subject with a hub id
// ("contract ctr_" and 26 characters, a version), a system name.
constexpr size_t kEventLineWidths[] = {8, 27, 24, 46, 16, 0};

std::string FixedWidthLine(const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) line += "  ";
    size_t width = DisplayWidth(cells[i]);
    if (i == 0) {  // positions right-aligned, like the table's
      if (width < kEventLineWidths[0]) {
        line.append(kEventLineWidths[0] - width, ' ');
      }
      line += cells[i];
      continue;
    }
    line += cells[i];
    if (i + 1 < cells.size() && width < kEventLineWidths[i]) {
      line.append(kEventLineWidths[i] - width, ' ');
    }
  }
  line += '\n';
  return line;
}

}  // namespace

std::string RenderEventTable(const std::vector<BusinessEvent>& events) {
  Table table(EventHeaders());
  table.AlignRight(0);
  for (const BusinessEvent& event : events) table.AddRow(EventCells(event));
  return table.Render();
}

std::string RenderEventLine(const BusinessEvent& event) {
  return FixedWidthLine(EventCells(event));
}

std::string RenderEventLineHeader() { return FixedWidthLine(EventHeaders()); }

}  // namespace revhub::cli
