// The principal cache with several hubs on one store: two registries on one
// store (as two hubs on one database) see each other's changes: a new key
// or name at once (at most one reload per second for misses), a disabled
// principal or rotated token once the cache is older than max_age.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "hub/auth/principal_registry.h"
#include "hub/store/sqlite/sqlite_store.h"
#include "tests/support/hub_process.h"

namespace revhub::hub::auth {
namespace {

using revhub::testing::TempDir;

std::unique_ptr<Store> OpenStore(const std::string& dir) {
  SqliteStoreOptions o;
  o.path = dir + "/revhub.db";
  auto s = OpenSqliteStore(o);
  REQUIRE(s.ok());
  return *std::move(s);
}

std::unique_ptr<PrincipalRegistry> OpenRegistry(Store* store,
                                                absl::Duration max_age,
                                                absl::Duration gap) {
  PrincipalCacheOptions options;
  options.max_age = max_age;
  options.miss_reload_gap = gap;
  auto r = PrincipalRegistry::Open(store, options);
  REQUIRE(r.ok());
  return *std::move(r);
}

void Sleep(absl::Duration d) {
  std::this_thread::sleep_for(absl::ToChronoMilliseconds(d));
}

TEST_CASE(
    "a principal made through one hub authenticates at another at "
    "once, with at most one reload per gap for unknown keys",
    "[principal_cache]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto a = OpenRegistry(store.get(), absl::Hours(1), absl::Seconds(1));
  auto b = OpenRegistry(store.get(), absl::Hours(1), absl::Seconds(1));

  auto first = a->Create("svc-one", hub::v1::ROLE_FINANCE, {});
  REQUIRE(first.ok());
  auto caller = b->AuthenticateToken(first->token);
  REQUIRE(caller.ok());
  CHECK(caller->principal == "svc-one");
  CHECK(caller->role == hub::v1::ROLE_FINANCE);

  // A second new key within the gap: b does not read the store again.
  auto second = a->Create("svc-two", hub::v1::ROLE_AUDITOR, {});
  REQUIRE(second.ok());
  CHECK(b->AuthenticateToken(second->token).status().code() ==
        absl::StatusCode::kUnauthenticated);
  CHECK(b->AuthenticateName("svc-two").status().code() ==
        absl::StatusCode::kUnauthenticated);
  Sleep(absl::Milliseconds(1100));
  auto later = b->AuthenticateToken(second->token);
  REQUIRE(later.ok());
  CHECK(later->principal == "svc-two");
  CHECK(b->AuthenticateName("svc-two").ok());

  // A well-formed key no hub issued is refused, after its reload.
  Sleep(absl::Milliseconds(1100));
  const std::string never_issued =
      "rhk_" + std::string(16, '0') + "_" + std::string(64, '0');
  CHECK(b->AuthenticateToken(never_issued).status().code() ==
        absl::StatusCode::kUnauthenticated);
}

TEST_CASE(
    "a principal disabled or a token rotated through one hub is "
    "refused at another once its cache is older than max_age",
    "[principal_cache]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto a = OpenRegistry(store.get(), absl::Hours(1), absl::Seconds(1));
  auto made = a->Create("svc", hub::v1::ROLE_FINANCE, {});
  REQUIRE(made.ok());
  auto other = a->Create("svc-rotated", hub::v1::ROLE_AUDITOR, {});
  REQUIRE(other.ok());
  const absl::Duration max_age = absl::Seconds(2);
  auto b = OpenRegistry(store.get(), max_age, absl::Seconds(1));
  REQUIRE(b->AuthenticateToken(made->token).ok());
  REQUIRE(b->AuthenticateToken(other->token).ok());

  REQUIRE(a->Disable("svc").ok());
  auto rotated = a->Rotate("svc-rotated");
  REQUIRE(rotated.ok());
  // The hub that made the change refuses at once.
  CHECK_FALSE(a->AuthenticateToken(made->token).ok());
  CHECK_FALSE(a->AuthenticateToken(other->token).ok());
  // The new token is a new key: b reloads for it, which also brings the
  // other changes.
  auto fresh = b->AuthenticateToken(rotated->token);
  REQUIRE(fresh.ok());
  CHECK(fresh->principal == "svc-rotated");
  CHECK(b->AuthenticateToken(made->token).status().code() ==
        absl::StatusCode::kUnauthenticated);

  // Without a new key to reload for, only age makes b look again.
  auto c = OpenRegistry(store.get(), max_age, absl::Seconds(1));
  auto third = a->Create("svc-three", hub::v1::ROLE_AUDITOR, {});
  REQUIRE(third.ok());
  Sleep(absl::Milliseconds(1100));
  REQUIRE(c->AuthenticateToken(third->token).ok());  // reloaded for the miss
  REQUIRE(a->Disable("svc-three").ok());
  // Its key is cached and the cache is young: c has not looked yet.
  CHECK(c->AuthenticateToken(third->token).ok());
  Sleep(max_age + absl::Milliseconds(200));
  auto refused = c->AuthenticateToken(third->token);
  CHECK(refused.status().code() == absl::StatusCode::kUnauthenticated);
  CHECK(refused.status().message().find("disabled") != std::string::npos);
  CHECK(c->AuthenticateName("svc-three").status().code() ==
        absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace revhub::hub::auth
