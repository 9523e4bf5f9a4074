#!/usr/bin/env bash
# Render mode: write what STACK would deploy (Kubernetes manifests, a provider's config files) to rendered/STACK/
# for review or GitOps, instead of deploying it. Any provider whose settings have a `render_dir` key supports it;
# the stack's own config plus tgi-fleet:<section>.render_dir runs as a throwaway stack on a throwaway backend,
# so it never touches the real stack's state. Usage: scripts/render.sh STACK [OUT_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stack=${1:?usage: scripts/render.sh STACK [OUT_DIR]}
out=$(realpath -m "${2:-$root/rendered/$stack}")
cd "$root"
[ -f "stacks/Pulumi.$stack.yaml" ] || { echo "render: no stacks/Pulumi.$stack.yaml" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$out"
# A scratch copy of the program: `stack init` writes a stack file, which must not land in the repo's stacks/.
mkdir -p "$work/project/stacks"
cp Pulumi.yaml __main__.py "$work/project/"
ln -s "$root/.venv" "$work/project/.venv"
.venv/bin/python - "$stack" "$out" "$work/project/stacks/Pulumi.render.yaml" <<'PY'
import sys, yaml
from components.providers import registry
stack, out, dest = sys.argv[1:]
doc = yaml.safe_load(open(f"stacks/Pulumi.{stack}.yaml"))
config = doc.setdefault("config", {})
name = config.get("tgi-fleet:provider")
if name not in registry.PROVIDERS or "render_dir" not in registry.provider(name).settings_model.model_fields:
    sys.exit(f"render: stack {stack}'s provider {name!r} has no render mode")
config.setdefault(f"tgi-fleet:{registry.section_of(name)}", {})["render_dir"] = out
config.pop("encryptionsalt", None)
yaml.safe_dump({"config": config}, open(dest, "w"))
PY
export PULUMI_BACKEND_URL="file://$work" PULUMI_CONFIG_PASSPHRASE=render
cd "$work/project"
"$root/scripts/pulumi" stack init render --secrets-provider passphrase --non-interactive >/dev/null
"$root/scripts/pulumi" up --stack render --yes --skip-preview --non-interactive --suppress-outputs \
  >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; exit 1; }
echo "render: $(find "$out" -name '*.yaml' | wc -l) manifests in $out"
