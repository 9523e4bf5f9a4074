#!/usr/bin/env bash
# One set-up entry point (`make setup`): the project venv with the pinned Python packages, the Pulumi engine,
# actionlint and the Kubernetes provider plugin (into the engine's plugin cache). Idempotent; a second run
# takes seconds.
#
# Writes .venv/tgi-fleet-path: the directories scripts/pulumi puts first on PATH.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
MIN_PULUMI=3.220.0

die() { echo "setup: $*" >&2; exit 1; }
say() { echo "setup: $*" >&2; }

version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

# 1. Python venv with the pinned packages (the old language host never creates it: notes §1.2).
python=${PYTHON:-python3}
command -v "$python" >/dev/null 2>&1 || die "python3 is not on PATH: install Python >= 3.11 and run setup again."
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "Python >= 3.11 is needed (the baseten SDK needs it), found $("$python" --version 2>&1)."
stamp=.venv/.tgi-fleet-deps
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "creating .venv and installing the pinned packages (constraints.txt)"
  [ -x .venv/bin/python ] || "$python" -m venv .venv || die "could not create .venv (is the python3-venv package installed?)."
  .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]' \
    || die "pip could not install the pinned packages from constraints.txt: check the package index (PIP_INDEX_URL) and run setup again."
  echo "$want" >"$stamp"
fi

# Byte-compile the project's packages, as pip does for installed ones: where PYTHONDONTWRITEBYTECODE is set
# (common in CI images; set on this project's dev machines) every pulumi run would otherwise recompile them
# from source in the program, the dynamic-provider process, the policy pack and each emulated replica
# (~20 ms a preview for the program alone). Up-to-date files are skipped, so this is quick after the first run.
.venv/bin/python -m compileall -q components policies emulator \
  || die "could not byte-compile components/, policies/ or emulator/: fix the error printed above and run setup again."

# 2. The Pulumi engine: an official CLI on PATH wins; otherwise build it (scripts/build-engine.sh).
paths=()
official=$(command -v pulumi || true)
if [ -n "$official" ] && [ -z "${TGI_FLEET_BUILD_ENGINE:-}" ]; then
  v=$("$official" version 2>/dev/null | sed 's/^v//')
  dir=$(dirname "$(readlink -f "$official")")
  if version_ge "${v:-0}" "$MIN_PULUMI" && { [ -x "$dir/pulumi-language-python" ] || command -v pulumi-language-python >/dev/null; }; then
    say "using the pulumi CLI on PATH ($official, v$v)"
  else
    official=""
  fi
fi
if [ -z "$official" ]; then
  paths+=("$(scripts/build-engine.sh engine | tail -n1)")
fi

# 3. actionlint for the workflow check in the test command.
if ! command -v actionlint >/dev/null 2>&1; then
  paths+=("$(scripts/build-engine.sh actionlint | tail -n1)")
fi

( IFS=:; echo "${paths[*]:-}" ) >.venv/tgi-fleet-path

# 4. The Kubernetes provider plugin, in the engine's plugin cache rather than on PATH: the engine warns
#    "using pulumi-resource-kubernetes from $PATH" on every command of every stack otherwise (the Python host
#    reports it for any program, since pulumi-kubernetes is installed). One on the user's PATH still wins.
k8s=$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("pulumi-kubernetes"))')
plugin_dir="${PULUMI_HOME:-$HOME/.pulumi}/plugins/resource-kubernetes-v$k8s"
if command -v pulumi-resource-kubernetes >/dev/null 2>&1; then
  say "using pulumi-resource-kubernetes on PATH"
elif [ ! -x "$plugin_dir/pulumi-resource-kubernetes" ]; then
  bin=$(scripts/build-engine.sh kubernetes "$k8s" | tail -n1)
  scripts/pulumi plugin install resource kubernetes "$k8s" --file "$bin/pulumi-resource-kubernetes" >/dev/null \
    || die "could not install the built Kubernetes provider into $plugin_dir: check that it is writable and run setup again."
fi

say "ready: $(scripts/pulumi version) ($(scripts/pulumi whoami --non-interactive >/dev/null 2>&1 && echo 'backend ok' || echo 'local file backend'))"
