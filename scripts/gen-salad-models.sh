#!/usr/bin/env bash
# Regenerates components/providers/salad/api_models.py from the SaladCloud OpenAPI spec (contracts/salad, a copy of shared/contracts).
# The client and the emulator both use these models, so they cannot drift apart.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
spec=${1:-$root/contracts/salad/salad-cloud.yaml}
out=${2:-$root/components/providers/salad/api_models.py}
# Errata: where the spec is stricter than the bodies SaladCloud itself publishes and deploys, the published bodies
# win. Its TGI recipe (contracts/salad/recipe-tgi.container-group.json) sends an HTTP probe with `headers: []`; the
# spec says minItems 1.
errata=$(mktemp --suffix=.yaml)
trap 'rm -f "$errata"' EXIT
sed '/^    ContainerGroupProbeHttpHeaders:$/,/^    [A-Za-z]/ s/^      minItems: 1$/      minItems: 0/' "$spec" >"$errata"
[ "$(diff "$spec" "$errata" | grep -c '^>')" = 1 ] || { echo "gen-salad-models: the probe-headers erratum no longer applies" >&2; exit 1; }
"$root/.venv/bin/datamodel-codegen" --input "$errata" --input-file-type openapi --output "$out" \
  --output-model-type pydantic_v2.BaseModel --target-python-version 3.10 --use-annotated --field-constraints \
  --use-standard-collections --use-union-operator --collapse-root-models --enum-field-as-literal all --use-schema-description \
  --disable-timestamp --formatters black isort --custom-file-header \
  "# Generated from SaladCloud's public API spec (salad-cloud.yaml, 0.9.0-alpha.17) by scripts/gen-salad-models.sh.
# Do not edit: regenerate. tests/contract/test_generated_models.py checks it is current."
