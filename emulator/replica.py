"""A simulated TGI server: TGI's router API (docs/openapi.json) with deterministic tokens and real timing.

Configured like TGI (MODEL_ID, MAX_INPUT_TOKENS, MAX_TOTAL_TOKENS, ... from the environment) plus TGI_SIM_*:
  TGI_SIM_LOAD_S            seconds until the "model" is loaded (/health answers 503 until then)
  TGI_SIM_TOKEN_MS          per-token latency
  TGI_SIM_GPU_VRAM_BYTES    emulated GPU memory; below the sizing estimate the load fails with CUDA OOM
  TGI_SIM_FAULTS            comma list: crash_on_load, slow_tokens:MS, error_burst:N (first N requests 500)
Run: python -m emulator.replica --port N
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, ValidationError

from components.tgi_api.models import ChatRequest, GenerateRequest

M = TypeVar("M", bound=BaseModel)

VERSION = "3.3.0-sim"
WORDS = (
    "the", "model", "answers", "with", "deterministic", "simulated", "tokens", "so", "tests", "can", "check",
    "shape", "timing", "and", "counts", "while", "no", "GPU", "is", "present", "deep", "learning", "is", "a",
    "way", "to", "learn", "representations", "from", "data",
)
TOKEN = re.compile(r"\w+|[^\w\s]")


def count_tokens(text: str) -> int:
    """A stand-in tokenizer: words and punctuation marks."""
    return len(TOKEN.findall(text))


@dataclass
class Settings:
    """TGI launcher settings from the environment."""

    model_id: str
    max_input_tokens: int
    max_total_tokens: int
    max_batch_prefill_tokens: int
    max_concurrent_requests: int
    num_shard: int
    quantize: str
    dtype: str
    load_s: float
    token_ms: float
    vram_bytes: int | None
    faults: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Settings:
        total = int(env.get("MAX_TOTAL_TOKENS", "4096"))
        max_input = int(env.get("MAX_INPUT_TOKENS", str(total - 1)))
        faults = {}
        for item in filter(None, (f.strip() for f in env.get("TGI_SIM_FAULTS", "").split(","))):
            key, _, value = item.partition(":")
            faults[key] = value
        vram = env.get("TGI_SIM_GPU_VRAM_BYTES")
        return cls(
            model_id=env.get("MODEL_ID", "bigscience/bloom-560m"),
            max_input_tokens=max_input,
            max_total_tokens=total,
            max_batch_prefill_tokens=int(env.get("MAX_BATCH_PREFILL_TOKENS", str(max_input + 50))),
            max_concurrent_requests=int(env.get("MAX_CONCURRENT_REQUESTS", "128")),
            num_shard=int(env.get("NUM_SHARD", "1")),
            quantize=env.get("QUANTIZE", "none"),
            dtype=env.get("DTYPE", "float16"),
            load_s=float(env.get("TGI_SIM_LOAD_S", "3")),
            token_ms=float(faults.get("slow_tokens") or env.get("TGI_SIM_TOKEN_MS", "5")),
            vram_bytes=int(vram) if vram else None,
            faults=faults,
        )


def required_vram(s: Settings) -> int | None:
    """What the sizing recommender says one shard needs; None for models it cannot size offline.

    Only the models shipped with tgi-fleet: load_model would ask the Hugging Face Hub about any other, and the
    emulator's traffic never leaves loopback."""
    from components.catalog.models import load_model, shipped_models
    from components.sizing.memory import estimate_memory

    if s.model_id not in shipped_models():
        return None
    arch = load_model(s.model_id)
    return estimate_memory(arch, dtype=s.dtype, quantize=s.quantize,  # type: ignore[arg-type]
                           max_total_tokens=s.max_total_tokens,
                           max_batch_prefill_tokens=s.max_batch_prefill_tokens, num_shard=s.num_shard).min_vram_bytes


def error(status: int, message: str, kind: str) -> JSONResponse:
    """TGI's ErrorResponse."""
    return JSONResponse({"error": message, "error_type": kind}, status_code=status)


