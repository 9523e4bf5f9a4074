#!/usr/bin/env bash
# Regenerates components/tgi_api/models.py from TGI's router OpenAPI spec (contracts/tgi/openapi.json, a copy of
# shared/contracts): the smoke stage builds and reads TGI's bodies with them, and the emulator's simulated replica
# validates requests with them, as TGI's typed router does.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
spec=${1:-$root/contracts/tgi/openapi.json}
out=${2:-$root/components/tgi_api/models.py}
"$root/.venv/bin/datamodel-codegen" --input "$spec" --input-file-type openapi --output "$out" \
  --output-model-type pydantic_v2.BaseModel --target-python-version 3.10 --use-annotated --field-constraints \
  --use-standard-collections --use-union-operator --collapse-root-models --strict-nullable --enum-field-as-literal all \
  --disable-timestamp --formatters black isort --custom-file-header \
  "# Generated from TGI's router spec (docs/openapi.json, 3.3.6-dev0) by scripts/gen-tgi-models.sh.
# Do not edit: regenerate. tests/contract/test_generated_models.py checks it is current."
# The spec writes some defaults as strings ("null", "false", "true": a utoipa quirk, e.g.
# ChatRequest.response_format, GenerateParameters.details); TGI's serde reads them as None/False/True.
sed -i -E -e "s/(\]|: .*) = 'null'$/\1 = None/" -e "s/(\]|: .*) = 'false'$/\1 = False/" \
  -e "s/(\]|: .*) = 'true'$/\1 = True/" -e "s/(\]|: .*) = '([0-9.]+)'$/\1 = \2/" "$out"
