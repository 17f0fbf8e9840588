#include "hub/adapter_host/launch_policy.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "canonical/status_macros.h"
#include "nlohmann/json.hpp"

extern char** environ;

namespace revhub::hub {
namespace {

using json = nlohmann::json;

constexpr char kCommandField[] = "system.adapter.launch.command";

// The hub's variables every adapter gets (when the hub has them).
bool IsBaseKey(absl::string_view key) {
  static const char* const kBase[] = {
      "PATH",        "HOME",          "TZ",          "LANG",
      "LANGUAGE",    "http_proxy",    "HTTP_PROXY",  "https_proxy",
      "HTTPS_PROXY", "no_proxy",      "NO_PROXY",    "all_proxy",
      "ALL_PROXY",   "SSL_CERT_FILE", "SSL_CERT_DIR"};
  for (const char* b : kBase) {
    if (key == b) return true;
  }
  return absl::StartsWith(key, "LC_");
}

bool Matches(absl::string_view pattern, absl::string_view key) {
  if (absl::EndsWith(pattern, "*")) {
    return absl::StartsWith(key, pattern.substr(0, pattern.size() - 1));
  }
  return key == pattern;
}

std::string SelfDir() {
  std::error_code ec;
  std::filesystem::path self =
      std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  return self.parent_path().string();
}

absl::StatusOr<std::map<std::string, ResolvedCommand>> ReadAllowlist(
    const std::string& file) {
  const std::string flag = absl::StrCat("--adapter-allowlist ", file);
  std::ifstream in(file);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": cannot read: ", strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  json doc = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": must be a JSON object of name -> {command, args, env}"));
  }
  std::map<std::string, ResolvedCommand> out;
  for (const auto& [name, entry] : doc.items()) {
    const std::string where = absl::StrCat(flag, ": \"", name, "\"");
    if (name.empty() || name.find('/') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": a name must be non-empty without '/'"));
    }
    if (!entry.is_object() || !entry.contains("command") ||
        !entry["command"].is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".command: is required (an absolute path)"));
    }
    ResolvedCommand c;
    c.path = entry["command"].get<std::string>();
    if (c.path.empty() || c.path[0] != '/') {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ".command: \"", c.path, "\" must be an absolute path"));
    }
    if (entry.contains("args")) {
      if (!entry["args"].is_array()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ".args: must be an array of strings"));
      }
      for (const auto& a : entry["args"]) {
        if (!a.is_string()) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ".args: must be an array of strings"));
        }
        c.args.push_back(a.get<std::string>());
      }
    }
    if (entry.contains("env")) {
      if (!entry["env"].is_object()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ".env: must be an object of strings"));
      }
      for (const auto& [k, v] : entry["env"].items()) {
        if (!v.is_string()) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ".env[", k, "]: must be a string"));
        }
        c.env[k] = v.get<std::string>();
      }
    }
    out[name] = std::move(c);
  }
  return out;
}

bool IsLoopbackHost(absl::string_view host) {
  if (host == "localhost" || host == "[::1]" || host == "::1") return true;
  // 127.0.0.0/8 as a dotted quad.
  std::vector<absl::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      parts.push_back(host.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() != 4) return false;
  for (absl::string_view p : parts) {
    int n = 0;
    if (p.empty() || p.size() > 3 || !absl::SimpleAtoi(p, &n) || n < 0 ||
        n > 255) {
      return false;
    }
  }
  return parts[0] == "127";
}

// Splits "host:port" ("[v6]:port" too); false when it is not of that form.
bool SplitHostPort(absl::string_view address, absl::string_view* host) {
  size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  int port = 0;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &port) || port <= 0 ||
      port > 65535) {
    return false;
  }
  *host = address.substr(0, colon);
  return true;
}

}  // namespace