class Replica:
    """State of one simulated server."""

    def __init__(self, settings: Settings) -> None:
        self.s = settings
        self.loaded = False
        self.in_flight = 0
        self.errors_left = int(settings.faults.get("error_burst") or 0)
        self.metrics = {"tgi_request_count": 0, "tgi_request_success": 0, "tgi_request_failure": 0,
                        "tgi_request_generated_tokens_sum": 0, "tgi_request_input_length_sum": 0,
                        "tgi_request_duration_sum": 0.0}

    async def load(self) -> None:
        """Simulated weight download + load + warm-up; CUDA OOM when the emulated GPU is too small."""
        await asyncio.sleep(self.s.load_s)
        if "crash_on_load" in self.s.faults:
            print("Error: simulated crash while loading shard 0 (TGI_SIM_FAULTS=crash_on_load)", file=sys.stderr)
            os._exit(1)
        need = required_vram(self.s)
        if self.s.vram_bytes is not None and need is not None and need > self.s.vram_bytes:
            print(f"torch.OutOfMemoryError: CUDA out of memory. {self.s.model_id} needs {need / 2**30:.2f} GiB per "
                  f"shard at MAX_TOTAL_TOKENS={self.s.max_total_tokens}; the GPU has "
                  f"{self.s.vram_bytes / 2**30:.2f} GiB total capacity.", file=sys.stderr, flush=True)
            os._exit(1)
        self.loaded = True
        print(f"Connected: {self.s.model_id} ready", flush=True)

    def validate(self, input_tokens: int, max_new_tokens: int | None, params: dict[str, Any]) -> JSONResponse | None:
        """TGI's router-side validation, with its messages."""
        temp = params.get("temperature")
        if temp is not None and temp <= 0:
            return error(422, "Input validation error: `temperature` must be strictly positive", "validation")
        top_p = params.get("top_p")
        if top_p is not None and not 0 < top_p <= 1:
            return error(422, "Input validation error: `top_p` must be > 0.0 and < 1.0", "validation")
        if input_tokens > self.s.max_input_tokens:
            return error(422, f"Input validation error: `inputs` must have less than {self.s.max_input_tokens} "
                              f"tokens. Given: {input_tokens}", "validation")
        new = max_new_tokens if max_new_tokens is not None else self.s.max_total_tokens - input_tokens
        if input_tokens + new > self.s.max_total_tokens:
            return error(422, f"Input validation error: `inputs` tokens + `max_new_tokens` must be <= "
                              f"{self.s.max_total_tokens}. Given: {input_tokens} `inputs` tokens and {new} "
                              f"`max_new_tokens`", "validation")
        return None

    def tokens(self, prompt: str, max_new: int, seed: int | None, stop: list[str]) -> tuple[list[str], str]:
        """Deterministic tokens for (prompt, seed) and the finish reason."""
        digest = hashlib.sha256(f"{prompt}|{seed}".encode()).digest()
        natural = 8 + digest[0] % 40
        out: list[str] = []
        text = ""
        for i in range(min(max_new, natural)):
            word = WORDS[(digest[i % len(digest)] + i) % len(WORDS)]
            out.append(("" if i == 0 else " ") + word)
            text += out[-1]
            if any(s and s in text for s in stop):
                return out, "stop_sequence"
        return out, ("length" if max_new <= natural else "eos_token")

    def admit(self) -> JSONResponse | None:
        """Health, overload and injected-fault gate before any generation."""
        if not self.loaded:
            return error(503, "Model is loading", "unhealthy")
        if self.in_flight >= self.s.max_concurrent_requests:
            return error(429, "Model is overloaded", "overloaded")
        if self.errors_left > 0:
            self.errors_left -= 1
            self.metrics["tgi_request_failure"] += 1
            return error(500, "simulated generation failure (TGI_SIM_FAULTS=error_burst)", "generation")
        return None


def chat_prompt(messages: list[dict[str, Any]]) -> str:
    """A Mistral-style chat template; what the token count is taken from."""
    parts = []
    for m in messages:
        content = m.get("content")
        if isinstance(content, list):
            content = " ".join(c.get("text", "") for c in content if isinstance(c, dict))
        parts.append(f"[{m.get('role', 'user')}] {content or ''}")
    return "<s>" + " ".join(parts)


