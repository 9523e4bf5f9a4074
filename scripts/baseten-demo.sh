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
state=.emulator
pidfile=$state/baseten.pid
stack=${2:-baseten-mistral}

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

start() {
  running && return 0
  mkdir -p "$state"
  nohup "$py" -m emulator.baseten serve --state-dir "$state" >>"$state/baseten.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  "$py" - <<'PY' || { echo "baseten-demo: the emulator did not start; see .emulator/baseten.log" >&2; exit 1; }
import httpx
from emulator.procs import wait_until_up
wait_until_up(lambda: httpx.get("http://127.0.0.1:5810/_emulator/status", timeout=2,
                                headers={"Authorization": "Api-Key local-baseten-key"}).status_code == 200,
              "the Baseten emulator", timeout_s=60)
PY
}

stop() {
  running || { rm -f "$pidfile"; return 0; }
  kill "$(cat "$pidfile")"
  for _ in $(seq 50); do running || break; sleep 0.2; done
  running && kill -9 "$(cat "$pidfile")"
  rm -f "$pidfile"
  echo "baseten-demo: emulator stopped"
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
      start  # destroy needs the API that holds the model
      $pulumi destroy --stack "$stack" --yes
    fi
    stop
    ;;
  *) echo "usage: scripts/baseten-demo.sh up|down STACK" >&2; exit 2 ;;
esac
