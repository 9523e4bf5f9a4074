#!/usr/bin/env bash
# Regenerates components/salad/api_models.py from the SaladCloud OpenAPI spec (contracts/salad, a copy of shared/contracts).
# The client and the emulator both use these models, so they cannot drift apart.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
spec=${1:-$root/contracts/salad/salad-cloud.yaml}
out=${2:-$root/components/salad/api_models.py}
"$root/.venv/bin/datamodel-codegen" --input "$spec" --input-file-type openapi --output "$out" \
  --output-model-type pydantic_v2.BaseModel --target-python-version 3.10 --use-annotated --field-constraints \
  --use-standard-collections --use-union-operator --collapse-root-models --enum-field-as-literal all --use-schema-description \
  --disable-timestamp --formatters black isort --custom-file-header \
  "# Generated from SaladCloud's public API spec (salad-cloud.yaml, 0.9.0-alpha.17) by scripts/gen-salad-models.sh.
# Do not edit: regenerate. tests/contract/test_generated_models.py checks it is current."
