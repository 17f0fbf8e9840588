#include "hub/cli/list_commands.h"

#include <CLI/CLI.hpp>
#include <ostream>

#include "absl/strings/str_cat.h"
#include "hub/cli/format.h"

namespace revhub::cli {

using google::protobuf::FieldDescriptor;

void AddPageFlags(CLI::App* command, PageFlags& flags) {
  command
      ->add_option("--page-size", flags.page_size,
                   "Items per page, 1 to 500 (the hub's default when unset)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--page-token", flags.page_token,
                      "Continue from the page token a previous list printed");
  command->add_flag("--all-pages", flags.all_pages,
                    "Follow page tokens and print every page as one list");
}

Paging Paging::FromFlags(const PageFlags& flags) {
  Paging paging;
  paging.page_size = flags.page_size;
  paging.page_token = flags.page_token;
  paging.follow = flags.all_pages;
  paging.footer = Footer::kPageToken;
  return paging;
}

Paging Paging::Everything() {
  Paging paging;
  paging.page_size = kMaxPageSize;
  paging.follow = true;
  return paging;
}

Paging Paging::UpTo(int limit) {
  Paging paging;
  paging.follow = true;
  paging.limit = limit;
  paging.footer = Footer::kLimit;
  return paging;
}

Paging Paging::OnePage(int32_t page_size) {
  Paging paging;
  paging.page_size = page_size;
  return paging;
}

void PrintListOf(CommandContext& ctx, const google::protobuf::Message& all,
                 int count, const std::string& next_page_token,
                 absl::string_view plural, const std::string& table,
                 const Paging& paging) {
  if (ctx.json()) {
    ctx.out() << ToJson(all, /*pretty=*/true);
    return;
  }
  if (count == 0) {
    ctx.out() << "no " << plural << "\n";
  } else {
    ctx.out() << table;
  }
  if (next_page_token.empty()) return;
  switch (paging.footer) {
    case Paging::Footer::kNone:
      break;
    case Paging::Footer::kPageToken:
      ctx.out() << "\nmore: --page-token " << next_page_token
                << " (or --all-pages)\n";
      break;
    case Paging::Footer::kLimit:
      ctx.out() << "\nshowing the newest " << count
                << "; there are more (--limit N shows up to N)\n";
      break;
  }
}

void AddFilters(CLI::App* command, const google::protobuf::Descriptor* request,
                std::vector<FilterSpec> specs, FilterValues& filters) {
  filters.specs = std::move(specs);
  filters.values.resize(filters.specs.size());
  for (size_t i = 0; i < filters.specs.size(); ++i) {
    const FilterSpec& spec = filters.specs[i];
    const FieldDescriptor* field = request->FindFieldByName(spec.field);
    std::string help = spec.help;
    if (field != nullptr && field->enum_type() != nullptr) {
      absl::StrAppend(&help, " (", EnumChoices(field->enum_type()), ")");
    }
    filters.options.push_back(
        command->add_option(spec.flag, filters.values[i], help));
  }
}

absl::Status ApplyFilters(const FilterValues& filters,
                          google::protobuf::Message& request) {
  const google::protobuf::Descriptor* descriptor = request.GetDescriptor();
  const google::protobuf::Reflection* reflection = request.GetReflection();
  for (size_t i = 0; i < filters.specs.size(); ++i) {
    if (filters.options[i]->count() == 0) continue;
    const FieldDescriptor* field =
        descriptor->FindFieldByName(filters.specs[i].field);
    if (field == nullptr) {
      return absl::InternalError(absl::StrCat(
          descriptor->full_name(), " has no field ", filters.specs[i].field));
    }
    if (field->type() == FieldDescriptor::TYPE_ENUM) {
      absl::StatusOr<int> value = ParseEnumShortName(
          field->enum_type(), filters.values[i], filters.specs[i].flag);
      if (!value.ok()) return UsageError(value.status());
      reflection->SetEnumValue(&request, field, *value);
    } else {
      reflection->SetString(&request, field, filters.values[i]);
    }
  }
  return absl::OkStatus();
}

absl::Status SetEnumFromFlag(const CLI::Option* option,
                             const google::protobuf::EnumDescriptor* type,
                             const std::string& text, absl::string_view flag,
                             const std::function<void(int)>& set) {
  if (option == nullptr || option->count() == 0) return absl::OkStatus();
  absl::StatusOr<int> value = ParseEnumShortName(type, text, flag);
  if (!value.ok()) return UsageError(value.status());
  set(*value);
  return absl::OkStatus();
}

}  // namespace revhub::cli
