"""The simulated model behind the router: a stand-in tokenizer, TGI's request validation, deterministic tokens at
real per-token timing, the concurrency limit, and TGI's metric counters."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from emulator.replica.settings import Settings
from emulator.replica.warmup import download_bytes, warm_up

WORDS = (
    "the", "model", "answers", "with", "deterministic", "simulated", "tokens", "so", "tests", "can", "check",
    "shape", "timing", "and", "counts", "while", "no", "GPU", "is", "present", "deep", "learning", "is", "a",
    "way", "to", "learn", "representations", "from", "data",
)
TOKEN = re.compile(r"\w+|[^\w\s]")
VOCAB = 32768


class TgiError(Exception):
    """An error TGI answers with its ErrorResponse body ({"error", "error_type"})."""

    def __init__(self, status: int, message: str, error_type: str) -> None:
        super().__init__(message)
        self.status, self.message, self.error_type = status, message, error_type

    def body(self) -> dict[str, str]:
        return {"error": self.message, "error_type": self.error_type}


def token_id(text: str) -> int:
    """A stable id in a 32k vocabulary for a token's text."""
    return int.from_bytes(hashlib.sha1(text.encode()).digest()[:4], "big") % VOCAB


def tokenize(text: str) -> list[dict[str, Any]]:
    """TGI's SimpleToken list (id, text, start, stop: character offsets) from the stand-in tokenizer."""
    return [{"id": token_id(m.group()), "text": m.group(), "start": m.start(), "stop": m.end()}
            for m in TOKEN.finditer(text)]


def count_tokens(text: str) -> int:
    """A stand-in tokenizer: words and punctuation marks."""
    return len(TOKEN.findall(text))


def chat_prompt(messages: list[dict[str, Any]]) -> str:
    """A Mistral-style chat template; what the token count is taken from."""
    parts = []
    for m in messages:
        content = m.get("content")
        if isinstance(content, list):
            content = " ".join(c.get("text", "") for c in content if isinstance(c, dict))
        parts.append(f"[{m.get('role', 'user')}] {content or ''}")
    return "<s>" + " ".join(parts)


def openai_finish(reason: str) -> str:
    """TGI's FinishReason as its OpenAI-compatible routes spell it."""
    return {"length": "length", "eos_token": "stop", "stop_sequence": "stop"}[reason]


def tgi_request_line(gen: Generation, seconds: float) -> str:
    """The line TGI's router logs for every request it served."""
    return (f"INFO text_generation_router::server: Success total_time=\"{seconds * 1000:.1f}ms\" "
            f"input_length={gen.n_in} generated_tokens={len(gen.tokens)}")


@dataclass
class Generation:
    """One validated request's outcome, decided up front (the tokens are deterministic)."""

    prompt: str
    n_in: int
    tokens: list[str]
    reason: str  # TGI's FinishReason: length | eos_token | stop_sequence
    seed: int | None

    @property
    def text(self) -> str:
        return "".join(self.tokens)

    @property
    def usage(self) -> dict[str, int]:
        """The OpenAI-compatible routes' usage: prompt, completion and total tokens."""
        return {"prompt_tokens": self.n_in, "completion_tokens": len(self.tokens),
                "total_tokens": self.n_in + len(self.tokens)}

    def token(self, i: int) -> dict[str, Any]:
        """TGI's Token for the i-th generated token."""
        return {"id": token_id(self.tokens[i]), "text": self.tokens[i], "logprob": -0.1, "special": False}

    def prefill(self) -> list[dict[str, Any]]:
        """TGI's PrefillToken list for the prompt (decoder_input_details)."""
        return [{"id": t["id"], "text": t["text"], "logprob": None if i == 0 else -0.5}
                for i, t in enumerate(tokenize(self.prompt))]


