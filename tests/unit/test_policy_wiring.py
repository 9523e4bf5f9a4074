"""Every way this project runs `pulumi preview` or `pulumi up` applies the policy pack."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A pulumi invocation of preview or up, however the file names the wrapper.
RUN = re.compile(r"""(?:scripts/pulumi|\$\(PULUMI\)|\$pulumi|/scripts/pulumi")\s+(?:up|preview)\b""")


def test_every_preview_and_up_in_the_makefile_and_scripts_runs_the_pack() -> None:
    found: dict[str, list[str]] = {}
    for path in [ROOT / "Makefile", *sorted((ROOT / "scripts").glob("*.sh"))]:
        for line in path.read_text().replace("\\\n", " ").splitlines():  # continued lines as one
            if RUN.search(line):
                found.setdefault(path.name, []).append(line.strip())
    assert set(found) == {"Makefile", "baseten-demo.sh", "demo.sh", "preview.sh", "recover.sh", "render.sh"}, found
    missing = [line for lines in found.values() for line in lines
               if "--policy-pack" not in line and "$(POLICY_PACK)" not in line]
    assert not missing, missing


def test_make_up_passes_the_pack_and_its_config() -> None:
    out = subprocess.run(["make", "-n", "up", "STACK=salad-prod", "POLICY_CONFIG=policy.json"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    (up,) = [line for line in out.stdout.splitlines() if " up --stack salad-prod" in line]
    assert "--policy-pack policies --policy-pack-config policy.json" in up, out.stdout


def test_a_stacks_own_pack_config_is_passed_and_the_vllm_demo_sets_up_vllm() -> None:
    """local-vllm's thresholds (stacks/local-vllm.policy.json: one real CPU vLLM replica) reach the pack with no
    POLICY_CONFIG given; POLICY_CONFIG still wins; `make demo STACK=local-vllm` adds vLLM's venv, `make demo` not."""
    def dry(*args: str) -> str:
        return subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, timeout=60).stdout

    (up,) = [line for line in dry("up", "STACK=local-vllm").splitlines() if " up --stack local-vllm" in line]
    assert "--policy-pack policies --policy-pack-config stacks/local-vllm.policy.json" in up
    (up,) = [line for line in dry("up", "STACK=local-vllm", "POLICY_CONFIG=p.json").splitlines()
             if " up --stack local-vllm" in line]
    assert "--policy-pack-config p.json" in up
    (up,) = [line for line in dry("up", "STACK=salad-prod").splitlines() if " up --stack salad-prod" in line]
    assert "--policy-pack-config" not in up
    vllm_demo, demo = dry("demo", "STACK=local-vllm"), dry("demo")
    assert "scripts/setup.sh vllm" in vllm_demo and "scripts/demo.sh up local-vllm" in vllm_demo, vllm_demo
    assert "vllm" not in demo and "scripts/demo.sh up local" in demo, demo
