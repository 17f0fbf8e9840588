// The ledger half of the orchestration harness: what NetSuite records net
// to per account, and Harness::CheckLedger, which compares a contract's
// journal entries in the emulator with the hub's.
#include <ctime>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/e2e/orchestration_harness.h"

namespace revhub::testing::orch {
namespace {

constexpr char kRecordPrefix[] = "/services/rest/record/v1/";

Nanos NumberAt(const Json& node, const char* key) {
  if (!node.is_object() || !node.contains(key) || node[key].is_null()) return 0;
  adapter::Field f(node);
  auto number = f[key].OptionalNumber();
  if (!number.ok() || !number->has_value()) return 0;
  return ToNanos(**number);
}

std::string RoleName(cv1::AccountRole role) {
  std::string name = cv1::AccountRole_Name(role);
  return name.rfind("ACCOUNT_ROLE_", 0) == 0 ? name.substr(13) : name;
}

// The NetSuite account a hub journal line lands on (the adapter's rule).
std::string AccountOf(const cv1::JournalLine& line) {
  if (!line.account().empty()) return line.account();
  auto it = AccountIds().find(RoleName(line.account_role()));
  return it == AccountIds().end() ? "?" + RoleName(line.account_role())
                                  : it->second;
}

std::map<std::string, Nanos> HubNet(const cv1::JournalEntry& je) {
  std::map<std::string, Nanos> net;
  for (const auto& line : je.lines()) {
    net[AccountOf(line)] += ToNanos(line.debit()) - ToNanos(line.credit());
  }
  return net;
}

void DropZeros(std::map<std::string, Nanos>* m) {
  std::erase_if(*m, [](const auto& kv) { return kv.second == 0; });
}

std::string NetText(const std::map<std::string, Nanos>& m) {
  std::string out;
  for (const auto& [account, n] : m)
    absl::StrAppend(&out, account, "=", Format(n), " ");
  return out;
}

}  // namespace

std::map<std::string, Nanos> NetPerAccount(const Json& record) {
  std::map<std::string, Nanos> net;
  if (!record.contains("line") || !record["line"].contains("items")) return net;
  for (const Json& line : record["line"]["items"]) {
    std::string account = line["account"]["id"].get<std::string>();
    net[account] += NumberAt(line, "debit") - NumberAt(line, "credit");
  }
  return net;
}

Nanos ItemsTotal(const Json& record) {
  Nanos total = 0;
  if (!record.contains("item") || !record["item"].contains("items")) return 0;
  for (const Json& item : record["item"]["items"])
    total += NumberAt(item, "amount");
  return total;
}

std::map<std::string, std::set<std::string>> BodiesByExternalId(
    const Json& requests, const std::string& type) {
  std::map<std::string, std::set<std::string>> out;
  std::string prefix = absl::StrCat(kRecordPrefix, type, "/eid:");
  for (const Json& r : requests) {
    if (r["method"] != "PUT") continue;
    std::string path = r["path"].get<std::string>();
    if (!absl::StartsWith(path, prefix)) continue;
    out[path.substr(prefix.size())].insert(adapter::DumpExactJson(r["body"]));
  }
  return out;
}

LedgerReport Harness::CheckLedger(const std::string& contract_id) {
  LedgerReport report;
  const std::string prefix = absl::StrCat("je_", contract_id, "_recognition_");
  std::map<std::string, Json> posted;
  for (auto& [eid, rec] : emulator_->Records("journalEntry")) {
    if (absl::StartsWith(eid, prefix)) posted[eid] = rec;
  }
  report.postings = static_cast<int>(posted.size());
  for (const auto& [eid, rec] : posted) {
    for (const auto& [account, n] : NetPerAccount(rec))
      report.emulator_net[account] += n;
  }
  DropZeros(&report.emulator_net);

  int64_t now = time(nullptr);
  std::map<std::string, cv1::JournalEntry> live;
  for (const auto& je : RecognitionEntries(contract_id)) {
    if (je.posting_date().seconds() > now) continue;
    live[je.id()] = je;
    for (const auto& [account, n] : HubNet(je)) report.hub_net[account] += n;
  }
  DropZeros(&report.hub_net);
  report.live_entries = static_cast<int>(live.size());

  // Group the postings by the hub entry they came from: "<id>",
  // "<id>~rN" (revision N), each with an optional "~rev".
  struct Revision {
    const Json* posting = nullptr;
    const Json* reversal = nullptr;
  };
  std::map<std::string, std::map<int, Revision>> groups;
  for (const auto& [eid, rec] : posted) {
    std::string rest = eid;
    bool reversal = absl::EndsWith(rest, "~rev");
    if (reversal) rest.resize(rest.size() - 4);
    int revision = 1;
    std::string base = rest;
    if (auto tilde = rest.find('~'); tilde != std::string::npos) {
      base = rest.substr(0, tilde);
      std::string suffix = rest.substr(tilde + 1);
      if (suffix.size() < 2 || suffix[0] != 'r' ||
          !absl::SimpleAtoi(suffix.substr(1), &revision) || revision < 2) {
        report.problems.push_back("unexpected external id " + eid);
        continue;
      }
    }
    Revision& r = groups[base][revision];
    (reversal ? r.reversal : r.posting) = &rec;
  }
  for (const auto& [id, je] : live) {
    if (!groups.count(id))
      report.problems.push_back("hub entry " + id + " was never posted");
  }
  for (const auto& [base, revisions] : groups) {
    bool is_live = live.count(base) > 0;
    int last = revisions.rbegin()->first;
    int expected_number = 1;
    for (const auto& [n, r] : revisions) {
      std::string eid = n == 1 ? base : absl::StrCat(base, "~r", n);
      if (n != expected_number++)
        report.problems.push_back(
            absl::StrCat(eid, ": revisions are not consecutive"));
      if (r.posting == nullptr) {
        report.problems.push_back(eid + "~rev reverses nothing posted");
        continue;
      }
      if (r.reversal != nullptr) {
        auto sum = NetPerAccount(*r.posting);
        for (const auto& [account, v] : NetPerAccount(*r.reversal))
          sum[account] += v;
        DropZeros(&sum);
        if (!sum.empty())
          report.problems.push_back(eid + "~rev does not cancel " + eid +
                                    ": left " + NetText(sum));
        ++report.reversals;
      }
      bool should_be_live = is_live && n == last;
      if (should_be_live && r.reversal != nullptr)
        report.problems.push_back(eid + " is the live revision but reversed");
      if (!should_be_live && r.reversal == nullptr)
        report.problems.push_back(
            eid + (is_live ? " was superseded but not reversed"
                           : " is gone from the hub but not reversed"));
      if (should_be_live) {
        auto sent = NetPerAccount(*r.posting);
        auto want = HubNet(live.at(base));
        DropZeros(&sent);
        DropZeros(&want);
        if (sent != want)
          report.problems.push_back(eid + " posted " + NetText(sent) +
                                    "but the hub has " + NetText(want));
      }
    }
  }
  if (report.emulator_net != report.hub_net) {
    report.problems.push_back("net per account: NetSuite " +
                              NetText(report.emulator_net) + "| hub " +
                              NetText(report.hub_net));
  }
  return report;
}

}  // namespace revhub::testing::orch
