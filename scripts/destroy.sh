#!/usr/bin/env bash
# `pulumi destroy` that never reports success over what a crashed run made without recording it.
#   scripts/destroy.sh STACK [pulumi destroy flags]   (make destroy STACK=...)
# A `kill -9` during a create leaves a pending CREATE in the state: the resource (a Baseten model, a container
# group) may exist, but destroy cannot see it and would exit 0 while it runs and bills. Such a state is refused,
# naming what and the fix (`make recover` adopts it; destroy then deletes it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stack=${1:?usage: scripts/destroy.sh STACK [pulumi destroy flags]}
shift
state=$(mktemp)
trap 'rm -f "$state"' EXIT
if "$root/scripts/pulumi" stack export --stack "$stack" --file "$state" >/dev/null 2>&1; then
  "$root/.venv/bin/python" "$root/scripts/clear_adopted.py" --refuse-pending "$state" "$stack"
fi
"$root/scripts/pulumi" destroy --stack "$stack" "$@"
