#!/usr/bin/env bash
# The main job on loopback: the NetSuite emulator, revhubd, and the three
# reference adapters registered as systems (salesforce -> CRM, stripe ->
# BILLING, netsuite -> ERP pointing at the emulator). Waits; Ctrl-C (or
# SIGTERM) stops everything.
#
#   examples/dev-stack.sh [BUILD_BIN_DIR]      (./dev run calls it)
#
# Environment: REVHUB_LISTEN (default 127.0.0.1:50051), REVHUB_DATA (default
# ./data). Everything listens on 127.0.0.1 only: the hub serves plaintext
# (--insecure-loopback), and every call still needs a token. The hub writes
# the admin token to $REVHUB_DATA/admin.token on its first start; the CLI
# calls below use it through REVHUB_TOKEN. The data folder is owner-only
# (0700) and holds a dev secrets key, DATA/secrets.key (0600, made when
# missing), which encrypts the systems' secret configuration fields.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bin="${1:-build/bin}"
listen="${REVHUB_LISTEN:-127.0.0.1:50051}"
data="${REVHUB_DATA:-data}"
case "$listen" in
  127.0.0.1:*|localhost:*|"[::1]:"*) ;;
  *) echo "dev-stack: REVHUB_LISTEN must be a loopback address, got $listen" >&2; exit 2 ;;
esac
mkdir -p "$data" && chmod 700 "$data"
if [[ ! -f "$data/secrets.key" ]]; then
  (umask 077 && openssl rand -hex 32 >"$data/secrets.key")
fi
run_dir="$(mktemp -d)"
pids=()

stop() {
  trap - INT TERM EXIT
  echo "dev-stack: stopping"
  # revhubd stops its adapters; the emulator exits when its stdin closes.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[$i]}" 2>/dev/null || true
  done
  exec 3>&- 2>/dev/null || true
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$run_dir"
}
trap stop INT TERM EXIT

# Waits (up to 30 s) for a line starting with $2 in file $1; prints the rest.
wait_line() {
  local file="$1" prefix="$2"
  for _ in $(seq 300); do
    if line="$(grep -m1 "^$prefix" "$file" 2>/dev/null)"; then
      echo "${line#"$prefix"}"
      return 0
    fi
    sleep 0.1
  done
  echo "dev-stack: no \"$prefix\" line in $file" >&2
  return 1
}

# 1. The NetSuite emulator (its stdin is our fd 3: it exits when we do).
mkfifo "$run_dir/emulator.in"
"$bin/netsuite-emulator" --token=dev-token <"$run_dir/emulator.in" \
  >"$run_dir/emulator.out" &
pids+=($!)
exec 3>"$run_dir/emulator.in"
emulator="$(wait_line "$run_dir/emulator.out" "NETSUITE-EMULATOR|")"
echo "dev-stack: NetSuite emulator at http://$emulator"

# 2. The hub.
"$bin/revhubd" --listen "$listen" --data-dir "$data" --insecure-loopback \
  --secrets-key-file "$data/secrets.key" \
  --orchestration-config examples/orchestration.json >"$run_dir/hub.out" &
pids+=($!)
hub="$(wait_line "$run_dir/hub.out" "revhubd listening on ")"
echo "dev-stack: revhubd at $hub (data in $data)"
REVHUB_TOKEN="$(cat "$data/admin.token")"
export REVHUB_TOKEN

# 3. The systems, each with its adapter.
revhub() { "$bin/revhub" --hub "$hub" "$@"; }
abs_bin="$(cd "$bin" && pwd)"
# Salesforce: which products are recognised how, and where an
# opportunity's term is (docs/adapter-guide.md, "Salesforce").
cat >"$run_dir/salesforce.json" <<JSON
{"default_currency": "USD",
 "revenue_rule_by_family": {"Subscription": "RATABLE",
                            "Professional Services": "POINT_IN_TIME"},
 "default_revenue_rule": "RATABLE",
 "opportunity_start_date_field": "Contract_Start_Date__c",
 "opportunity_term_months_field": "Contract_Term_Months__c"}
JSON
cat >"$run_dir/stripe.json" <<JSON
{"contract_ref_metadata_key": "salesforce_opportunity_id",
 "contract_ref_system": "salesforce",
 "contract_ref_object_type": "Opportunity"}
JSON
cat >"$run_dir/netsuite.json" <<JSON
{"base_url": "http://$emulator", "access_token": "dev-token",
 "default_subsidiary_id": "1"}
JSON
revhub systems register --replace --name salesforce --kind crm \
  --display-name "Salesforce" --command revhub-adapter-salesforce \
  --config-file "$run_dir/salesforce.json" \
  --authoritative-for customer,contract >/dev/null
revhub systems register --replace --name stripe --kind billing \
  --display-name "Stripe" --command revhub-adapter-stripe \
  --config-file "$run_dir/stripe.json" \
  --match "customer:attributes.metadata.salesforce_account_id=salesforce/Account" \
  --match "customer:email" \
  --authoritative-for invoice,payment >/dev/null
revhub systems register --replace --name netsuite --kind erp \
  --display-name "NetSuite (emulator)" \
  --command revhub-adapter-netsuite \
  --config-file "$run_dir/netsuite.json" >/dev/null
revhub systems list
echo
revhub systems check netsuite || true
echo
echo "dev-stack: the CLI needs the admin token:  export REVHUB_TOKEN=\"\$(cat $data/admin.token)\""
echo "dev-stack: try  $bin/revhub --hub $hub ingest FILE --system salesforce --object-type Account"
echo "dev-stack:      $bin/revhub --hub $hub records list"
echo "dev-stack:      $bin/revhub --hub $hub workflows list"
echo "dev-stack:      $bin/revhub --hub $hub exceptions list"
echo "dev-stack: stop with Ctrl-C"
wait "${pids[1]}"
