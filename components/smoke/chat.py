"""OpenAI-style chat completions against the engine, streamed and not, with timing; the engine's own route."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from httpx_sse import SSEError, connect_sse
from pydantic import BaseModel, ValidationError

from components import http
from components.tgi_api.models import ChatCompletion, ChatCompletionChunk, ErrorResponse, GenerateResponse, Usage

A = TypeVar("A", bound=BaseModel)


class SmokeFailure(AssertionError):
    """The endpoint answered wrongly; the message says what and where."""


@dataclass(frozen=True)
class Measurement:
    """One request's timing and token counts."""

    stream: bool
    ttft_ms: float
    latency_ms: float
    completion_tokens: int
    text: str


def chat(client: httpx.Client, url: str, body: dict[str, Any], headers: dict[str, str],
         models: tuple[type[BaseModel], type[BaseModel]] = (ChatCompletion, ChatCompletionChunk)) -> Measurement:
    """One chat completion; validates the answer against the engine's models (default TGI's own, contracts/tgi:
    Engine.chat_models) and its token counts."""
    start = time.perf_counter()
    if not body.get("stream"):
        answer: Any
        answer, r, elapsed = _post(client, url, body, headers, models[0], "a chat completion")
        message = answer.choices[0].message if answer.choices else None
        text = getattr(message, "content", None) or ""
        if not text.strip():
            raise SmokeFailure(f"{url}: the answer has no content: {r.text[:200]}")
        _check_usage(answer.usage, body, url)
        return Measurement(False, elapsed, elapsed, answer.usage.completion_tokens, text)
    ttft: float | None = None
    parts: list[str] = []
    usage: Any = None
    with connect_sse(client, "POST", url, json=body, headers=headers) as events:
        if events.response.status_code != 200:
            events.response.read()
            _check_status(events.response, url)
        try:
            for event in events.iter_sse():
                if event.data == "[DONE]":
                    break
                chunk = _chunk(event.data, url, models[1])
                usage = chunk.usage or usage
                for choice in chunk.choices:
                    content = getattr(choice.delta, "content", None)
                    if content:
                        ttft = ttft if ttft is not None else (time.perf_counter() - start) * 1000
                        parts.append(content)
        except SSEError as exc:
            raise SmokeFailure(f"{url}: stream=true did not answer with server-sent events: {exc}") from None
    elapsed = (time.perf_counter() - start) * 1000
    if ttft is None:
        raise SmokeFailure(f"{url}: the stream carried no content")
    tokens = usage.completion_tokens if usage else len(parts)
    _check_tokens(tokens, body, url)
    return Measurement(True, ttft, elapsed, tokens, "".join(parts))


def _chunk(data: str, url: str, model: type[BaseModel] = ChatCompletionChunk) -> Any:
    """A stream event as a chunk; TGI reports a failure met while streaming as an error event inside the 200."""
    try:
        payload = json.loads(data)
    except ValueError:
        raise SmokeFailure(f"{url}: a stream event is not JSON: {data[:200]}") from None
    if isinstance(payload, dict) and "error" in payload:
        try:
            error = ErrorResponse.model_validate(payload)
            raise SmokeFailure(f"{url}: the stream ended with TGI's error ({error.error_type}): {error.error}")
        except ValidationError:
            raise SmokeFailure(f"{url}: the stream ended with an error: {data[:300]}") from None
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise SmokeFailure(f"{url}: a stream event is not a chat completion chunk: {_brief(exc)}") from None


def generate(client: httpx.Client, url: str, prompt: str, max_new_tokens: int, headers: dict[str, str],
             **parameters: Any) -> Measurement:
    """One call of TGI's own /generate route (GenerateResponse with details): text and a token count in bounds."""
    body = {"inputs": prompt, "parameters": {"max_new_tokens": max_new_tokens, "details": True, **parameters}}
    return generate_body(client, url, body, headers)


def generate_body(client: httpx.Client, url: str, body: dict[str, Any], headers: dict[str, str]) -> Measurement:
    """POST a /generate body as given: a GenerateResponse with text, its token count within max_new_tokens."""
    answer, _, elapsed = _post(client, url, body, headers, GenerateResponse, "TGI's GenerateResponse")
    if not answer.generated_text.strip():
        raise SmokeFailure(f"{url}: generated_text is empty")
    tokens = answer.details.generated_tokens if answer.details else 1
    _check_tokens(tokens, {"max_tokens": (body.get("parameters") or {}).get("max_new_tokens")}, url)
    return Measurement(False, elapsed, elapsed, tokens, answer.generated_text)


