#!/usr/bin/env bash
# After a crash (kill -9, a lost CI runner) in the middle of `pulumi up`: the one command to type.
#   scripts/recover.sh STACK [pulumi up flags]   (make recover STACK=...)
# POLICY_CONFIG=file.json in the environment passes the policy pack's thresholds, as for scripts/preview.sh.
# `pulumi cancel` releases the dead run's lock; the next `up` finds what the dead run left: a container group
# it created without recording it is recognised by its owner marker and adopted, never duplicated.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stack=${1:?usage: scripts/recover.sh STACK [pulumi up flags]}
shift
"$root/scripts/pulumi" cancel --stack "$stack" --yes >/dev/null 2>&1 || true  # nothing to cancel is fine
exec "$root/scripts/pulumi" up --stack "$stack" --policy-pack "$root/policies" \
  ${POLICY_CONFIG:+--policy-pack-config "$POLICY_CONFIG"} "$@"
