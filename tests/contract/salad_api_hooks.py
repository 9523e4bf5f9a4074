"""Schemathesis hooks (SCHEMATHESIS_HOOKS) for SaladCloud's spec against the emulator: an API key belongs to one
organization, and the emulator hosts that one and its projects (any other answers 404). Positive cases are
generated in them, so the tests reach the groups; negative cases still try other names.

The spec's errata that scripts/gen-salad-models.sh applies (published bodies over a stricter spec) apply here too.
"""

from __future__ import annotations

from typing import Any

import schemathesis

from tests.emulator_fixture import ORG, PROJECT


@schemathesis.hook
def before_load_schema(context: Any, raw_schema: dict[str, Any]) -> None:
    parameters = raw_schema["components"]["parameters"]
    for name, value in (("organization_name", ORG), ("project_name", PROJECT)):
        parameters[name]["schema"] = {"type": "string", "enum": [value]}
    raw_schema["components"]["schemas"]["ContainerGroupProbeHttpHeaders"]["minItems"] = 0
