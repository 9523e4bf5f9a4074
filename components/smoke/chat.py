"""OpenAI-style chat completions against TGI, streamed and not, with timing."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from components import http


class Usage(BaseModel):
    """Token counts TGI reports."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class Message(BaseModel):
    """An answer message."""

    role: str
    content: str | None = None


class Choice(BaseModel):
    """A non-streamed choice."""

    index: int
    message: Message
    finish_reason: str | None = None


class ChatCompletion(BaseModel):
    """TGI's ChatCompletion (docs/openapi.json)."""

    id: str
    created: int
    model: str
    choices: list[Choice]
    usage: Usage | None = None


class Delta(BaseModel):
    """A streamed delta."""

    role: str | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    """A streamed choice."""

    index: int
    delta: Delta
    finish_reason: str | None = None


class ChatCompletionChunk(BaseModel):
    """TGI's ChatCompletionChunk."""

    id: str
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None = None


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


def chat(client: httpx.Client, url: str, body: dict[str, Any], headers: dict[str, str]) -> Measurement:
    """One chat completion; validates the answer's shape and token counts."""
    start = time.perf_counter()
    if not body.get("stream"):
        r = client.post(url, json=body, headers=headers)
        elapsed = (time.perf_counter() - start) * 1000
        _check_status(r, url)
        try:
            answer = ChatCompletion.model_validate(r.json())
        except (ValueError, ValidationError) as exc:
            raise SmokeFailure(f"{url}: the answer is not a chat completion: {exc}") from None
        if not answer.choices or not (answer.choices[0].message.content or "").strip():
            raise SmokeFailure(f"{url}: the answer has no content: {r.text[:200]}")
        if answer.usage is None:
            raise SmokeFailure(f"{url}: the answer has no usage block")
        _check_tokens(answer.usage.completion_tokens, body, url)
        if answer.usage.total_tokens != answer.usage.prompt_tokens + answer.usage.completion_tokens:
            raise SmokeFailure(f"{url}: usage does not add up: {answer.usage}")
        return Measurement(False, elapsed, elapsed, answer.usage.completion_tokens, answer.choices[0].message.content
                           or "")
    ttft: float | None = None
    parts: list[str] = []
    chunks = 0
    usage: Usage | None = None
    with client.stream("POST", url, json=body, headers=headers) as r:
        if r.status_code != 200:
            r.read()
            _check_status(r, url)
        if not r.headers.get("content-type", "").startswith("text/event-stream"):
            raise SmokeFailure(f"{url}: stream=true answered {r.headers.get('content-type')!r}, not SSE")
        for line in r.iter_lines():
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                break
            try:
                chunk = ChatCompletionChunk.model_validate(json.loads(data))
            except (ValueError, ValidationError) as exc:
                raise SmokeFailure(f"{url}: a stream event is not a chat completion chunk: {exc}") from None
            usage = chunk.usage or usage
            for choice in chunk.choices:
                if choice.delta.content:
                    if ttft is None:
                        ttft = (time.perf_counter() - start) * 1000
                    parts.append(choice.delta.content)
                    chunks += 1
    elapsed = (time.perf_counter() - start) * 1000
    if ttft is None:
        raise SmokeFailure(f"{url}: the stream carried no content")
    tokens = usage.completion_tokens if usage else chunks
    _check_tokens(tokens, body, url)
    return Measurement(True, ttft, elapsed, tokens, "".join(parts))


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


def _check_tokens(tokens: int, body: dict[str, Any], url: str) -> None:
    if not 1 <= tokens <= int(body.get("max_tokens") or 1 << 30):
        raise SmokeFailure(f"{url}: {tokens} completion tokens for max_tokens={body.get('max_tokens')}")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]
