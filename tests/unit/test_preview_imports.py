"""What a preview loads: the program's path to building the SaladCloud resources must not import the HTTP stack or
the generated API models (they cost ~0.2 s per process, paid twice: in the program and in the dynamic-provider
process) — bench/preview_overhead.py measures the effect, this guards it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("httpx", "tenacity", "components.providers.salad.api_models", "components.providers.salad.client",
         "huggingface_hub", "boto3", "components.tgi_api", "httpx_sse")
PROBE = """
import json, sys
import components.deploy, components.providers.salad, components.providers.salad.resource, components.smoke.resource
from components.stack import parse_config
from components.plan import build_plan
from components.providers import registry
print(json.dumps(sorted(sys.modules)))
"""


def fresh_python(code: str) -> str:
    """What `code` prints when run in a new interpreter, as the engine's processes are."""
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def loaded_modules(code: str) -> set[str]:
    return set(json.loads(fresh_python(code)))


def test_preview_path_skips_http_and_api_models() -> None:
    loaded = loaded_modules(PROBE)
    assert not {m for m in HEAVY if m in loaded}


def test_probe_sees_lazy_imports_once_used() -> None:
    # The probe itself can fail: creating a request body does load the API models.
    code = PROBE.replace("print(", "from components.providers.salad.body import to_prototype\n"
                                   "try:\n    to_prototype({}, [], {})\nexcept Exception:\n    pass\nprint(")
    assert "components.providers.salad.api_models" in loaded_modules(code)


def freeze_count_after(code: str) -> int:
    return int(fresh_python(f"import gc\n{code}\nprint(gc.get_freeze_count())"))


def test_dynamic_provider_modules_freeze_the_sdk_for_a_quick_exit() -> None:
    # What the dynamic-provider process does: the SDK's `python -m pulumi.dynamic` loads pulumi and gRPC, then
    # unpickling a provider imports its module. Everything the SDK allocated must be frozen by then.
    sdk = "import gc, pulumi.dynamic\nsdk = len(gc.get_objects())"
    assert freeze_count_after(sdk) == 0
    for module in ("components.providers.salad.resource", "components.smoke.resource"):
        assert freeze_count_after(f"{sdk}\nimport {module}\nassert gc.get_freeze_count() >= sdk > 10_000") > 0
