#!/usr/bin/env bash
# The main job on loopback: the NetSuite, Salesforce and Stripe emulators,
# revhubd (with its HTTP listener for webhooks), and the three reference
# adapters registered as systems (salesforce -> CRM and stripe -> BILLING,
# each pulling from its emulator, which holds the quick start's deal;
# netsuite -> ERP posting to its emulator). Waits; Ctrl-C (or SIGTERM) stops
# everything.
#
#   examples/dev-stack.sh [BUILD_BIN_DIR]      (./dev run calls it)
#
# Environment: REVHUB_LISTEN (default 127.0.0.1:50051), REVHUB_HTTP_LISTEN
# (webhooks, default 127.0.0.1:8080), REVHUB_DATA (default ./data),
# REVHUB_STORE (revhubd's --store, e.g. postgres://...; default the SQLite
# file in the data folder). Everything listens on 127.0.0.1 only: the hub serves plaintext
# (--insecure-loopback), and every call still needs a token. The hub writes
# the admin token to $REVHUB_DATA/admin.token on its first start; the CLI
# calls below use it through REVHUB_TOKEN. The data folder is owner-only
# (0700) and holds a dev secrets key, DATA/secrets.key (0600, made when
# missing), which encrypts the systems' secret configuration fields.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bin="${1:-build/bin}"
listen="${REVHUB_LISTEN:-127.0.0.1:50051}"
http_listen="${REVHUB_HTTP_LISTEN:-127.0.0.1:8080}"
data="${REVHUB_DATA:-data}"
for address in "$listen" "$http_listen"; do
  case "$address" in
    127.0.0.1:*|localhost:*|"[::1]:"*) ;;
    *) echo "dev-stack: REVHUB_LISTEN and REVHUB_HTTP_LISTEN must be loopback addresses, got $address" >&2; exit 2 ;;
  esac
done
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
# Its records live in $data/emulators/netsuite, so a restart holds what
# the hub posted before (the hub's ledger and NetSuite agree).
mkdir -p "$data/emulators/netsuite"
"$bin/netsuite-emulator" --token=dev-token \
  --data-dir="$data/emulators/netsuite" <"$run_dir/emulator.in" \
  >"$run_dir/emulator.out" &
pids+=($!)
exec 3>"$run_dir/emulator.in"
emulator="$(wait_line "$run_dir/emulator.out" "NETSUITE-EMULATOR|")"
echo "dev-stack: NetSuite emulator at http://$emulator"

# 1b. The Salesforce and Stripe emulators, holding the quick start's deal as
# the vendors first hold it (examples/quickstart, without the July upgrade,
# which the quick start sends later). They exit with us, like NetSuite's.
q=examples/quickstart
mkdir -p "$run_dir/salesforce-data" "$run_dir/stripe-data"
for f in account product-platform product-onboarding opportunity; do
  cp "$q/salesforce/$f.json" "$run_dir/salesforce-data/"
done
for f in customer product-platform product-onboarding subscription invoice \
    payment-intent; do
  cp "$q/stripe/$f.json" "$run_dir/stripe-data/"
done
"$bin/salesforce-emulator" --client-id=dev-client --client-secret=dev-secret \
  --data="$run_dir/salesforce-data" <"$run_dir/emulator.in" \
  >"$run_dir/salesforce.out" &
pids+=($!)
salesforce_emulator="$(wait_line "$run_dir/salesforce.out" "SALESFORCE-EMULATOR|")"
echo "dev-stack: Salesforce emulator at http://$salesforce_emulator"
"$bin/stripe-emulator" --api-key=sk_test_dev --data="$run_dir/stripe-data" \
  <"$run_dir/emulator.in" >"$run_dir/stripe.out" &
pids+=($!)
stripe_emulator="$(wait_line "$run_dir/stripe.out" "STRIPE-EMULATOR|")"
echo "dev-stack: Stripe emulator at http://$stripe_emulator"

# 2. The hub.
store_args=()
if [[ -n "${REVHUB_STORE:-}" ]]; then store_args=(--store "$REVHUB_STORE"); fi
"$bin/revhubd" --listen "$listen" --http-listen "$http_listen" \
  --data-dir "$data" --insecure-loopback "${store_args[@]}" \
  --secrets-key-file "$data/secrets.key" \
  --orchestration-config examples/orchestration.json >"$run_dir/hub.out" &
pids+=($!)
hub="$(wait_line "$run_dir/hub.out" "revhubd listening on ")"
http="$(wait_line "$run_dir/hub.out" "revhubd http listening on ")"
echo "dev-stack: revhubd at $hub (data in $data), webhooks at http://$http/webhooks/<system>"
echo "dev-stack: control tower at http://$http/ (sign in with the token in $data/admin.token)"
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
 "opportunity_term_months_field": "Contract_Term_Months__c",
 "auth_flow": "client_credentials",
 "login_url": "http://$salesforce_emulator",
 "client_id": "dev-client", "client_secret": "dev-secret"}
JSON
cat >"$run_dir/stripe.json" <<JSON
{"contract_ref_metadata_key": "salesforce_opportunity_id",
 "contract_ref_system": "salesforce",
 "contract_ref_object_type": "Opportunity",
 "api_base": "http://$stripe_emulator", "secret_key": "sk_test_dev",
 "webhook_secret": "whsec_dev"}
JSON
cat >"$run_dir/netsuite.json" <<JSON
{"base_url": "http://$emulator", "access_token": "dev-token",
 "default_subsidiary_id": "1", "default_currency": "USD"}
JSON
revhub systems register --replace --name salesforce --kind crm \
  --display-name "Salesforce" --command revhub-adapter-salesforce \
  --config-file "$run_dir/salesforce.json" \
  --authoritative-for customer,contract \
  --sync Account --sync Product2 --sync Opportunity >/dev/null
revhub systems register --replace --name stripe --kind billing \
  --display-name "Stripe" --command revhub-adapter-stripe \
  --config-file "$run_dir/stripe.json" \
  --match "customer:attributes.metadata.salesforce_account_id=salesforce/Account" \
  --match "customer:email" \
  --authoritative-for invoice,payment \
  --sync customer --sync product --sync subscription --sync invoice \
  --sync payment_intent >/dev/null
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
echo "dev-stack: or pull the deal from the emulators:  $bin/revhub --hub $hub sync run salesforce"
echo "dev-stack: stop with Ctrl-C"
wait "${pids[1]}"