bool IsForbiddenEnvKey(absl::string_view key) {
  static const char* const kPrefixes[] = {
      "LD_",   "DYLD_",  "MALLOC_", "PYTHON", "PERL",  "RUBY",
      "JAVA_", "_JAVA_", "NODE_",   "GLIBC_", "GCONV_"};
  for (const char* p : kPrefixes) {
    if (absl::StartsWith(key, p)) return true;
  }
  static const char* const kNames[] = {
      "NODE_OPTIONS",  "GCONV_PATH",  "LOCPATH",        "NLSPATH",
      "HOSTALIASES",   "RES_OPTIONS", "LOCALDOMAIN",    "BASH_ENV",
      "ENV",           "IFS",         "CDPATH",         "SHELLOPTS",
      "PS4",           "TMPDIR",      "OPENSSL_CONF",   "OPENSSL_ENGINES",
      "SSLKEYLOGFILE", "GRPC_TRACE",  "GRPC_VERBOSITY", kAdapterTokenEnv};
  for (const char* n : kNames) {
    if (key == n) return true;
  }
  return IsBaseKey(key);  // the hub sets those itself
}

bool IsLocalEndpoint(absl::string_view endpoint) {
  if (absl::StartsWith(endpoint, "unix:")) {
    return endpoint.size() > 5 && endpoint[5] == '/';
  }
  absl::string_view host;
  return SplitHostPort(endpoint, &host) && IsLoopbackHost(host);
}

absl::Status CheckExecutable(const std::string& path) {
  if (path.empty() || path[0] != '/') {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": not an absolute path"));
  }
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": ", strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": not a regular file"));
  }
  if ((st.st_mode & S_IXUSR) == 0 || access(path.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": not executable"));
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": writable by group or others (mode ", mode,
                     "); refusing to run it"));
  }
  return absl::OkStatus();
}

absl::StatusOr<LaunchPolicy> LaunchPolicy::Create(LaunchPolicyOptions options) {
  LaunchPolicy policy;
  policy.dirs_ = std::move(options.adapter_dirs);
  if (policy.dirs_.empty()) {
    std::string self = SelfDir();
    if (self.empty()) {
      return absl::InvalidArgumentError(
          "--adapter-dir: none given and /proc/self/exe cannot be read");
    }
    policy.dirs_.push_back(self);
  }
  for (std::string& d : policy.dirs_) {
    std::error_code ec;
    std::filesystem::path abs = std::filesystem::absolute(d, ec);
    if (ec || !std::filesystem::is_directory(abs, ec)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--adapter-dir ", d, ": not a folder"));
    }
    d = abs.lexically_normal().string();
    if (d.size() > 1 && d.back() == '/') d.pop_back();
  }
  policy.allowlist_file_ = std::move(options.allowlist_file);
  if (!policy.allowlist_file_.empty()) {
    ASSIGN_OR_RETURN(policy.allowlist_, ReadAllowlist(policy.allowlist_file_));
  }
  policy.env_allow_ = std::move(options.env_allow);
  if (policy.env_allow_.empty()) {
    for (const char* p : kDefaultEnvAllow) policy.env_allow_.push_back(p);
  }
  for (const std::string& p : policy.env_allow_) {
    if (p.empty() || p == "*") {
      return absl::InvalidArgumentError(
          absl::StrCat("--adapter-env-allow \"", p,
                       "\": must name a variable or a prefix ending in '*'"));
    }
  }
  return policy;
}

std::string LaunchPolicy::WhereLooked() const {
  std::vector<std::string> places;
  if (!allowlist_file_.empty()) {
    places.push_back(absl::StrCat("the allow-list ", allowlist_file_));
  }
  places.push_back(
      absl::StrCat("the adapter folders ", absl::StrJoin(dirs_, ", ")));
  return absl::StrJoin(places, " and ");
}

