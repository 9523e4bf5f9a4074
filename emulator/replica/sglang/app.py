"""The simulated SGLang server's HTTP API: the routes tgi-fleet uses of SGLang's FastAPI app, from its own spec
(contracts/sglang/openapi.json), with SGLang's status codes and error bodies.

Where SGLang decides (sglang 0.5.23, sglang/srt/...):
- A body FastAPI cannot read is a 400 ErrorResponse {"object": "error", "message", "type": "Bad Request", "param",
  "code"} (entrypoints/http_server.py validation_exception_handler; the spec still says 422), a wrong content type
  on the OpenAI routes too (validate_json_request).
- An OpenAI route's request error is a 400 ErrorResponse of type "BadRequestError" (entrypoints/openai/
  serving_base.py create_error_response); while streaming it travels inside the 200 stream as {"error": ...}.
  /generate answers {"error": {"message"}} with 400 (http_server.py _create_error_response).
- A prompt at or over the context length, or one whose max tokens would pass it, is refused
  (managers/tokenizer_manager.py _validate_one_request's messages).
- --api-key guards every route but /health*, /ready* and /metrics* with {"error": "Unauthorized"} 401
  (utils/auth.py). The model name in a request is not checked.
- Unknown routes answer FastAPI's {"detail": "Not Found"} 404 through SGLang's HTTPException handler:
  {"object": "error", "message": "Not Found", "type": "404", "param": null, "code": 404}.
- The server listens only once the model is loaded: the simulated load runs before the port opens.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException

from emulator.replica.engine import Generation, Replica, token_id
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
from emulator.replica.sglang.cli import SglangArgs
from emulator.replica.sse import one, sse

VERSION = "0.5.23"
SPEC = "sglang/openapi.json"
OPEN_PREFIXES = ("/health", "/ready", "/metrics")  # utils/auth.py decide_request_auth


class SglangError(Exception):
    """An error SGLang answers with its ErrorResponse (the OpenAI routes') or {"error": {...}} (/generate)."""

    def __init__(self, status: int, message: str, err_type: str = "BadRequestError") -> None:
        super().__init__(message)
        self.status, self.message, self.err_type = status, message, err_type

    def body(self) -> dict[str, Any]:
        return {"object": "error", "message": self.message, "type": self.err_type, "param": None,
                "code": self.status}


def validation_error(errors: list[BodyError]) -> SglangError:
    """http_server.py validation_exception_handler: str(exc) then str(exc.errors()), as a 400 "Bad Request"."""
    label = "error" if len(errors) == 1 else "errors"
    listed = [{"type": e.type, "loc": e.loc, "msg": e.msg, "input": e.input} for e in errors]
    text = f"{len(errors)} validation {label}:\n" + "".join(f"  {e}\n" for e in listed)
    return SglangError(400, f"{text.rstrip()} {listed}", "Bad Request")


def create_app(args: SglangArgs, settings: Settings) -> FastAPI:
    """The simulated SGLang server for `args` (SGLang's flags) and `settings` (the shared TGI_SIM_* knobs)."""
    rep = Replica(settings, request_line=lambda gen, seconds: (
        f"[{time.strftime('%Y-%m-%d %H:%M:%S')}] Decode batch. #running-req: 1, #token: {gen.n_in + len(gen.tokens)}, "
        f"gen throughput (token/s): {len(gen.tokens) / max(seconds, 1e-6):.2f}"))
    spec = Spec.load(SPEC)
    context = settings.max_total_tokens

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # uvicorn opens the port after the lifespan starts: like SGLang, nothing listens until the model is loaded.
        await rep.load(start_up=lambda: None, ready_line=f"[{time.strftime('%Y-%m-%d %H:%M:%S')}] The server "
                                                         f"is fired up and ready to roll! (pid {os.getpid()})")
        yield

    app = FastAPI(title="SGLang (simulated)", version=VERSION, lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.replica = rep

    @app.exception_handler(SglangError)
    async def _sglang_error(_: Request, exc: SglangError) -> Response:
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> Response:
        return JSONResponse({"object": "error", "message": exc.detail, "type": str(exc.status_code), "param": None,
                             "code": exc.status_code}, status_code=exc.status_code, headers=exc.headers)

    @app.middleware("http")
    async def _authenticate(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        path = request.url.path
        guarded = request.method != "OPTIONS" and not path.startswith(OPEN_PREFIXES)
        if args.api_key and guarded and not bearer_ok(request, (args.api_key,)):
            return JSONResponse({"error": "Unauthorized"}, status_code=401)
        return await call_next(request)

    async def healthy() -> Response:
        return Response(status_code=200)

    for path in ("/health", "/health_generate", "/ready"):
        app.add_api_route(path, healthy, methods=["GET"])

    def info() -> dict[str, Any]:
        return {"model_path": args.model_path, "served_model_name": args.name, "tokenizer_path": args.model_path,
                "is_generation": True, "preferred_sampling_params": None, "weight_version": "default",
                "load_format": "auto", "reasoning_parser": None, "tool_call_parser": None,
                "disaggregation_mode": "null", "has_image_understanding": False, "has_audio_understanding": False,
                "model_type": None, "architectures": None}

    app.add_api_route("/get_model_info", info, methods=["GET"])
    app.add_api_route("/model_info", info, methods=["GET"])

    def card(name: str) -> dict[str, Any]:
        return {"id": name, "object": "model", "created": int(time.time()), "owned_by": "sglang", "root": name,
                "parent": None, "max_model_len": context}

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [card(args.name)]}

    @app.get("/v1/models/{model:path}")
    async def model(model: str) -> Response:
        if model != args.name:
            return JSONResponse({"error": {"message": f"The model '{model}' does not exist",
                                           "type": "invalid_request_error", "param": "model",
                                           "code": "model_not_found"}}, status_code=404)
        return JSONResponse(card(model))

    @app.get("/metrics")
    async def metrics() -> PlainTextResponse:
        m, label = rep.metrics, f'{{model_name="{args.name}"}}'
        lines = [
            "# TYPE sglang:num_running_reqs gauge", f"sglang:num_running_reqs{label} {rep.in_flight}.0",
            "# TYPE sglang:num_queue_reqs gauge", f"sglang:num_queue_reqs{label} 0.0",
            "# TYPE sglang:prompt_tokens_total counter",
            f"sglang:prompt_tokens_total{label} {m['tgi_request_input_length_sum']}.0",
            "# TYPE sglang:generation_tokens_total counter",
            f"sglang:generation_tokens_total{label} {m['tgi_request_generated_tokens_sum']}.0",
            "# TYPE sglang:num_requests_total counter",
            f"sglang:num_requests_total{label} {m['tgi_request_success']}.0",
            "# TYPE sglang:e2e_request_latency_seconds histogram",
            f"sglang:e2e_request_latency_seconds_sum{label} {m['tgi_request_duration_sum']:.6f}",
            f"sglang:e2e_request_latency_seconds_count{label} {m['tgi_request_success']}.0",
        ]
        return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4; charset=utf-8")

    async def body_of(request: Request, path: str, openai: bool) -> dict[str, Any]:
        """The body as SGLang's route reads it: JSON (content type checked on the OpenAI routes), fitting the spec."""
        mime = request.headers.get("content-type", "").lower().split(";", 1)[0]
        if openai and mime != "application/json":
            raise validation_error([BodyError("value_error", ("header", "content-type"),
                                              "Unsupported Media Type: Only 'application/json' is allowed", None)])
        try:
            body = json.loads(await request.body())
        except ValueError as exc:
            raise validation_error([BodyError("json_invalid", ("body", getattr(exc, "pos", 0)), "JSON decode error",
                                              {}, {"error": getattr(exc, "msg", "Invalid JSON")})]) from None
        errors = spec.errors(path, body)
        if errors:
            raise validation_error(errors)
        result: dict[str, Any] = body if isinstance(body, dict) else {}
        return result

    def admit(prompt: str, max_new: int | None, params: dict[str, Any]) -> Generation:
        """SGLang's length rules (tokenizer_manager.py), then the shared generation."""
        n_in = rep.generate(prompt, 0, params).n_in
        if n_in >= context:
            raise SglangError(400, f"The input ({n_in} tokens) is longer than the model's context length "
                                   f"({context} tokens).")
        if max_new is not None and n_in + max_new > context:
            raise SglangError(400, f"Requested token count exceeds the model's maximum context length of {context} "
                                   f"tokens. You requested a total of {n_in + max_new} tokens: {n_in} tokens from "
                                   f"the input messages and {max_new} tokens for the completion. Please reduce the "
                                   f"number of tokens in the input messages or the completion to fit within the "
                                   f"limit.")
        if rep.injected_failure():
            raise SglangError(500, "Internal server error: simulated failure (TGI_SIM_FAULTS=error_burst)",
                              "InternalServerError")
        return rep.generate(prompt, context - n_in if max_new is None else max_new, params)

    def matched(gen: Generation, params: dict[str, Any]) -> str | int | None:
        """SGLang's matched_stop: the stop string, or the end-of-sequence token's id."""
        if gen.reason == "eos_token":
            return 2
        return stop_reason(gen, params)

    def chat_usage(gens: list[Generation]) -> dict[str, Any]:
        return {**usage(gens), "prompt_tokens_details": None, "reasoning_tokens": 0,
                "completion_tokens_details": None}

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Response:
        body = await body_of(request, "/v1/chat/completions", openai=True)
        if not body.get("messages"):
            raise SglangError(400, "Messages cannot be empty.")
        stream = bool(body.get("stream"))
        max_new = body.get("max_completion_tokens") or body.get("max_tokens")
        base = {"id": uuid.uuid4().hex, "object": "chat.completion", "created": int(time.time()),
                "model": str(body.get("model") or args.name)}
        try:
            gen = admit(chat_text(body), max_new, body)
        except SglangError as exc:
            if not stream:
                raise
            return sse(one({"error": exc.body()}), done=True)
        if not stream:
            await rep.run(gen)
            return JSONResponse({**base, "choices": [{
                "index": 0, "message": {"role": "assistant", "content": gen.text, "reasoning_content": None},
                "logprobs": None, "finish_reason": finish_reason(gen), "matched_stop": matched(gen, body)}],
                "usage": chat_usage([gen]), "metadata": {"weight_version": "default"}})
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        chunk = {**base, "object": "chat.completion.chunk"}

        async def events() -> AsyncIterator[dict[str, Any]]:
            yield {**chunk, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "",
                                                                "reasoning_content": None},
                                         "logprobs": None, "finish_reason": None, "matched_stop": None}],
                   "usage": None}
            async for i in rep.stream(gen):
                last = i == len(gen.tokens) - 1
                yield {**chunk, "choices": [{"index": 0, "delta": {"role": None, "content": gen.tokens[i],
                                                                    "reasoning_content": None},
                                             "logprobs": None, "finish_reason": finish_reason(gen) if last else None,
                                             "matched_stop": matched(gen, body) if last else None}], "usage": None}
            if include_usage:
                yield {**chunk, "choices": [], "usage": chat_usage([gen])}

        return sse(events(), done=True)

    @app.post("/v1/completions")
    async def completions(request: Request) -> Response:
        body = await body_of(request, "/v1/completions", openai=True)
        stream = bool(body.get("stream"))
        base = {"id": uuid.uuid4().hex, "object": "text_completion", "created": int(time.time()),
                "model": str(body.get("model") or args.name)}
        try:
            gens = [admit(p, body.get("max_tokens", 16), body) for p in completion_texts(body.get("prompt"))]
        except SglangError as exc:
            if not stream:
                raise
            return sse(one({"error": exc.body()}), done=True)
        if not stream:
            for gen in gens:
                await rep.run(gen)
            return JSONResponse({**base, "choices": [
                {"index": i, "text": g.text, "logprobs": None, "finish_reason": finish_reason(g),
                 "matched_stop": matched(g, body)} for i, g in enumerate(gens)],
                "usage": chat_usage(gens), "metadata": {"weight_version": "default"}})
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        async def events() -> AsyncIterator[dict[str, Any]]:
            for index, gen in enumerate(gens):
                async for i in rep.stream(gen):
                    last = i == len(gen.tokens) - 1
                    yield {**base, "choices": [{"index": index, "text": gen.tokens[i], "logprobs": None,
                                                "finish_reason": finish_reason(gen) if last else None,
                                                "matched_stop": matched(gen, body) if last else None}],
                           "usage": None}
            if include_usage:
                yield {**base, "choices": [], "usage": chat_usage(gens)}

        return sse(events(), done=True)

    async def generate(request: Request) -> Response:
        """/generate (POST and PUT): SGLang's native route, cumulative text per streamed event."""
        body = await body_of(request, "/generate", openai=False)
        params = body.get("sampling_params") or {}
        params = params if isinstance(params, dict) else {}
        text = body.get("text")
        prompt = text if isinstance(text, str) else " ".join(text or []) if isinstance(text, list) else ""
        stream = bool(body.get("stream"))
        try:
            gen = admit(prompt, params.get("max_new_tokens", 128), params)
        except SglangError as exc:
            error = {"error": {"message": exc.message}}
            if stream:
                return sse(one({"error": {"message": exc.message, "type": "invalid_request_error",
                                          "code": exc.status, "retryable": False}}), done=True)
            return JSONResponse(error, status_code=exc.status)
        rid = uuid.uuid4().hex

        def out(n: int, seconds: float, done: bool) -> dict[str, Any]:
            reason = ({"type": "length", "length": n} if gen.reason == "length" else
                      {"type": "stop", "matched": matched(gen, params)}) if done else None
            return {"text": "".join(gen.tokens[:n]), "output_ids": [token_id(t) for t in gen.tokens[:n]],
                    "meta_info": {"id": rid, "finish_reason": reason, "prompt_tokens": gen.n_in,
                                  "weight_version": "default", "completion_tokens": n, "cached_tokens": 0,
                                  "e2e_latency": seconds}}

        if not stream:
            seconds = await rep.run(gen)
            return JSONResponse(out(len(gen.tokens), seconds, True))
        started = time.perf_counter()

        async def events() -> AsyncIterator[dict[str, Any]]:
            async for i in rep.stream(gen):
                yield out(i + 1, time.perf_counter() - started, i == len(gen.tokens) - 1)

        return sse(events(), done=True)

    app.add_api_route("/generate", generate, methods=["POST", "PUT"])
    return app
