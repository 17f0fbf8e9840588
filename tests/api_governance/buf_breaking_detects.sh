#!/usr/bin/env bash
# buf_breaking_detects.sh BUF PROTOS_DIR RELEASED_IMAGE
# Shows that the buf_breaking test can fail: a copy of the protos with one
# field of revhub.hub.v1.System removed must be refused by `buf breaking`
# against the released image, naming the field, while the unmodified copy
# passes (so the refusal is the removal's doing, not the copy's).
set -euo pipefail
buf="$1" protos="$2" released="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$protos/buf.yaml" "$protos/revhub" "$protos/third_party" "$work/"

"$buf" breaking "$work" --against "$released" ||
  { echo "FAIL: the unmodified copy of the protos is refused"; exit 1; }

file="$work/revhub/hub/v1/system_registry_service.proto"
grep -q '^  string disabled_reason = 9;$' "$file" ||
  { echo "FAIL: System.disabled_reason = 9 not found to remove"; exit 1; }
sed -i '/^  string disabled_reason = 9;$/d' "$file"

if out="$("$buf" breaking "$work" --against "$released" 2>&1)"; then
  echo "FAIL: buf breaking accepted a removed field"; exit 1
fi
echo "$out"
grep -q 'disabled_reason' <<<"$out" ||
  { echo "FAIL: the refusal does not name the removed field"; exit 1; }
echo "OK: buf breaking refuses the removed field System.disabled_reason"