absl::StatusOr<ResolvedCommand> LaunchPolicy::Resolve(
    absl::string_view name) const {
  if (name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(kCommandField, ": is required"));
  }
  if (name.find('/') != absl::string_view::npos || name == "." ||
      name == ".." || absl::StrContains(name, "..")) {
    return absl::InvalidArgumentError(absl::StrCat(
        kCommandField, ": \"", name,
        "\" must be a bare adapter name (no '/' or '..'); the hub runs "
        "only programs from ",
        WhereLooked()));
  }
  auto listed = allowlist_.find(std::string(name));
  if (listed != allowlist_.end()) {
    absl::Status ok = CheckExecutable(listed->second.path);
    if (!ok.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(kCommandField, ": \"", name, "\" (allow-list ",
                       allowlist_file_, "): ", ok.message()));
    }
    return listed->second;
  }
  for (const std::string& dir : dirs_) {
    std::string path = absl::StrCat(dir, "/", name);
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) continue;
    absl::Status ok = CheckExecutable(path);
    if (!ok.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(kCommandField, ": \"", name, "\": ", ok.message()));
    }
    ResolvedCommand c;
    c.path = std::move(path);
    return c;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      kCommandField, ": \"", name, "\" is not an adapter in ", WhereLooked()));
}

absl::Status LaunchPolicy::CheckEnvKey(const std::string& key) const {
  const std::string field =
      absl::StrCat("system.adapter.launch.env[", key, "]");
  if (key.empty() || key.find('=') != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": not a variable name"));
  }
  if (IsForbiddenEnvKey(key)) {
    return absl::InvalidArgumentError(absl::StrCat(
        field,
        ": may not be set by a registration (the loader, a runtime or the "
        "hub reads it)"));
  }
  for (const std::string& p : env_allow_) {
    if (Matches(p, key)) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": not allowed; revhubd passes only keys matching ",
                   absl::StrJoin(env_allow_, ", "), " (--adapter-env-allow)"));
}

absl::Status LaunchPolicy::CheckSpec(const hub::v1::AdapterSpec& spec) const {
  switch (spec.target_case()) {
    case hub::v1::AdapterSpec::kLaunch: {
      RETURN_IF_ERROR(Resolve(spec.launch().command()).status());
      for (const auto& [k, v] : spec.launch().env()) {
        RETURN_IF_ERROR(CheckEnvKey(k));
      }
      return absl::OkStatus();
    }
    case hub::v1::AdapterSpec::kEndpoint:
      if (spec.endpoint().empty()) {
        return absl::InvalidArgumentError(
            "system.adapter.endpoint: must not be empty");
      }
      if (!IsLocalEndpoint(spec.endpoint())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "system.adapter.endpoint: \"", spec.endpoint(),
            "\" is neither unix:/path nor a loopback host:port; an adapter "
            "on another host is reached only over TLS with a pinned "
            "certificate (adapter.tls_endpoint)"));
      }
      return absl::OkStatus();
    case hub::v1::AdapterSpec::kTlsEndpoint: {
      const auto& tls = spec.tls_endpoint();
      absl::string_view host;
      if (!SplitHostPort(tls.address(), &host)) {
        return absl::InvalidArgumentError(
            absl::StrCat("system.adapter.tls_endpoint.address: \"",
                         tls.address(), "\" must be host:port"));
      }
      if (!absl::StrContains(tls.pinned_certificate_pem(),
                             "-----BEGIN CERTIFICATE-----")) {
        return absl::InvalidArgumentError(
            "system.adapter.tls_endpoint.pinned_certificate_pem: is required "
            "(the PEM certificate the adapter serves, the only trust root)");
      }
      return absl::OkStatus();
    }
    case hub::v1::AdapterSpec::TARGET_NOT_SET:
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, std::string>> LaunchPolicy::Environment(
    const ResolvedCommand& command,
    const hub::v1::AdapterLaunch& launch) const {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const char* eq = strchr(*e, '=');
    if (eq == nullptr) continue;
    std::string key(*e, eq - *e);
    if (IsBaseKey(key)) env[key] = eq + 1;
  }
  for (const auto& [k, v] : command.env) env[k] = v;
  for (const auto& [k, v] : launch.env()) {
    RETURN_IF_ERROR(CheckEnvKey(k));
    env[k] = v;
  }
  return env;
}

}  // namespace revhub::hub
