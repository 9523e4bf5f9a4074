#!/usr/bin/env bash
# The embedded default, end to end: the local SaladCloud emulator + `pulumi up --stack local`.
#   scripts/demo.sh up     start the emulator (background), deploy, smoke-test, print the endpoint
#   scripts/demo.sh down   destroy the stack, then stop the emulator (nothing left running)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
py=.venv/bin/python
pulumi=scripts/pulumi

case "${1:-up}" in
  up)
    $py -m emulator serve --daemon
    $pulumi stack select local --create >/dev/null
    $pulumi up --stack local --yes --policy-pack policies
    echo
    echo "endpoint: $($pulumi stack output --stack local endpoint)"
    echo "try it (the local emulator's gateway key is in the stack's secret config):"
    echo "  export SALAD_API_KEY=\$(scripts/pulumi config get --stack local salad_api_key)"
    $pulumi stack output --stack local curl_example | sed 's/^/  /'
    echo
    echo "tear it all down: make demo-down   (pulumi destroy --stack local, then stops the emulator)"
    ;;
  down)
    if $pulumi stack select local >/dev/null 2>&1; then
      $py -m emulator serve --daemon >/dev/null  # destroy needs the API that holds the group
      $pulumi destroy --stack local --yes
    else
      echo "demo: no local stack deployed; nothing to destroy"
    fi
    $py -m emulator stop
    ;;
  *) echo "usage: scripts/demo.sh up|down" >&2; exit 2 ;;
esac
