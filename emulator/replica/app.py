"""The simulated TGI router's HTTP API: every route of TGI's spec (contracts/tgi/openapi.json) with TGI's bodies,
headers and errors, as its axum server answers them (router/src/server.rs).

Where the spec and the router differ, the router wins: request bodies that cannot be read are axum's plain-text
rejections (415, 400, 422, and 413 above PAYLOAD_LIMIT); errors met while streaming travel inside the 200 event
stream; unknown routes answer axum's empty 404 (405 for a known path with another method).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException

from components.tgi_api.models import (
    ChatRequest,
    CompatGenerateRequest,
    CompletionRequest,
    GenerateParameters,
    GenerateRequest,
)
from emulator.replica.body import Rejection, completion_request, read_json, typed
from emulator.replica.engine import Generation, Replica, TgiError, chat_prompt, openai_finish, tokenize
from emulator.replica.settings import Settings
from emulator.replica.sse import one, sse
from emulator.routes import allowed_methods

VERSION = "3.3.0-sim"


def error(exc: TgiError) -> JSONResponse:
    """TGI's ErrorResponse with its status."""
    return JSONResponse(exc.body(), status_code=exc.status)


def create_app(settings: Settings) -> FastAPI:
    """The replica's HTTP API."""
    rep = Replica(settings)
    fingerprint = f"{VERSION}-native"

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = asyncio.get_running_loop().create_task(rep.load())
        yield
        task.cancel()

    app = FastAPI(title="simulated text-generation-inference", version=VERSION, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None)
    app.state.replica = rep

    @app.exception_handler(Rejection)
    async def _rejected(_: Request, exc: Rejection) -> Response:
        return PlainTextResponse(exc.text, status_code=exc.status)

    @app.exception_handler(TgiError)
    async def _tgi_error(_: Request, exc: TgiError) -> Response:
        return error(exc)

    @app.exception_handler(HTTPException)
    async def _no_route(request: Request, exc: HTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(app.routes, request.scope)
        return Response(status_code=exc.status_code, headers=headers)  # axum: no body

    def loaded() -> None:
        # Not TGI: a real router only listens once its shards are ready; the simulation listens while loading.
        if not rep.loaded:
            raise TgiError(503, "Model is loading", "unhealthy")

    async def health() -> Response:
        if rep.loaded:
            return Response(status_code=200)
        return error(TgiError(503, "unhealthy", "healthcheck"))

    for path in ("/health", "/ping", "/"):
        app.add_api_route(path, health, methods=["GET"])

    @app.get("/info")
    async def info() -> dict[str, Any]:
        return {"model_id": settings.model_id, "model_sha": None, "model_pipeline_tag": "text-generation",
                "max_concurrent_requests": settings.max_concurrent_requests, "max_best_of": 2,
                "max_stop_sequences": 4, "max_input_tokens": settings.max_input_tokens,
                "max_total_tokens": settings.max_total_tokens, "validation_workers": 2,
                "max_client_batch_size": settings.max_client_batch_size, "router": "text-generation-router",
                "version": VERSION, "sha": None, "docker_label": None}

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

    def stream_headers(inputs: str) -> dict[str, str]:
        return {"x-compute-type": settings.compute_type, "x-compute-characters": str(len(inputs)),
                "x-accel-buffering": "no"}

    def timing_headers(gen: Generation, seconds: float) -> dict[str, str]:
        ms = int(seconds * 1000)
        return {**stream_headers(gen.prompt), "x-compute-time": f"{seconds:.6f}", "x-total-time": str(ms),
                "x-validation-time": "0", "x-queue-time": "0", "x-inference-time": str(ms),
                "x-time-per-token": str(ms // max(1, len(gen.tokens))), "x-prompt-tokens": str(gen.n_in),
                "x-generated-tokens": str(len(gen.tokens))}

    def prepare(req: GenerateRequest | CompatGenerateRequest) -> tuple[Generation, dict[str, Any]]:
        params = (req.parameters.model_dump() if req.parameters else {"details": True})
        return rep.prepare(req.inputs, params.get("max_new_tokens", 1024), params), params

    async def generate_json(req: GenerateRequest | CompatGenerateRequest) -> tuple[dict[str, Any], dict[str, str]]:
        gen, params = prepare(req)
        seconds = await rep.run(gen)
        out: dict[str, Any] = {"generated_text": (req.inputs if params.get("return_full_text") else "") + gen.text}
        if params.get("details") or params.get("decoder_input_details"):
            out["details"] = {"finish_reason": gen.reason, "generated_tokens": len(gen.tokens), "seed": gen.seed,
                              "prefill": gen.prefill() if params.get("decoder_input_details") else [],
                              "tokens": [gen.token(i) for i in range(len(gen.tokens))]}
        return out, timing_headers(gen, seconds)

    def generate_events(req: GenerateRequest | CompatGenerateRequest) -> StreamingResponse:
        headers = stream_headers(req.inputs)
        try:
            gen, params = prepare(req)
        except TgiError as exc:  # the router reports it inside the (200) stream
            return sse(one(exc.body()), headers)
        prefix = req.inputs if params.get("return_full_text") else ""

        async def events() -> AsyncIterator[dict[str, Any]]:
            async for i in rep.stream(gen):
                last = i == len(gen.tokens) - 1
                yield {"index": i + 1, "token": gen.token(i), "generated_text": prefix + gen.text if last else None,
                       "details": {"finish_reason": gen.reason, "generated_tokens": len(gen.tokens),
                                   "seed": gen.seed, "input_length": gen.n_in}
                       if last and params.get("details") else None}

        return sse(events(), headers)

    async def compat(req: CompatGenerateRequest) -> Response:
        params = req.parameters or GenerateParameters()
        if params.return_full_text is None:
            # The router's default for POST /: full text when the model's pipeline tag is text-generation.
            req = req.model_copy(update={"parameters": params.model_copy(update={"return_full_text": True})})
        if req.stream:
            return generate_events(req)
        out, headers = await generate_json(req)
        return JSONResponse([out], headers=headers)  # wrapped in a list, like the Inference API

    def counted(handler: Callable[[Any], Any]) -> Callable[[Request], Any]:
        async def route(request: Request) -> Response:
            rep.metrics["tgi_request_count"] += 1
            raw = await read_json(request, settings.payload_limit)
            loaded()
            response: Response = await handler(raw)
            return response

        return route

    async def generate(raw: Any) -> Response:
        out, headers = await generate_json(typed(raw, GenerateRequest))
        return JSONResponse(out, headers=headers)

    async def generate_stream(raw: Any) -> Response:
        return generate_events(typed(raw, GenerateRequest))

    async def compat_generate(raw: Any) -> Response:
        return await compat(typed(raw, CompatGenerateRequest))

    async def chat(req: ChatRequest) -> Response:
        data = req.model_dump(mode="json", exclude_none=True)
        if not data["messages"]:
            raise TgiError(422, "Input validation error: `messages` must not be empty", "validation")
        prompt = chat_prompt(data["messages"])
        if data.get("temperature") == 0:
            del data["temperature"]  # the router's rule: temperature 0 means greedy decoding
        base = {"id": "", "created": int(time.time()), "model": settings.model_id, "system_fingerprint": fingerprint}
        stream = bool(data.get("stream"))
        try:
            gen = rep.prepare(prompt, data.get("max_tokens"), data)
        except TgiError as exc:
            if not stream:
                raise
            return sse(one(exc.body()), stream_headers(prompt), done=True)
        usage = gen.usage
        if not stream:
            seconds = await rep.run(gen)
            return JSONResponse({**base, "object": "chat.completion", "usage": usage, "choices": [
                {"index": 0, "message": {"role": "assistant", "content": gen.text}, "logprobs": None,
                 "finish_reason": openai_finish(gen.reason)}]}, headers=timing_headers(gen, seconds))
        include_usage = bool((data.get("stream_options") or {}).get("include_usage"))

        async def events() -> AsyncIterator[dict[str, Any]]:
            async for i in rep.stream(gen):
                last = i == len(gen.tokens) - 1
                chunk = {**base, "created": int(time.time()), "object": "chat.completion.chunk", "choices": [
                    {"index": 0, "delta": {"role": "assistant", "content": gen.tokens[i]}, "logprobs": None,
                     "finish_reason": openai_finish(gen.reason) if last else None}]}
                if last and include_usage:
                    chunk["usage"] = usage
                yield chunk

        return sse(events(), stream_headers(prompt), done=True)

    async def chat_completions(raw: Any) -> Response:
        return await chat(typed(raw, ChatRequest))

    async def completions(req: CompletionRequest) -> Response:
        if req.suffix is not None:
            raise TgiError(422, "Suffix is not supported and can be achieved by preprocessing the prompt.",
                           "suffix not supported")
        if len(req.prompt) > settings.max_client_batch_size:
            raise TgiError(422, f"Number of prompts exceeds the maximum allowed batch size of "
                                f"{settings.max_client_batch_size}", "batch size exceeded")
        # TGI reads max_tokens without the spec's default: absent means 100.
        max_new = (req.max_tokens if "max_tokens" in req.model_fields_set else None) or 100
        params = req.model_dump(exclude_none=True)
        if params.get("temperature") == 0:
            del params["temperature"]  # the router's rule: temperature 0 means greedy decoding
        base = {"object": "text_completion", "id": "", "model": settings.model_id, "system_fingerprint": fingerprint}
        headers = stream_headers("".join(req.prompt))
        if not req.stream:
            gens = [rep.prepare(p, max_new, params) for p in req.prompt]
            seconds = max(await asyncio.gather(*(rep.run(g) for g in gens)), default=0.0)
            n_in, n_out = sum(g.n_in for g in gens), sum(len(g.tokens) for g in gens)
            return JSONResponse({**base, "created": int(time.time()), "choices": [
                {"finish_reason": openai_finish(g.reason), "index": i, "logprobs": None, "text": g.text}
                for i, g in enumerate(gens)], "usage": {"prompt_tokens": n_in, "completion_tokens": n_out,
                                                       "total_tokens": n_in + n_out}},
                headers={**headers, "x-total-time": str(int(seconds * 1000)), "x-prompt-tokens": str(n_in),
                         "x-generated-tokens": str(n_out)})

        async def events() -> AsyncIterator[dict[str, Any]]:
            for index, prompt in enumerate(req.prompt):
                try:
                    gen = rep.prepare(prompt, max_new, params)
                except TgiError as exc:
                    yield exc.body()
                    continue
                async for i in rep.stream(gen):
                    choice = {"index": index, "logprobs": None, "text": gen.tokens[i], "finish_reason": ""}
                    event = {**base, "created": int(time.time()), "choices": [choice]}
                    if i == len(gen.tokens) - 1:
                        choice["finish_reason"] = gen.reason
                        event["usage"] = gen.usage
                    yield event

        return sse(events(), headers, done=True)

    async def v1_completions(raw: Any) -> Response:
        return await completions(completion_request(raw))

    async def invocations(raw: Any) -> Response:
        # SageMaker's route: serde's untagged SagemakerRequest tries a generate, a chat, then a completion body.
        with contextlib.suppress(Rejection):
            return await compat(typed(raw, CompatGenerateRequest))
        with contextlib.suppress(Rejection):
            return await chat(typed(raw, ChatRequest))
        try:
            req = completion_request(raw)
        except Rejection:
            raise Rejection(422, "Failed to deserialize the JSON body into the target type: data did not match "
                                 "any variant of untagged enum SagemakerRequest") from None
        return await completions(req)

    async def tokenize_route(raw: Any) -> Response:
        return JSONResponse(tokenize(typed(raw, GenerateRequest).inputs))

    async def chat_tokenize(raw: Any) -> Response:
        templated = chat_prompt(typed(raw, ChatRequest).model_dump(mode="json", exclude_none=True)["messages"])
        return JSONResponse({"tokenize_response": tokenize(templated), "templated_text": templated})

    for path, handler in (("/", compat_generate), ("/generate", generate), ("/generate_stream", generate_stream),
                          ("/v1/chat/completions", chat_completions), ("/v1/completions", v1_completions),
                          ("/invocations", invocations), ("/tokenize", tokenize_route),
                          ("/chat_tokenize", chat_tokenize)):
        app.add_api_route(path, counted(handler), methods=["POST"])
    return app
