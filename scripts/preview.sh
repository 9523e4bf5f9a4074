#!/usr/bin/env bash
# `pulumi preview --policy-pack policies` for one stack, summarised as Markdown (changes + policy violations).
# The pull-request workflow posts these summaries as one comment; locally it prints the same.
# Usage: scripts/preview.sh STACK [OUT.md]   (exit status: the preview's)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stack=${1:?usage: scripts/preview.sh STACK [OUT.md]}
out=${2:-/dev/stdout}
cd "$root"
scripts/pulumi stack select "$stack" --create >/dev/null 2>&1 || true
log=$(mktemp)
scripts/pulumi preview --stack "$stack" --policy-pack policies ${POLICY_CONFIG:+--policy-pack-config "$POLICY_CONFIG"} --diff --non-interactive --color never >"$log" 2>&1
rc=$?
.venv/bin/python scripts/preview_summary.py --stack "$stack" --exit-code "$rc" <"$log" >"$out"
[ "$out" = /dev/stdout ] || cat "$out"
rm -f "$log"
exit "$rc"
