"""Server-sent events as the simulated engines write them: one `data: {json}` event per chunk, and OpenAI's closing
`data: [DONE]` where the engine sends it (TGI's OpenAI routes, vLLM, SGLang)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import StreamingResponse


def compact(data: Any) -> str:
    """JSON without spaces, as serde_json, pydantic's model_dump_json and orjson write it."""
    return json.dumps(data, separators=(",", ":"))


def sse(events: AsyncIterator[Any], headers: dict[str, str] | None = None, done: bool = False) -> StreamingResponse:
    """An event stream of `events` (each JSON-encoded), then `data: [DONE]` when `done`."""
    async def body() -> AsyncIterator[str]:
        async for event in events:
            yield f"data: {compact(event)}\n\n"
        if done:
            yield "data: [DONE]\n\n"

    return StreamingResponse(body(), media_type="text/event-stream", headers=headers)


async def one(event: Any) -> AsyncIterator[Any]:
    """A stream of one event (an error reported inside a 200 stream)."""
    yield event