class Replica:
    """State of one simulated server."""

    def __init__(self, settings: Settings,
                 request_line: Callable[[Generation, float], str | None] | None = None) -> None:
        self.s = settings
        self.request_line = request_line or tgi_request_line  # the engine's log line for a request it served
        self.loaded = False
        self.in_flight = 0
        self.errors_left = int(settings.faults.get("error_burst") or 0)
        self.metrics = {"tgi_request_count": 0, "tgi_request_success": 0, "tgi_request_failure": 0,
                        "tgi_request_generated_tokens_sum": 0, "tgi_request_input_length_sum": 0,
                        "tgi_request_duration_sum": 0.0}

    async def load(self, start_up: Callable[[], str | None] | None = None, ready_line: str | None = None) -> None:
        """Simulated weight download + load + warm-up; the engine's start-up error (TGI's own rule unless
        `start_up` gives another engine's) ends the process as the engine would."""
        size = download_bytes(self.s.model_id, self.s.dtype) if self.s.download_mb_s else None
        if size is not None and self.s.download_mb_s:
            # The launcher downloads the weights before it loads them: /health answers 503 all along.
            seconds = size / 1e6 / self.s.download_mb_s
            print(f"Downloading {self.s.model_id}: {size / 1e9:.1f} GB at {self.s.download_mb_s:.1f} MB/s "
                  f"(~{seconds:.1f} s)", flush=True)
            await asyncio.sleep(seconds)
        await asyncio.sleep(self.s.load_s)
        if "crash_on_load" in self.s.faults:
            print("Error: simulated crash while loading shard 0 (TGI_SIM_FAULTS=crash_on_load)", file=sys.stderr)
            os._exit(1)
        error = (start_up or self.tgi_warm_up)()
        if error:
            print(error, file=sys.stderr, flush=True)
            os._exit(1)
        self.loaded = True
        print(ready_line or f"Connected: {self.s.model_id} ready", flush=True)

    def tgi_warm_up(self) -> str | None:
        """TGI's start-up verdict on the emulated GPU (warmup.py): its error line, or None."""
        verdict = None if self.s.vram_bytes is None else warm_up(
            self.s.model_id, self.s.dtype, self.s.quantize, self.s.num_shard, self.s.max_total_tokens,
            self.s.vram_bytes, self.s.memory_fraction)
        return verdict.error if verdict is not None else None

    def validate(self, input_tokens: int, max_new_tokens: int | None, params: dict[str, Any]) -> None:
        """TGI's router-side validation, with its messages (TgiError 422)."""
        def invalid(message: str) -> TgiError:
            self.metrics["tgi_request_failure"] += 1
            return TgiError(422, f"Input validation error: {message}", "validation")

        temp = params.get("temperature")
        if temp is not None and temp <= 0:
            raise invalid("`temperature` must be strictly positive")
        top_p = params.get("top_p")
        if top_p is not None and not 0 < top_p <= 1:
            raise invalid("`top_p` must be > 0.0 and < 1.0")
        if input_tokens > self.s.max_input_tokens:
            raise invalid(f"`inputs` must have less than {self.s.max_input_tokens} tokens. Given: {input_tokens}")
        new = max_new_tokens if max_new_tokens is not None else self.s.max_total_tokens - input_tokens
        if input_tokens + new > self.s.max_total_tokens:
            raise invalid(f"`inputs` tokens + `max_new_tokens` must be <= {self.s.max_total_tokens}. Given: "
                          f"{input_tokens} `inputs` tokens and {new} `max_new_tokens`")

    def admit(self) -> None:
        """The overload limit and injected faults, as the scheduler would meet them (TgiError)."""
        if self.in_flight >= self.s.max_concurrent_requests:
            self.metrics["tgi_request_failure"] += 1
            raise TgiError(429, "Model is overloaded", "overloaded")
        if self.injected_failure():
            raise TgiError(424, "Request failed during generation: simulated failure (TGI_SIM_FAULTS=error_burst)",
                           "generation")

    def prepare(self, prompt: str, max_new: int | None, params: dict[str, Any]) -> Generation:
        """Validate and decide the outcome of one request (TgiError when TGI would refuse it)."""
        n_in = count_tokens(prompt)
        self.validate(n_in, max_new, params)
        self.admit()
        return self.generate(prompt, max_new if max_new is not None else self.s.max_total_tokens - n_in, params)

    def injected_failure(self) -> bool:
        """Whether this request is one of TGI_SIM_FAULTS' error_burst (every engine's simulation shares it)."""
        if self.errors_left <= 0:
            return False
        self.errors_left -= 1
        self.metrics["tgi_request_failure"] += 1
        return True

    def generate(self, prompt: str, limit: int, params: dict[str, Any]) -> Generation:
        """The deterministic outcome of an admitted request: at most `limit` tokens, `stop` and `seed` honoured;
        with `ignore_eos` (vLLM's and SGLang's sampling parameter) the drawn end of sequence is ignored and the
        completion runs to `limit` (vllm/sampling_params.py: "continue generating tokens after the EOS token")."""
        n_in = count_tokens(prompt)
        stop = params.get("stop") or []
        seed = params.get("seed")
        digest = hashlib.sha256(f"{prompt}|{seed}".encode()).digest()
        natural = limit if params.get("ignore_eos") else 8 + digest[0] % 40
        out: list[str] = []
        text = ""
        for i in range(min(limit, natural)):
            word = WORDS[(digest[i % len(digest)] + i) % len(WORDS)]
            out.append(("" if i == 0 else " ") + word)
            text += out[-1]
            if any(s and s in text for s in ([stop] if isinstance(stop, str) else stop)):
                return Generation(prompt, n_in, out, "stop_sequence", seed)
        return Generation(prompt, n_in, out, "length" if limit <= natural else "eos_token", seed)

    def _record(self, gen: Generation, started: float) -> None:
        seconds = time.perf_counter() - started
        line = self.request_line(gen, seconds)
        if line is not None:
            print(line, flush=True)
        m = self.metrics
        m["tgi_request_success"] += 1
        m["tgi_request_generated_tokens_sum"] += len(gen.tokens)
        m["tgi_request_input_length_sum"] += gen.n_in
        m["tgi_request_duration_sum"] += seconds

    async def run(self, gen: Generation) -> float:
        """A non-streamed generation: every token's time, counted in flight, then recorded; its seconds."""
        started = time.perf_counter()
        self.in_flight += 1
        try:
            await asyncio.sleep(self.s.token_ms * len(gen.tokens) / 1000)
        finally:
            self.in_flight -= 1
        self._record(gen, started)
        return time.perf_counter() - started

    def stream(self, gen: Generation) -> AsyncIterator[int]:
        """The token indexes at token_ms each; in flight from now until the stream ends, recorded if whole."""
        started = time.perf_counter()
        self.in_flight += 1

        async def tokens() -> AsyncIterator[int]:
            try:
                for i in range(len(gen.tokens)):
                    await asyncio.sleep(self.s.token_ms / 1000)
                    yield i
                self._record(gen, started)
            finally:
                self.in_flight -= 1

        return tokens()
