#!/usr/bin/env bash
# Render mode: write what STACK would deploy (Kubernetes manifests, a provider's config files) to rendered/STACK/
# for review or GitOps, instead of deploying it. Any provider whose settings have a `render_dir` key supports it:
# the stack's own config plus tgi-fleet:<section>.render_dir runs as a throwaway stack on a throwaway backend,
# so it never touches the real stack's state; the policy pack checks the plan, as for every up.
# Usage: scripts/render.sh STACK [OUT_DIR] [--set KEY=VALUE ...]
#   --set tgi-fleet:KEY (YAML value) for this render only, e.g. --set image=<uri>@sha256:<digest>
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: scripts/render.sh STACK [OUT_DIR] [--set KEY=VALUE ...]"
stack=${1:?$usage}
shift
out_arg="" sets=()
while [ $# -gt 0 ]; do
  case $1 in
    --set) sets+=("${2:?$usage}"); shift 2 ;;
    --set=*) sets+=("${1#--set=}"); shift ;;
    *) out_arg=$1; shift ;;
  esac
done
out=$(realpath -m "${out_arg:-$root/rendered/$stack}")
cd "$root"
[ -f "stacks/Pulumi.$stack.yaml" ] || { echo "render: no stacks/Pulumi.$stack.yaml" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$out"
# A scratch copy of the program: `stack init` writes a stack file, which must not land in the repo's stacks/.
mkdir -p "$work/project/stacks"
cp Pulumi.yaml __main__.py "$work/project/"
ln -s "$root/.venv" "$work/project/.venv"
.venv/bin/python - "$stack" "$out" "$work/project/stacks/Pulumi.render.yaml" "${sets[@]}" <<'PY'
import sys, yaml
from components.providers import registry
stack, out, dest, *sets = sys.argv[1:]
doc = yaml.safe_load(open(f"stacks/Pulumi.{stack}.yaml"))
config = doc.setdefault("config", {})
name = config.get("tgi-fleet:provider")
if name not in registry.PROVIDERS or "render_dir" not in registry.provider(name).settings_model.model_fields:
    sys.exit(f"render: stack {stack}'s provider {name!r} has no render mode")
for item in sets:
    key, sep, value = item.partition("=")
    if not sep:
        sys.exit(f"render: --set {item!r}: expected KEY=VALUE")
    config[key if ":" in key else f"tgi-fleet:{key}"] = yaml.safe_load(value)
config.setdefault(f"tgi-fleet:{registry.section_of(name)}", {})["render_dir"] = out
config.pop("encryptionsalt", None)
yaml.safe_dump({"config": config}, open(dest, "w"))
PY
export PULUMI_BACKEND_URL="file://$work" PULUMI_CONFIG_PASSPHRASE=render
cd "$work/project"
"$root/scripts/pulumi" stack init render --secrets-provider passphrase --non-interactive >/dev/null
"$root/scripts/pulumi" up --stack render --yes --skip-preview --non-interactive --suppress-outputs \
  --policy-pack "$root/policies" >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; exit 1; }
echo "render: $(find "$out" -type f | wc -l) files in $out"
