"""What a Baseten preview loads: the provider, its component, the truss and the dynamic resource, but not the
`baseten` SDK (~1 s of generated models), httpx or boto3 — those load inside create/update only."""

from __future__ import annotations

from tests.unit.test_preview_imports import freeze_count_after, loaded_modules

HEAVY = ("baseten", "baseten.client.managementapi", "httpx", "boto3", "truss", "components.providers.baseten.client")
PROBE = """
import json, sys
from components.providers import registry
registry.provider("baseten")
import components.providers.baseten.component, components.providers.baseten.resource
from tests.baseten_cases import load
from components.providers.baseten.truss import truss_config
cfg, settings, plan = load("baseten-mixtral")
truss_config(cfg, plan, settings, with_token=True)
print(json.dumps(sorted(sys.modules)))
"""


def test_baseten_preview_path_skips_the_sdk_http_and_s3() -> None:
    loaded = loaded_modules(PROBE)
    assert "components.providers.baseten.component" in loaded
    assert not {m for m in HEAVY if m in loaded}


def test_baseten_resource_module_freezes_the_sdk_for_a_quick_exit() -> None:
    sdk = "import gc, pulumi.dynamic\nsdk = len(gc.get_objects())"
    code = f"{sdk}\nimport components.providers.baseten.resource\nassert gc.get_freeze_count() >= sdk > 10_000"
    assert freeze_count_after(code) > 0
