"""SaladCloud's own TGI recipe (contracts/salad/recipe-tgi.*.json, as SaladCloud publishes and deploys it) is
accepted by the emulator unchanged: where the spec is stricter than SaladCloud's published bodies (an HTTP probe
with `headers: []`, a `readme`), the published bodies win.

The recipe is a Portal template: its form's answers are put in by the recipe's own JSON patches, and its keys are
spelled in the Portal's camelCase. Both are applied here as the Portal applies them; no value is touched.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import jsonpatch

from tests.contract.salad_groups import all_ready
from tests.contract.specs import VENDORED
from tests.emulator_fixture import KEY, Emulator

RECIPE = VENDORED / "salad"
FORM = {"container_group_name": "tgi-recipe", "container_image_model": "mistral7b03instruct",
        "networking_auth": True, "container_environment_hf_token": "hf_" + "a" * 34, "autostart_policy": True,
        "replicas": 1}


def snake(node: Any, key: str = "") -> Any:
    """The Portal's camelCase keys in the API's snake_case; environment variable names stay as they are."""
    if isinstance(node, dict):
        if key == "environmentVariables":
            return dict(node)
        return {re.sub(r"(?<!^)([A-Z])", r"_\1", k).lower(): snake(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [snake(v) for v in node]
    return node


def deployed_recipe() -> dict[str, Any]:
    """The container group the recipe makes from FORM, patch set by patch set (a set whose test fails is skipped)."""
    doc = {"input": FORM, "output": json.loads((RECIPE / "recipe-tgi.container-group.json").read_text())}
    for patch_set in json.loads((RECIPE / "recipe-tgi.patches.json").read_text()):
        try:
            doc = jsonpatch.apply_patch(doc, patch_set)
        except (jsonpatch.JsonPatchTestFailed, jsonpatch.JsonPatchConflict):
            continue
    return snake(doc["output"])  # type: ignore[no-any-return]


def test_the_published_tgi_recipe_deploys_unchanged(emulator: Emulator) -> None:
    body = deployed_recipe()
    assert body["readiness_probe"]["http"]["headers"] == []  # what the spec's minItems 1 refused
    assert body["container"]["image"] == "saladtechnologies/text-generation-inference:3.3.0-mistral-7b-0.3-instruct"
    api = emulator.api()
    r = api.post("/containers", json=body)
    assert r.status_code == 201, r.text
    group = r.json()
    assert group["readiness_probe"]["http"]["headers"] == [] and group["readme"] == body["readme"]
    all_ready(api, 1, "tgi-recipe")  # its probe (no headers) passes
    # Our own client reads the group back, as `pulumi import` or a refresh would.
    read = emulator.client().get_group("tgi-recipe")
    assert read is not None and read.readiness_probe is not None and read.readiness_probe.http is not None
    assert read.readiness_probe.http.headers == []
    chat = httpx.post(f"http://{emulator.gateway}/v1/chat/completions", timeout=10,
                      headers={"Host": group["networking"]["dns"], "Salad-Api-Key": KEY},
                      json={"model": "tgi", "messages": [{"role": "user", "content": "What is deep learning?"}],
                            "max_tokens": 20})
    assert chat.status_code == 200 and chat.json()["usage"]["completion_tokens"] >= 1
