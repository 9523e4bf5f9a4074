#!/usr/bin/env bash
# A Baseten stack end to end against the local Baseten emulator (python -m emulator.baseten: management API on
# 127.0.0.1:5810, inference hosts on :5811, S3 on :5812, replicas as local processes):
#   scripts/baseten-demo.sh up STACK     start the emulator (background), `pulumi up --stack STACK`, smoke-test
#   scripts/baseten-demo.sh down STACK   destroy the stack, then stop the emulator (nothing left running)
# STACK: baseten-mistral, baseten-mixtral or baseten-vllm (all point at these addresses as committed).
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
    # The seed's own predict request (the stack's first smoke.requests body), sent as the seed's README sends it:
    # POST <model>/production/predict with Api-Key auth (the emulator's inference host is reached by address + Host).
    body=$($pulumi config get --stack "$stack" --path 'smoke.requests[0].body' 2>/dev/null || true)
    if [ -n "$body" ]; then
      address=$($pulumi config get --stack "$stack" --path baseten.inference_address 2>/dev/null || true)
      BODY=$body ADDRESS=$address PREDICT_URL=$($pulumi stack output --stack "$stack" predict_url) \
        BASETEN_API_KEY=$($pulumi config get --stack "$stack" baseten_api_key) "$py" - <<'PY'
import os, httpx
from urllib.parse import urlsplit
url, address, body = os.environ["PREDICT_URL"], os.environ["ADDRESS"], os.environ["BODY"]
host = urlsplit(url).hostname or ""
if address:  # the emulator: its inference address, naming the model's host
    url = f"http://{address}{urlsplit(url).path}"
print("the seed's predict request:")
print(f"  curl -s {url} " + (f"-H 'Host: {host}' " if address else "")
      + f"-H \"Authorization: Api-Key $BASETEN_API_KEY\" -d '{body}'")
headers = {"Authorization": f"Api-Key {os.environ['BASETEN_API_KEY']}", "Content-Type": "application/json"}
r = httpx.post(url, content=body, headers={**headers, **({"Host": host} if address else {})}, timeout=600)
print(f"  -> HTTP {r.status_code}: {r.text[:300]}{' ...' if len(r.text) > 300 else ''}")
PY
    fi
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
