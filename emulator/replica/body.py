"""How TGI's router reads a request body: axum's Json extractor over serde structs.

The content type must be JSON (415), the body at most PAYLOAD_LIMIT bytes (413), the JSON well formed and at most
128 levels deep (400), and of the right types (422): serde neither coerces a value nor takes a null where the
field is not an Option. Each refusal is plain text, as axum writes it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from components.tgi_api.models import CompletionRequest
from emulator.specwalk import SpecSchemas

M = TypeVar("M", bound=BaseModel)

JSON_DEPTH = 128  # serde_json's recursion limit
SPEC = Path(__file__).resolve().parents[2] / "contracts" / "tgi" / "openapi.json"


class Rejection(Exception):
    """axum's Json extractor refusing a body: a status and a plain-text reason."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status, self.text = status, text


def _depth(value: Any) -> int:
    depth, level = 0, [value]
    while level:
        depth += 1
        level = [v for x in level if isinstance(x, dict | list) for v in (x.values() if isinstance(x, dict) else x)]
    return depth - 1


async def read_json(request: Request, limit: int) -> Any:
    """The body as axum's Json extractor reads it: JSON content type, at most `limit` bytes, parseable."""
    mime = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not (mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))):
        raise Rejection(415, "Expected request with `Content-Type: application/json`")
    chunks: list[bytes] = []
    size, too_big = 0, int(request.headers.get("content-length") or 0) > limit
    async for chunk in request.stream():  # read to the end, keep nothing past the limit
        size += len(chunk)
        too_big = too_big or size > limit
        if not too_big:
            chunks.append(chunk)
    if too_big:
        raise Rejection(413, "Failed to buffer the request body: length limit exceeded")
    try:
        raw = json.loads(b"".join(chunks))
    except (ValueError, RecursionError) as exc:
        reason = str(exc)[:200] or type(exc).__name__
        raise Rejection(400, f"Failed to parse the request body as JSON: {reason}") from None
    if _depth(raw) > JSON_DEPTH:
        raise Rejection(400, "Failed to parse the request body as JSON: recursion limit exceeded")
    return raw


def typed(raw: Any, model: type[M]) -> M:
    """Typed like TGI's serde structs: a wrong type, a null for a non-Option field, an integer out of
    its Rust type: a 422, never coerced."""
    mismatch = serde_mismatch(raw, model.__name__)
    if mismatch is not None:
        raise Rejection(422, f"Failed to deserialize the JSON body into the target type: {mismatch}")
    try:
        return model.model_validate(raw, strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        reason = f"{where}: {first['msg']}"
        raise Rejection(422, f"Failed to deserialize the JSON body into the target type: {reason}") from None


def completion_request(raw: Any) -> CompletionRequest:
    """CompletionRequest; TGI's Prompt accepts one string as well as a list of them."""
    if isinstance(raw, dict) and isinstance(raw.get("prompt"), str):
        raw = {**raw, "prompt": [raw["prompt"]]}
    return typed(raw, CompletionRequest)


@cache
def _spec() -> SpecSchemas:
    """TGI's component schemas (its spec says which optional fields are Options: `nullable`)."""
    return SpecSchemas(json.loads(SPEC.read_text())["components"]["schemas"])


def rust_range(schema: dict[str, Any]) -> tuple[int, int] | None:
    """The range of the Rust integer behind an integer schema: utoipa writes u32/u64 as int32/int64, minimum 0."""
    bits = {"int32": 32, "int64": 64}.get(schema.get("format", ""))
    if schema.get("type") != "integer" or bits is None:
        return None
    if schema.get("minimum", -1) >= 0:
        return 0, 2**bits - 1
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def _out_of_range(value: Any, schema: dict[str, Any]) -> str | None:
    bounds = rust_range(schema)
    if isinstance(value, int) and bounds and not bounds[0] <= value <= bounds[1]:
        return f"invalid value: integer `{value}`, out of range"
    return None


def serde_mismatch(value: Any, model: str) -> str | None:
    """Where serde would refuse a body the pydantic models let through, and why: a null for a field that is not an
    Option, or an integer outside its Rust type."""
    return _spec().mismatch(value, {"$ref": model}, leaf=_out_of_range)