def create_app(settings: Settings) -> FastAPI:
    """The replica's HTTP API."""
    rep = Replica(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = asyncio.get_running_loop().create_task(rep.load())
        yield
        task.cancel()

    app = FastAPI(title="simulated text-generation-inference", version=VERSION, lifespan=lifespan)
    app.state.replica = rep

    @app.get("/health")
    async def health() -> Response:
        if rep.loaded:
            return Response(status_code=200)
        return error(503, "unhealthy", "healthcheck")

    @app.get("/info")
    async def info() -> dict[str, Any]:
        return {"model_id": settings.model_id, "model_sha": None, "model_pipeline_tag": "text-generation",
                "max_concurrent_requests": settings.max_concurrent_requests, "max_best_of": 2,
                "max_stop_sequences": 4, "max_input_tokens": settings.max_input_tokens,
                "max_total_tokens": settings.max_total_tokens, "validation_workers": 2,
                "max_client_batch_size": 4, "router": "text-generation-router", "version": VERSION,
                "sha": None, "docker_label": None}

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        # What the router really returns (the spec says a single ModelInfo; see contracts/README.md).
        return {"object": "list", "data": [{"id": settings.model_id, "object": "model", "created": 0,
                                            "owned_by": settings.model_id}]}

    @app.get("/metrics")
    async def metrics() -> PlainTextResponse:
        m = rep.metrics
        lines = [
            "# TYPE tgi_request_count counter", f"tgi_request_count {m['tgi_request_count']}",
            "# TYPE tgi_request_success counter", f"tgi_request_success {m['tgi_request_success']}",
            "# TYPE tgi_request_failure counter", f'tgi_request_failure{{err="generation"}} {m["tgi_request_failure"]}',
            "# TYPE tgi_request_generated_tokens histogram",
            f"tgi_request_generated_tokens_sum {m['tgi_request_generated_tokens_sum']}",
            f"tgi_request_generated_tokens_count {m['tgi_request_success']}",
            "# TYPE tgi_request_input_length histogram",
            f"tgi_request_input_length_sum {m['tgi_request_input_length_sum']}",
            f"tgi_request_input_length_count {m['tgi_request_success']}",
            "# TYPE tgi_request_duration histogram",
            f"tgi_request_duration_sum {m['tgi_request_duration_sum']:.6f}",
            f"tgi_request_duration_count {m['tgi_request_success']}",
            "# TYPE tgi_queue_size gauge", "tgi_queue_size 0",
            "# TYPE tgi_batch_current_size gauge", f"tgi_batch_current_size {rep.in_flight}",
        ]
        return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")

    def record(input_tokens: int, generated: int, started: float) -> None:
        m = rep.metrics
        m["tgi_request_success"] += 1
        m["tgi_request_generated_tokens_sum"] += generated
        m["tgi_request_input_length_sum"] += input_tokens
        m["tgi_request_duration_sum"] += time.perf_counter() - started

    async def whole(n_in: int, toks: list[str]) -> None:
        """A non-streamed generation: every token's time, counted in flight, then recorded."""
        started = time.perf_counter()
        rep.in_flight += 1
        try:
            await asyncio.sleep(settings.token_ms * len(toks) / 1000)
        finally:
            rep.in_flight -= 1
        record(n_in, len(toks), started)

    def streamed(n_in: int, toks: list[str]) -> AsyncIterator[tuple[int, str, bool]]:
        """(index, token, is_last) at token_ms each; in flight from now until the stream ends, recorded if whole."""
        started = time.perf_counter()
        rep.in_flight += 1

        async def tokens() -> AsyncIterator[tuple[int, str, bool]]:
            try:
                for i, tok in enumerate(toks):
                    await asyncio.sleep(settings.token_ms / 1000)
                    yield i, tok, i == len(toks) - 1
                record(n_in, len(toks), started)
            finally:
                rep.in_flight -= 1

        return tokens()

    def sse_error(status: int, event: str) -> StreamingResponse:
        """An error as one SSE event (the spec documents generate_stream's errors so)."""
        return StreamingResponse(iter([f"data: {event}\n\n"]), status_code=status, media_type="text/event-stream")

    async def body_of(request: Request, model: type[M], stream: bool = False) -> M | Response:
        """Typed like TGI's serde structs: a wrong type is a 422, never coerced."""
        try:
            return model.model_validate_json(await request.body(), strict=True)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            message = f"Failed to deserialize the JSON body into the target type: {where}: {first['msg']}"
            if stream:
                return sse_error(422, json.dumps({"error": message, "error_type": "validation"}))
            return error(422, message, "validation")

    async def generate_common(request: Request, stream: bool) -> Response:
        rep.metrics["tgi_request_count"] += 1
        req = await body_of(request, GenerateRequest, stream)
        if isinstance(req, Response):
            return req
        data = req.model_dump(exclude_none=True)
        params = data.get("parameters") or {}
        n_in = count_tokens(data["inputs"])
        bad = rep.validate(n_in, params.get("max_new_tokens", 1024), params) or rep.admit()
        if bad and stream:
            return sse_error(bad.status_code, bytes(bad.body).decode())
        if bad:
            return bad
        toks, reason = rep.tokens(data["inputs"], params.get("max_new_tokens", 1024), params.get("seed"),
                                  params.get("stop") or [])
        if not stream:
            await whole(n_in, toks)
            details = {"finish_reason": reason, "generated_tokens": len(toks), "seed": params.get("seed"),
                       "prefill": [], "tokens": [{"id": i, "text": t, "logprob": -0.1, "special": False}
                                                 for i, t in enumerate(toks)]}
            return JSONResponse({"generated_text": "".join(toks), "details": details})

        tokens = streamed(n_in, toks)

        async def events() -> AsyncIterator[str]:
            async for i, tok, last in tokens:
                event = {"index": i, "token": {"id": i, "text": tok, "logprob": -0.1, "special": False},
                         "top_tokens": None, "generated_text": "".join(toks) if last else None,
                         "details": {"finish_reason": reason, "generated_tokens": len(toks), "input_length": n_in,
                                     "seed": params.get("seed")} if last else None}
                yield f"data: {json.dumps(event)}\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    @app.post("/generate")
    async def generate(request: Request) -> Response:
        return await generate_common(request, stream=False)

    @app.post("/generate_stream")
    async def generate_stream(request: Request) -> Response:
        return await generate_common(request, stream=True)

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Response:
        rep.metrics["tgi_request_count"] += 1
        req = await body_of(request, ChatRequest)
        if isinstance(req, Response):
            return req
        data = req.model_dump(mode="json", exclude_none=True)
        messages = data["messages"]
        if not messages:
            return error(422, "Input validation error: `messages` must not be empty", "validation")
        prompt = chat_prompt(messages)
        n_in = count_tokens(prompt)
        max_tokens = data.get("max_tokens")
        bad = rep.validate(n_in, max_tokens, data) or rep.admit()
        if bad:
            return bad
        max_new = max_tokens if max_tokens is not None else settings.max_total_tokens - n_in
        stop = data.get("stop") or []
        toks, reason = rep.tokens(prompt, max_new, data.get("seed"), [stop] if isinstance(stop, str) else stop)
        finish = {"length": "length", "eos_token": "stop", "stop_sequence": "stop"}[reason]
        created, cid = int(time.time()), f"chatcmpl-{hashlib.sha1(prompt.encode()).hexdigest()[:12]}"
        usage = {"prompt_tokens": n_in, "completion_tokens": len(toks), "total_tokens": n_in + len(toks)}
        base = {"id": cid, "created": created, "model": settings.model_id, "system_fingerprint": f"{VERSION}-native"}
        if not data.get("stream"):
            await whole(n_in, toks)
            return JSONResponse({**base, "object": "chat.completion", "usage": usage, "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "".join(toks)}, "logprobs": None,
                 "finish_reason": finish}]})
        include_usage = bool((data.get("stream_options") or {}).get("include_usage"))

        tokens = streamed(n_in, toks)

        async def events() -> AsyncIterator[str]:
            async for _, tok, last in tokens:
                chunk = {**base, "object": "chat.completion.chunk", "choices": [
                    {"index": 0, "delta": {"role": "assistant", "content": tok}, "logprobs": None,
                     "finish_reason": finish if last else None}]}
                if last and include_usage:
                    chunk["usage"] = usage
                yield f"data: {json.dumps(chunk)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return app


def main(argv: list[str] | None = None) -> int:
    """Serve one replica on 127.0.0.1 (loopback only, whatever HOSTNAME says)."""
    p = argparse.ArgumentParser(prog="python -m emulator.replica")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    args = p.parse_args(argv)
    app = create_app(Settings.from_env(dict(os.environ)))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
