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
