"""A simulated TensorRT-LLM engine as Baseten's engine builder serves it: OpenAI-compatible, no TGI routes.

The simulated server core of emulator.replica (load time, CUDA OOM when the engine does not fit the GPU,
deterministic tokens) behind the routes an `openai-compatible` trt_llm truss answers: /v1/chat/completions and
the truss predict route, which takes the seed's knobs (messages, max_tokens, temperature, top_p, top_k,
beam_width, stop_words_list, bad_words_list, repetition_penalty, stream) and streams plain text chunks, or
answers the whole text as a JSON string when stream is false (the seed's model.py).
Configured like the replica (MODEL_ID, MAX_TOTAL_TOKENS = max_seq_len, NUM_SHARD = tensor parallel, QUANTIZE).
Run: python -m emulator.baseten.engine --port N
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response, StreamingResponse
from fastapi.routing import APIRoute

from emulator.replica import Settings, create_app
from emulator.replica.app import error
from emulator.replica.engine import TgiError

PREDICT_PATH = "/v1/models/model:predict"  # what truss's server answers; Baseten's /predict reaches it
OPENAI_ROUTES = frozenset({"/health", "/v1/models", "/v1/chat/completions", "/metrics"})
SEED_DEFAULTS = {"max_tokens": 50, "temperature": 0.7, "top_p": 0.7, "top_k": 50, "beam_width": 1,
                 "repetition_penalty": 1.0, "stream": True}


def chat_body(body: dict[str, Any], model_id: str) -> dict[str, Any] | str:
    """The predict body as an OpenAI chat request, or the validation error Briton's predict would give."""
    knobs = {**SEED_DEFAULTS, **body}
    if knobs["beam_width"] != 1:
        return "beam_width must be 1: inflight batching does not support beams > 1"
    if not isinstance(knobs["top_k"], int) or knobs["top_k"] < 0:
        return "top_k must be a non-negative integer"
    if not isinstance(knobs["repetition_penalty"], (int, float)) or knobs["repetition_penalty"] <= 0:
        return "repetition_penalty must be > 0"
    messages = knobs.get("messages", knobs.get("prompt"))
    if isinstance(messages, str):
        messages = [{"role": "user", "content": messages}]
    if not isinstance(messages, list) or not messages:
        return "messages (a list of chat messages, or a string) is required"
    stop = knobs.get("stop_words_list") or None
    return {"model": model_id, "messages": messages, "max_tokens": knobs["max_tokens"],
            "temperature": knobs["temperature"], "top_p": knobs["top_p"], "stop": stop,
            "stream": bool(knobs["stream"])}


def create_engine_app(settings: Settings) -> FastAPI:
    """The OpenAI-compatible routes of the simulated server, and the truss predict route."""
    app = create_app(settings)
    routes = {r.path: r for r in app.router.routes if isinstance(r, APIRoute)}
    app.router.routes = [r for r in app.router.routes
                         if not isinstance(r, APIRoute) or r.path in OPENAI_ROUTES]
    chat = routes["/v1/chat/completions"].endpoint

    @app.post(PREDICT_PATH)
    async def predict(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except json.JSONDecodeError as exc:
            return error(TgiError(400, f"the body is not JSON: {exc}", "validation"))
        translated = chat_body(body if isinstance(body, dict) else {}, settings.model_id)
        if isinstance(translated, str):
            return error(TgiError(400, translated, "validation"))
        payload = json.dumps(translated).encode()

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": payload, "more_body": False}

        response: Response = await chat(Request(request.scope, receive))
        if response.status_code != 200:
            return response
        if not translated["stream"]:
            # The seed's model.py (truss-examples mistral/mixtral-8x22b-trt-int8-weights-only, commit 07776f9)
            # answers an openai-compatible truss's non-streamed predict with the joined text: a JSON string.
            answer = json.loads(bytes(response.body))
            text = "".join(c["message"].get("content") or "" for c in answer.get("choices", []))
            return Response(json.dumps(text), media_type="application/json")
        if not isinstance(response, StreamingResponse):
            return response

        async def text_chunks() -> AsyncIterator[str]:
            async for raw in response.body_iterator:
                for line in (raw.decode() if isinstance(raw, bytes) else str(raw)).splitlines():
                    if line.startswith("data: ") and line != "data: [DONE]":
                        chunk = json.loads(line[6:])
                        yield "".join(c["delta"].get("content") or "" for c in chunk.get("choices", []))

        return StreamingResponse(text_chunks(), media_type="text/plain; charset=utf-8")

    return app


def main(argv: list[str] | None = None) -> int:
    """Serve one engine replica on 127.0.0.1."""
    p = argparse.ArgumentParser(prog="python -m emulator.baseten.engine")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    args = p.parse_args(argv)
    uvicorn.run(create_engine_app(Settings.from_env(dict(os.environ))), host="127.0.0.1", port=args.port,
                log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
