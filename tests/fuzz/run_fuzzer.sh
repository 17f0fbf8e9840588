#!/usr/bin/env bash
# run_fuzzer.sh FUZZER SEEDS WORKDIR SECONDS
# Fuzzes for SECONDS from the seeds in SEEDS (read only) and what earlier
# runs found (WORKDIR/corpus). Exits non-zero on a crash, a hang (an input
# running over 10 s) or an input needing over 2 GB, leaving that input in
# WORKDIR/artifacts/ (reproduce: FUZZER WORKDIR/artifacts/crash-...).
set -euo pipefail
fuzzer="$1" seeds="$2" work="$3" seconds="$4"
mkdir -p "$work/corpus" "$work/artifacts"
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
  "$work/corpus" "$seeds"
