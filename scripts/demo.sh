#!/usr/bin/env bash
# A local stack end to end: the local SaladCloud emulator + `pulumi up --stack STACK` (default `local`, the embedded
# default on simulated TGI replicas).
#   scripts/demo.sh up [STACK]     start the emulator (background), deploy, smoke-test, print the endpoint
#   scripts/demo.sh down [STACK]   destroy the stack, then stop the emulator (nothing left running)
# A stack on engine vllm (local-vllm) runs REAL vLLM servers as its replicas: the emulator starts with
# --real-engine vllm=.venv-vllm/bin/python --model-cache .model-cache/hf (both made by `scripts/setup.sh vllm`,
# which `make demo STACK=local-vllm` runs). A stack's own policy-pack thresholds, stacks/STACK.policy.json, are
# passed to the pack when POLICY_CONFIG does not name others.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
py=.venv/bin/python
pulumi=scripts/pulumi
stack=${2:-local}
file=stacks/Pulumi.$stack.yaml

die() { echo "demo: $*" >&2; exit 1; }
[ -f "$file" ] || die "no stack $stack ($file): the local stacks are local and local-vllm"
grep -Eq '^  tgi-fleet:provider: local$' "$file" \
  || die "$stack is not a local stack (tgi-fleet:provider: local): deploy it with make up STACK=$stack"
emulator=(serve --daemon)
if grep -Eq '^  tgi-fleet:engine: vllm$' "$file"; then
  [ -x .venv-vllm/bin/python ] && [ -d .model-cache/hf ] \
    || die "$stack runs real vLLM replicas: run scripts/setup.sh vllm first (make demo STACK=$stack does)"
  emulator+=(--real-engine vllm=.venv-vllm/bin/python --model-cache .model-cache/hf)
fi
policy_config=${POLICY_CONFIG:-}
if [ -z "$policy_config" ] && [ -f "stacks/$stack.policy.json" ]; then
  policy_config=stacks/$stack.policy.json
fi

case "${1:-up}" in
  up)
    $py -m emulator "${emulator[@]}"
    $pulumi stack select "$stack" --create >/dev/null
    $pulumi up --stack "$stack" --yes --policy-pack policies ${policy_config:+--policy-pack-config "$policy_config"}
    echo
    echo "endpoint: $($pulumi stack output --stack "$stack" endpoint)"
    echo "try it (the local emulator's gateway key is in the stack's secret config):"
    echo "  export SALAD_API_KEY=\$(scripts/pulumi config get --stack $stack salad_api_key)"
    $pulumi stack output --stack "$stack" curl_example | sed 's/^/  /'
    echo
    down="make demo-down"
    [ "$stack" = local ] || down="make demo-down STACK=$stack"
    echo "tear it all down: $down   (pulumi destroy --stack $stack, then stops the emulator)"
    ;;
  down)
    if $pulumi stack select "$stack" >/dev/null 2>&1; then
      $py -m emulator "${emulator[@]}" >/dev/null  # destroy needs the API that holds the group
      $pulumi destroy --stack "$stack" --yes
    else
      echo "demo: no $stack stack deployed; nothing to destroy"
    fi
    $py -m emulator stop
    ;;
  *) echo "usage: scripts/demo.sh up|down [STACK]" >&2; exit 2 ;;
esac
