#!/usr/bin/env bash
# Installs what revhub needs to build, test and run, and nothing else:
# Debian 12 packages (apt) and the npm tools in cmake/node-tools (buf;
# @grpc/grpc-js + @grpc/proto-loader for the interop test; puppeteer-core,
# which drives Debian's chromium, for the page test; and
# parse-prometheus-text-format for the /metrics test), pinned by
# cmake/node-tools/package-lock.json into a project-local node_modules.
# Does nothing when everything is present. Needs root only to install.
#
#   cmake/install-deps.sh              what build/ needs (./dev run, bench)
#   cmake/install-deps.sh sanitizers   also the test tree's toolchain
#                                      (./dev test, fuzz)
#
# clang-14 builds the test tree (`./dev test`, `./dev fuzz`);
# its sanitizer and libFuzzer runtimes are in libclang-rt-14-dev, which
# clang-14 only recommends (libfuzzer-14-dev, the standalone libFuzzer.a, is
# not needed); llvm-14 gives the sanitizers llvm-symbolizer for readable
# stacks.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() { echo "install-deps: $*" >&2; exit 1; }

packages=(
  g++ make cmake pkg-config git ca-certificates
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libsqlite3-dev libssl-dev libcurl4-openssl-dev
  libcli11-dev nlohmann-json3-dev catch2 libbenchmark-dev libcpp-httplib-dev
  sqlite3
  # The PostgreSQL store: libpq to build it, the server for its tests
  # (started by the test harness itself) and for several hubs.
  libpq-dev postgresql-15
  # A baseline of `./dev bench` (ingest_stream_bench: Redis XADD with
  # appendfsync always); never needed to build, test or run the hub.
  redis-server
)
if [ "${1:-}" = sanitizers ]; then
  # chromium and a font for it: the control-tower page is tested in a
  # real browser (tests/e2e/control_tower_test.js, puppeteer-core).
  packages+=(clang-14 libclang-rt-14-dev llvm-14 chromium fonts-liberation)
fi

if [ ! -r /etc/debian_version ]; then
  die "this install step targets Debian 12 (bookworm); install the packages listed in $0 by hand"
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node.js and npm: any recent install will do (the machine may have its own);
# otherwise Debian's.
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    die "missing packages: ${missing[*]}
run as root (or: sudo apt-get update && sudo apt-get install -y ${missing[*]})"
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get install failed for: ${missing[*]}"
fi

# npm tools, into cmake/node-tools/node_modules, exactly as locked.
stamp="$here/node-tools/node_modules/.revhub-lock"
lock="$here/node-tools/package-lock.json"
if [ ! -x "$here/node-tools/node_modules/.bin/buf" ] ||
   [ ! -f "$stamp" ] || ! cmp -s "$lock" "$stamp"; then
  echo "install-deps: installing npm tools (cmake/node-tools/package.json)"
  # npm ci installs exactly what the lock pins and never writes the lock, so
  # a fresh clone stays clean. The lock lists buf's binary for every
  # platform; npm installs only this one's.
  (cd "$here/node-tools" && npm ci --no-audit --no-fund --loglevel=error) ||
    die "npm ci failed in cmake/node-tools"
  cp "$lock" "$stamp"
fi
"$here/node-tools/node_modules/.bin/buf" --version >/dev/null ||
  die "buf does not run from cmake/node-tools/node_modules/.bin/buf"
