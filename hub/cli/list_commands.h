// What every `revhub … list` command shares: how many pages it fetches
// (Paging), the one loop that fetches them (FetchPages), the one way a list
// is printed with its footer (PrintList), and the flags that page and filter
// (--page-size, --page-token, --all-pages; filters by request field name).
//
// A list command pages in one of four ways, each a Paging:
//   Paging::FromFlags   --page-size/--page-token, one page unless
//                       --all-pages; the footer tells how to get the next;
//   Paging::Everything  every page, 500 items at a time (the hub's most);
//   Paging::UpTo(N)     pages until N items (--limit N); the footer says
//                       there are more;
//   Paging::OnePage(N)  one page of N items (0: the hub's default), no
//                       footer.
#ifndef REVHUB_HUB_CLI_LIST_COMMANDS_H_
#define REVHUB_HUB_CLI_LIST_COMMANDS_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/repeated_ptr_field.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "canonical/status_macros.h"
#include "hub/cli/command_context.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace revhub::cli {

// The largest page the hub serves.
inline constexpr int kMaxPageSize = 500;

// The paging flags of a list command that pages by token.
struct PageFlags {
  int32_t page_size = 0;
  std::string page_token;
  bool all_pages = false;
};

// Adds --page-size, --page-token and --all-pages to command, bound to flags.
void AddPageFlags(CLI::App* command, PageFlags& flags);

// Which pages a list command fetches, and what its footer says when there
// are more than it printed.
struct Paging {
  enum class Footer {
    kNone,       // nothing
    kPageToken,  // "more: --page-token T (or --all-pages)"
    kLimit,      // "showing the newest N; there are more (--limit N …)"
  };

  int32_t page_size = 0;  // 0: the hub's default
  std::string page_token;
  bool follow = false;  // follow next page tokens
  int limit = 0;        // stop after this many items; 0: no limit
  Footer footer = Footer::kNone;

  static Paging FromFlags(const PageFlags& flags);
  static Paging Everything();
  static Paging UpTo(int limit);
  static Paging OnePage(int32_t page_size);

  // The page size to ask for when `have` items were fetched already.
  int32_t PageSizeAfter(int have) const {
    return limit > 0 ? std::min(kMaxPageSize, limit - have) : page_size;
  }
  bool Full(int have) const { return limit > 0 && have >= limit; }
};

// Calls a List RPC for the pages `paging` asks for and returns their items
// in one response whose next_page_token is the last page's. `call` is
// `absl::StatusOr<Response>(const Request&)`; `items` is the response's
// mutable repeated field (&ListFooResponse::mutable_foos). INTERNAL when the
// hub returns the same page token twice.
template <typename Request, typename Response, typename Item, typename Call>
absl::StatusOr<Response> FetchPages(
    Request request, const Paging& paging, Call call,
    google::protobuf::RepeatedPtrField<Item>* (Response::*items)()) {
  request.set_page_token(paging.page_token);
  Response all;
  google::protobuf::RepeatedPtrField<Item>& fetched = *(all.*items)();
  while (true) {
    request.set_page_size(paging.PageSizeAfter(fetched.size()));
    ASSIGN_OR_RETURN(Response page, call(request));
    for (Item& item : *(page.*items)()) {
      if (paging.Full(fetched.size())) break;
      *fetched.Add() = std::move(item);
    }
    all.set_next_page_token(page.next_page_token());
    if (!paging.follow || page.next_page_token().empty() ||
        paging.Full(fetched.size())) {
      break;
    }
    if (page.next_page_token() == request.page_token()) {
      return absl::InternalError(
          "the hub returned the same page token twice; stopping");
    }
    request.set_page_token(page.next_page_token());
  }
  return all;
}

// Prints a fetched list: as JSON with --json; else `table`, or "no PLURAL"
// when count is 0, then the footer paging.footer names when
// next_page_token is set.
void PrintListOf(CommandContext& ctx, const google::protobuf::Message& all,
                 int count, const std::string& next_page_token,
                 absl::string_view plural, const std::string& table,
                 const Paging& paging);

template <typename Response>
void PrintList(CommandContext& ctx, const Response& all, int count,
               absl::string_view plural, const std::string& table,
               const Paging& paging) {
  PrintListOf(ctx, all, count, all.next_page_token(), plural, table, paging);
}

// A list filter: a flag that sets one field of a List request, by name.
// String fields take the value as given; enum fields take a short name.
struct FilterSpec {
  const char* flag;
  const char* field;
  const char* help;
};

// The filter flags of one list command and the values given.
struct FilterValues {
  std::vector<FilterSpec> specs;
  std::vector<std::string> values;
  std::vector<CLI::Option*> options;
};

// Adds a flag per spec to command (an enum field's help lists its short
// names). REQUIRES: every spec names a field of `request`.
void AddFilters(CLI::App* command, const google::protobuf::Descriptor* request,
                std::vector<FilterSpec> specs, FilterValues& filters);

// Sets the fields of the filters given; a bad enum name is a usage error.
absl::Status ApplyFilters(const FilterValues& filters,
                          google::protobuf::Message& request);

// Calls set with the value of an enum flag given by short name, when the
// flag was given (option counted); a name that is not one of `type`'s is a
// usage error naming `flag`.
absl::Status SetEnumFromFlag(const CLI::Option* option,
                             const google::protobuf::EnumDescriptor* type,
                             const std::string& text, absl::string_view flag,
                             const std::function<void(int)>& set);

// Sets the --category and --kind filters that `exceptions list` and
// `exceptions summary` share, on either's request.
template <typename Request>
absl::Status SetExceptionCategoryAndKind(const CLI::Option* category_option,
                                         const std::string& category,
                                         const CLI::Option* kind_option,
                                         const std::string& kind,
                                         Request& request) {
  RETURN_IF_ERROR(SetEnumFromFlag(
      category_option, hubv1::ExceptionCategory_descriptor(), category,
      "--category", [&](int v) {
        request.set_category(static_cast<hubv1::ExceptionCategory>(v));
      }));
  return SetEnumFromFlag(
      kind_option, hubv1::ExceptionKind_descriptor(), kind, "--kind",
      [&](int v) { request.set_kind(static_cast<hubv1::ExceptionKind>(v)); });
}

}  // namespace revhub::cli

#endif  // REVHUB_HUB_CLI_LIST_COMMANDS_H_
