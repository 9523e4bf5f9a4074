#!/usr/bin/env bash
# `make test`: set-up, the checks, then the suite on pytest-xdist workers (TEST_WORKERS, default 4).
# The real vLLM (.venv-vllm: ~20 min the first time on 2 cores, most of it its ~6 GB download) installs beside the
# rest of the set-up and then beside the suite, instead of before it: only the real-engine tests wait for it
# (TGI_FLEET_VLLM_SETUP, tests/realengine/vllm_server.py). Once installed it takes a second to check.
# The install never outlives this script: if the suite ends first, it is stopped, and this says so.
set -euo pipefail
cd "$(dirname "$0")/.."

state=$(mktemp -d "${TMPDIR:-/tmp}/tgi-fleet-vllm-setup.XXXXXX")
set -m  # its own process group, so that it can be stopped with every pip it started
( status=0; scripts/setup.sh only-vllm || status=$?; echo "$status" >"$state/status" ) >"$state/log" 2>&1 &
vllm=$!
set +m
finish() {
  if [ ! -e "$state/status" ]; then
    echo "make test: stopping the real vLLM's install, still running (\`scripts/setup.sh vllm\` finishes it; its log: $state/log)" >&2
    kill -- -"$vllm" 2>/dev/null || true
    wait "$vllm" 2>/dev/null || true
  else
    rm -rf "$state"
  fi
}
trap finish EXIT
trap 'exit 130' INT TERM

scripts/setup.sh dev actionlint kubernetes dstack-server tgi-client
make --no-print-directory checks
if [ ! -e "$state/status" ]; then
  echo "make test: the real vLLM is still installing ($state/log); the real-engine tests wait for it" >&2
fi
TGI_FLEET_VLLM_SETUP=$state .venv/bin/python -m pytest -q -n "${TEST_WORKERS:-4}" --dist loadgroup
