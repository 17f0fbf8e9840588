// Tests of the one paging loop and list footer every list command uses
// (hub/cli/list_commands.h): directly, and through list commands of each
// paging kind run in-process against a RecordingHub.
#include "hub/cli/list_commands.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_harness.h"
#include "tests/cli/fixtures.h"

namespace revhub::cli {
namespace {

using namespace ::revhub::cli::fixtures;  // NOLINT

hubv1::ListSystemsResponse SystemsPage(std::vector<std::string> names,
                                       const std::string& next) {
  hubv1::ListSystemsResponse page;
  for (const std::string& name : names) *page.add_systems() = SystemNamed(name);
  page.set_next_page_token(next);
  return page;
}

// Fetches through FetchPages from a RecordingHub's ListSystems.
absl::StatusOr<hubv1::ListSystemsResponse> Fetch(RecordingHub& hub,
                                                 const Paging& paging) {
  return FetchPages(
      hubv1::ListSystemsRequest(), paging,
      [&hub](const hubv1::ListSystemsRequest& r) { return hub.ListSystems(r); },
      &hubv1::ListSystemsResponse::mutable_systems);
}

TEST_CASE("FetchPages fetches what each kind of paging asks for",
          "[cli][paging]") {
  RecordingHub hub;
  const auto first = SystemsPage({"a", "b"}, "t1");
  const auto second = SystemsPage({"c", "d"}, "t2");
  const auto last = SystemsPage({"e"}, "");

  SECTION("flags: one page, from the token given") {
    hub.ListSystems_answers = {second};
    PageFlags flags;
    flags.page_size = 2;
    flags.page_token = "t1";
    auto all = Fetch(hub, Paging::FromFlags(flags));
    REQUIRE(all.ok());
    REQUIRE(hub.ListSystems_requests.size() == 1);
    CHECK(hub.ListSystems_requests[0].page_token() == "t1");
    CHECK(hub.ListSystems_requests[0].page_size() == 2);
    CHECK(all->systems_size() == 2);
    CHECK(all->next_page_token() == "t2");
  }
  SECTION("flags with --all-pages: every page, one list") {
    hub.ListSystems_answers = {first, second, last};
    PageFlags flags;
    flags.all_pages = true;
    auto all = Fetch(hub, Paging::FromFlags(flags));
    REQUIRE(all.ok());
    REQUIRE(hub.ListSystems_requests.size() == 3);
    CHECK(hub.ListSystems_requests[1].page_token() == "t1");
    CHECK(hub.ListSystems_requests[2].page_token() == "t2");
    CHECK(hub.ListSystems_requests[2].page_size() == 0);
    REQUIRE(all->systems_size() == 5);
    CHECK(all->systems(4).name() == "e");
    CHECK(all->next_page_token().empty());
  }
  SECTION("everything: pages of 500 to the end") {
    hub.ListSystems_answers = {first, last};
    auto all = Fetch(hub, Paging::Everything());
    REQUIRE(all.ok());
    REQUIRE(hub.ListSystems_requests.size() == 2);
    CHECK(hub.ListSystems_requests[0].page_size() == kMaxPageSize);
    CHECK(hub.ListSystems_requests[1].page_size() == kMaxPageSize);
    CHECK(all->systems_size() == 3);
  }
  SECTION("up to a limit: asks for what is missing, cuts the last page") {
    hub.ListSystems_answers = {first, second};
    auto all = Fetch(hub, Paging::UpTo(3));
    REQUIRE(all.ok());
    REQUIRE(hub.ListSystems_requests.size() == 2);
    CHECK(hub.ListSystems_requests[0].page_size() == 3);
    CHECK(hub.ListSystems_requests[1].page_size() == 1);
    REQUIRE(all->systems_size() == 3);
    CHECK(all->systems(2).name() == "c");
    CHECK(all->next_page_token() == "t2");
  }
  SECTION("one page of a size, even when there are more") {
    hub.ListSystems_answers = {first};
    auto all = Fetch(hub, Paging::OnePage(7));
    REQUIRE(all.ok());
    REQUIRE(hub.ListSystems_requests.size() == 1);
    CHECK(hub.ListSystems_requests[0].page_size() == 7);
    CHECK(all->next_page_token() == "t1");
  }
  SECTION("the same token twice stops with INTERNAL") {
    hub.ListSystems_answers = {first, first};
    auto all = Fetch(hub, Paging::Everything());
    CHECK(absl::IsInternal(all.status()));
    CHECK(hub.ListSystems_requests.size() == 2);
  }
}

TEST_CASE("a list of several pages through the command line", "[cli][paging]") {
  Harness h;
  h.hub.ListSystems_answers = {SystemsPage({"a", "b"}, "t1"),
                               SystemsPage({"c"}, "")};
  Result r = h.Run({"systems", "list", "--all-pages", "--page-size", "2"});
  REQUIRE(r.code == kExitOk);
  REQUIRE(h.hub.ListSystems_requests.size() == 2);
  CHECK(h.hub.ListSystems_requests[1].page_token() == "t1");
  CHECK(h.hub.ListSystems_requests[1].page_size() == 2);
  CHECK_THAT(r.out, Catch::Contains("\na "));
  CHECK_THAT(r.out, Catch::Contains("\nc "));
  CHECK_THAT(r.out, !Catch::Contains("more:"));

  h.hub.ListSystems_answers = {SystemsPage({"a", "b"}, "t1")};
  Result one = h.Run({"systems", "list"});
  CHECK_THAT(one.out,
             Catch::EndsWith("\nmore: --page-token t1 (or --all-pages)\n"));
}

TEST_CASE("a hub that repeats a page token is an error, not a loop",
          "[cli][paging]") {
  Harness h;
  h.hub.ListSystems_answers = {SystemsPage({"a"}, "t1"),
                               SystemsPage({"b"}, "t1")};
  Result r = h.Run({"systems", "list", "--all-pages", "--page-token", "t0"});
  CHECK(r.code == kExitServerError);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "revhub: INTERNAL: the hub returned the same page token twice; "
        "stopping\n");
}

TEST_CASE("records exceptions --limit asks for one page and prints no footer",
          "[cli][paging]") {
  Harness h;
  hubv1::ListRecordExceptionsResponse page;
  hubv1::RecordException* e = page.add_exceptions();
  e->set_exception_id(4);
  e->set_record_id(9);
  e->set_system("stripe");
  e->set_reason("no customer");
  page.set_next_page_token("more");
  h.hub.ListRecordExceptions_answers = {page, page};
  Result r = h.Run({"records", "exceptions", "--limit", "1"});
  REQUIRE(r.code == kExitOk);
  REQUIRE(h.hub.ListRecordExceptions_requests.size() == 1);
  CHECK(h.hub.ListRecordExceptions_requests[0].page_size() == 1);
  CHECK_THAT(r.out, Catch::StartsWith("record 9 (stripe) exception 4 "));
  CHECK_THAT(r.out, !Catch::Contains("more"));
  Result json = h.Run({"records", "exceptions", "--json"});
  CHECK(h.hub.ListRecordExceptions_requests[1].page_size() == 0);
  CHECK(nlohmann::json::parse(json.out)["nextPageToken"] == "more");
}

}  // namespace
}  // namespace revhub::cli