def engine_route(client: httpx.Client, url: str, body: dict[str, Any], headers: dict[str, str], max_tokens: int,
                 read: Callable[[Any], tuple[str, int]], name: str) -> Measurement:
    """POST the engine's own route (Engine.extra_route): 200, the shape the engine reads (Engine.extra_answer),
    a token count within max_tokens."""
    start = time.perf_counter()
    r = client.post(url, json=body, headers=headers)
    elapsed = (time.perf_counter() - start) * 1000
    _check_status(r, url)
    try:
        text, tokens = read(r.json())
    except (ValueError, ValidationError) as exc:
        raise SmokeFailure(f"{url}: the answer is not the engine's {name} answer: {_brief(exc)}") from None
    if not text.strip():
        raise SmokeFailure(f"{url}: the {name} answer has no text")
    _check_tokens(tokens, {"max_tokens": max_tokens}, url)
    return Measurement(False, elapsed, elapsed, tokens, text)


def seed_request(client: httpx.Client, endpoint: str, request: dict[str, Any], probes: list[dict[str, Any]],
                 headers: dict[str, str]) -> str:
    """Send one of the seed's own requests (config SeedRequest) as given and check its answer by its `reply`.

    A route starting with '/' is a path on the endpoint; another names a provider route (a probe, e.g. Baseten's
    predict). Failures name the request, so the update's error says which seed example broke.
    """
    name, route = request["name"], request["route"]
    if route.startswith("/"):
        url = f"{endpoint.rstrip('/')}{route}"
    else:
        urls = [p["url"] for p in probes if p.get("name") == route]
        if not urls:
            known = ", ".join(sorted(p["name"] for p in probes)) or "none"
            raise SmokeFailure(f"seed request {name!r}: route {route!r} is not a route of this provider (its "
                               f"routes: {known}). Fix: a path such as '/v1/chat/completions', or one of those")
        url = urls[0]
    # Pulumi hands dynamic providers every number as a float; TGI's serde wants integers where it wants them.
    body = http.whole_numbers(request["body"])
    try:
        if request["reply"] == "chat":
            m = chat(client, url, body, headers)
            return f"{m.completion_tokens} tokens"
        if request["reply"] == "generate":
            return f"{generate_body(client, url, body, headers).completion_tokens} tokens"
        return f"{len(probe_request(client, {'name': name, 'url': url, 'body': body}, headers))} bytes"
    except SmokeFailure as exc:
        raise SmokeFailure(f"seed request {name!r} ({request.get('source', '')}): {exc}") from None


def probe_request(client: httpx.Client, probe: dict[str, Any], headers: dict[str, str]) -> str:
    """POST a provider's own route (e.g. Baseten's predict): it must answer 200 with a non-empty body."""
    url = probe["url"]
    r = client.post(url, json=http.whole_numbers(probe["body"]), headers=headers)  # a streamed answer is read whole
    _check_status(r, url)
    text = r.text
    if not text.strip():
        raise SmokeFailure(f"{url}: {probe['name']} answered 200 with an empty body")
    return text


def _check_status(r: httpx.Response, url: str) -> None:
    if r.status_code == 200:
        return
    hint = " (the gateway wants its auth header)" if r.status_code in (401, 403) else ""
    raise SmokeFailure(f"{url}: HTTP {r.status_code}{hint}: {r.text[:300]}")


def _post(client: httpx.Client, url: str, body: dict[str, Any], headers: dict[str, str], model: type[A],
          what: str) -> tuple[A, httpx.Response, float]:
    """POST a JSON body; the answer as `model` (SmokeFailure naming `what` otherwise), the response, the ms taken."""
    start = time.perf_counter()
    r = client.post(url, json=body, headers=headers)
    elapsed = (time.perf_counter() - start) * 1000
    _check_status(r, url)
    try:
        return model.model_validate(r.json()), r, elapsed
    except (ValueError, ValidationError) as exc:
        raise SmokeFailure(f"{url}: the answer is not {what}: {_brief(exc)}") from None


def _brief(exc: Exception) -> str:
    """A validation error on one line: each field's path and what is wrong with it."""
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors())
    return str(exc)


def _check_usage(usage: Usage | Any, body: dict[str, Any], url: str) -> None:
    _check_tokens(usage.completion_tokens, body, url)
    if usage.total_tokens != usage.prompt_tokens + usage.completion_tokens:
        raise SmokeFailure(f"{url}: usage does not add up: {usage}")


def _check_tokens(tokens: int, body: dict[str, Any], url: str) -> None:
    if not 1 <= tokens <= int(body.get("max_tokens") or 1 << 30):
        raise SmokeFailure(f"{url}: {tokens} completion tokens for max_tokens={body.get('max_tokens')}")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]
