#!/usr/bin/env bash
# A Baseten stack end to end against the local Baseten emulator (python -m emulator.baseten: management API on
# 127.0.0.1:5810, inference hosts on :5811, S3 on :5812, replicas as local processes):
#   scripts/baseten-demo.sh up STACK     start the emulator (background), `pulumi up --stack STACK`, smoke-test
#   scripts/baseten-demo.sh down STACK   destroy the stack, then stop the emulator (nothing left running)
# STACK: baseten-mistral or baseten-mixtral (both point at these addresses as committed).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
py=.venv/bin/python
pulumi=scripts/pulumi
state=.emulator  # its pid file and log: .emulator/baseten.pid, .emulator/baseten.log
stack=${2:-baseten-mistral}

start() {
  "$py" -m emulator.baseten serve --daemon --state-dir "$state" \
    || { echo "baseten-demo: the emulator did not start; see $state/baseten.log" >&2; exit 1; }
}

case "${1:-up}" in
  up)
    start
    $pulumi stack select "$stack" --create >/dev/null
    $pulumi up --stack "$stack" --yes --policy-pack policies
    echo
    echo "endpoint (OpenAI base without /v1): $($pulumi stack output --stack "$stack" endpoint)"
    echo "tear it down: make baseten-demo-down STACK=$stack"
    ;;
  down)
    if $pulumi stack select "$stack" >/dev/null 2>&1; then
      start >/dev/null  # destroy needs the API that holds the model
      $pulumi destroy --stack "$stack" --yes
    fi
    "$py" -m emulator.baseten stop --state-dir "$state"
    ;;
  *) echo "usage: scripts/baseten-demo.sh up|down STACK" >&2; exit 2 ;;
esac
