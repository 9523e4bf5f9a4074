#!/usr/bin/env bash
# After a crash (kill -9, a lost CI runner) in the middle of `pulumi up`: the one command to type.
#   scripts/recover.sh STACK [pulumi up flags]   (make recover STACK=...)
# POLICY_CONFIG=file.json in the environment passes the policy pack's thresholds, as for scripts/preview.sh.
# `pulumi cancel` releases the dead run's lock; the next `up` finds what the dead run left: a container group
# it created without recording it is recognised by its owner marker and adopted, never duplicated; the dead
# run's pending create of it is then cleared from the state.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stack=${1:?usage: scripts/recover.sh STACK [pulumi up flags]}
shift
"$root/scripts/pulumi" cancel --stack "$stack" --yes >/dev/null 2>&1 || true  # nothing to cancel is fine
"$root/scripts/pulumi" up --stack "$stack" --policy-pack "$root/policies" \
  ${POLICY_CONFIG:+--policy-pack-config "$POLICY_CONFIG"} "$@"
# The engine keeps the dead run's pending CREATE even once this up adopted it, and warns on every later run:
# drop exactly the ones whose resource is now in the state (scripts/clear_adopted.py).
state=$(mktemp)
trap 'rm -f "$state"' EXIT
"$root/scripts/pulumi" stack export --stack "$stack" --file "$state"
if "$root/.venv/bin/python" "$root/scripts/clear_adopted.py" "$state"; then
  "$root/scripts/pulumi" stack import --stack "$stack" --file "$state" >/dev/null
fi
