"""Schemathesis hooks (SCHEMATHESIS_HOOKS) for TGI's spec: what its axum router does that the utoipa-generated
spec leaves out, added before schemathesis reads it. The emulator's simulated replica follows the router; these
differences are pinned one by one in test_replica.py.

- Every operation with a JSON body also answers axum's Json extractor rejections, in plain text: 400 (malformed
  JSON), 413 (over PAYLOAD_LIMIT), 415 (not a JSON content type), 422 (serde cannot read it into the struct).
- Event streams: the spec gives each event's JSON data schema where OpenAPI 3.2, which schemathesis applies,
  expects an event envelope; so stream schemas are left open here (test_replica.py validates every event's data
  with the spec's own models). Errors met while streaming travel inside the 200 stream, as the router sends them.
- Integers: utoipa writes Rust's u32/u64 as int32/int64 with minimum 0; serde takes the whole unsigned range.
- utoipa writes serde's untagged enums as oneOf; serde takes the first variant that fits (anyOf), and a
  completion's `prompt` may be one string (TGI's Prompt deserializer).
- The router also answers GET / and GET /ping as /health; GET /v1/models answers a list (contracts/README.md).
"""

from __future__ import annotations

from typing import Any

import schemathesis

from emulator.replica.body import rust_range

REJECTIONS = {"400": "Bad Request", "413": "Payload Too Large", "415": "Unsupported Media Type",
              "422": "Unprocessable Entity"}


def _serde(node: Any) -> None:
    if isinstance(node, dict):
        bounds = rust_range(node)
        if bounds is not None and bounds[0] == 0:
            node.pop("format")
            node["maximum"] = bounds[1]
        if "oneOf" in node and "discriminator" not in node:
            node["anyOf"] = node.pop("oneOf")
        for child in node.values():
            _serde(child)
    elif isinstance(node, list):
        for child in node:
            _serde(child)


@schemathesis.hook
def before_load_schema(context: Any, raw_schema: dict[str, Any]) -> None:
    _serde(raw_schema)
    schemas = raw_schema["components"]["schemas"]
    schemas["Prompt"] = {"anyOf": [{"type": "string"}, schemas["Prompt"]]}
    paths = raw_schema["paths"]
    for alias, name in (("/", "health_root"), ("/ping", "health_ping")):
        paths.setdefault(alias, {})["get"] = {**paths["/health"]["get"], "operationId": name}
    models = paths["/v1/models"]["get"]["responses"]["200"]["content"]["application/json"]
    models["schema"] = {"type": "object", "required": ["object", "data"], "properties": {
        "object": {"type": "string", "enum": ["list"]}, "data": {"type": "array", "items": models["schema"]}}}
    for path in raw_schema.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for response in operation["responses"].values():
                if "text/event-stream" in response.get("content", {}):
                    response["content"]["text/event-stream"] = {"schema": {}}
            if "requestBody" not in operation:
                continue
            for status, description in REJECTIONS.items():
                response = operation["responses"].setdefault(status, {"description": description})
                response.setdefault("content", {})["text/plain"] = {"schema": {"type": "string"}}
