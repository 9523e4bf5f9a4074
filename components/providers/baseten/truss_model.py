"""The truss's model/model.py for engine tgi: TGI runs inside the truss server, predict takes seed 001's API.

Shipped as the truss's model class (truss pushes it; Baseten's truss server imports it and calls `load()` then
`predict()`), so this file runs in the container on its own: standard library, plus fastapi/starlette, which the
truss server itself installs. It must not import tgi-fleet.

- load(): starts `text-generation-launcher` with the plan's limits (config.yaml `model_metadata.tgi`) on a free
  loopback port, the HF token from the truss secret `hf_access_token`, and waits until TGI answers /health.
- predict(): seed 001's API (basetenlabs/truss-examples mistral/mistral-7b README, "API route: predict"):
  `prompt`, `stream` (default false), `max_new_tokens` (default 512, at most 4096), `temperature` (0.1), `top_p`
  (0.75), `top_k` (40); the seed's model.py also reads `max_tokens`, taken when `max_new_tokens` is absent.
  The answer is what the seed's model.py answers: the prompt and its continuation (it decodes the whole output,
  prompt tokens included) as a JSON string, or streamed as plain text, the prompt first (its TextIteratorStreamer
  does not skip the prompt). Refusals are HTTP 400 with the reason; TGI's own 4xx pass through with its message.
- chat_completions()/completions(): TGI's OpenAI routes, so /v1/chat/completions keeps working on Baseten
  (docs.baseten.co/development/model/openai-compatible-endpoints).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

from fastapi import HTTPException
from starlette.responses import StreamingResponse

LAUNCHER = "text-generation-launcher"
HF_SECRET = "hf_access_token"
# Seed 001's documented defaults (truss-examples mistral/mistral-7b README).
DEFAULTS: dict[str, Any] = {"stream": False, "max_new_tokens": 512, "temperature": 0.1, "top_p": 0.75, "top_k": 40}
SEED_MAX_NEW_TOKENS = 4096  # "Maximum of 4096"
# Other knobs of Transformers' generate (which the seed's README says it takes) that TGI's /generate also has.
TGI_KNOBS = frozenset({"repetition_penalty", "frequency_penalty", "do_sample", "typical_p", "seed", "stop",
                       "truncate", "watermark"})
KNOWN = frozenset(DEFAULTS) | {"prompt", "max_tokens"} | TGI_KNOBS
HEALTH_POLL_S = 1.0
REQUEST_TIMEOUT_S = 3600.0  # a 4096-token answer on a slow GPU; Baseten's own request timeout still applies


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _error_of(exc: urllib.error.HTTPError) -> HTTPException:
    """TGI's error answer ({"error": ..., "error_type": ...}) as the same status with its message."""
    raw = exc.read().decode(errors="replace")
    try:
        message = str(json.loads(raw).get("error") or raw)
    except (ValueError, AttributeError):
        message = raw
    return HTTPException(status_code=exc.code, detail=f"TGI: {message}")


class Model:
    """Truss model class: TGI in the container, seed 001's predict API on top."""

    def __init__(self, **kwargs: Any) -> None:
        config: dict[str, Any] = kwargs["config"]
        tgi: dict[str, Any] = (config.get("model_metadata") or {})["tgi"]
        self._args = [str(a) for a in tgi["launcher_args"]]
        self._max_new_tokens = int(tgi["max_new_tokens"])  # the seed's 4096, or less where the plan holds less
        self._why_fewer = str(tgi.get("max_new_tokens_reason") or "")
        self._secrets = kwargs.get("secrets") if HF_SECRET in (config.get("secrets") or {}) else None
        self._process: subprocess.Popen[bytes] | None = None
        self._base = ""

    def load(self) -> None:
        """Start TGI's launcher and wait until TGI answers /health (download, load and warm-up done)."""
        port = _free_port()
        env = dict(os.environ)
        if self._secrets is not None:
            env["HF_TOKEN"] = str(self._secrets[HF_SECRET])
        self._base = f"http://127.0.0.1:{port}"
        self._process = subprocess.Popen([LAUNCHER, *self._args, "--hostname", "127.0.0.1", "--port", str(port)],
                                         env=env)
        while not self._tgi_healthy():
            code = self._process.poll()
            if code is not None:
                raise RuntimeError(f"{LAUNCHER} exited with status {code} before TGI answered /health")
            time.sleep(HEALTH_POLL_S)

    def is_healthy(self) -> bool:
        """Truss's readiness: TGI still runs and answers /health."""
        return self._process is not None and self._process.poll() is None and self._tgi_healthy()

    def _tgi_healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self._base}/health", timeout=5) as r:
                return int(r.status) == 200
        except (OSError, ValueError):
            return False

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(f"{self._base}{path}", data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            return urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S)
        except urllib.error.HTTPError as exc:
            raise _error_of(exc) from None

    def parameters(self, model_input: Any) -> tuple[str, bool, dict[str, Any]]:
        """(prompt, stream, TGI parameters) of a predict body, the seed's defaults applied; HTTP 400 if invalid."""
        if not isinstance(model_input, dict):
            raise HTTPException(status_code=400, detail="the body must be a JSON object with a 'prompt'")
        unknown = sorted(set(model_input) - KNOWN)
        if unknown:
            raise HTTPException(status_code=400, detail=f"unknown parameter(s) {unknown}: this model takes "
                                                        f"{sorted(KNOWN)}")
        prompt = model_input.get("prompt")
        if not isinstance(prompt, str) or not prompt:
            raise HTTPException(status_code=400, detail="'prompt' (a non-empty string) is required")
        knobs = {**DEFAULTS, **model_input}
        if "max_new_tokens" not in model_input and "max_tokens" in model_input:
            knobs["max_new_tokens"] = model_input["max_tokens"]  # what the seed's model.py reads
        new = knobs["max_new_tokens"]
        if isinstance(new, float) and new.is_integer():
            new = int(new)
        if not isinstance(new, int) or isinstance(new, bool) or new < 1:
            raise HTTPException(status_code=400, detail=f"max_new_tokens must be a positive integer, not {new!r}")
        if new > self._max_new_tokens:
            why = f" ({self._why_fewer})" if self._why_fewer else ""
            raise HTTPException(status_code=400, detail=f"max_new_tokens={new} is above this deployment's maximum "
                                                        f"of {self._max_new_tokens}{why}")
        if not isinstance(knobs["stream"], bool):
            raise HTTPException(status_code=400, detail=f"stream must be true or false, not {knobs['stream']!r}")
        params = {k: knobs[k] for k in ("temperature", "top_p", "top_k", *sorted(TGI_KNOBS)) if k in knobs}
        return prompt, knobs["stream"], {**params, "max_new_tokens": new}

    def predict(self, model_input: Any) -> Any:
        """Seed 001's predict: the prompt and its continuation, as a JSON string or streamed plain text."""
        prompt, stream, params = self.parameters(model_input)
        if not stream:
            with self._post("/generate", {"inputs": prompt, "parameters": params}) as r:
                return prompt + str(json.loads(r.read())["generated_text"])
        # Open the stream here, so a refusal is still an HTTP error rather than a broken stream.
        response = self._post("/generate_stream", {"inputs": prompt, "parameters": params})
        return self._text(prompt, response)

    @staticmethod
    def _text(prompt: str, response: Any) -> Iterator[str]:
        with response:
            yield prompt
            for raw in response:
                line = raw.decode().strip()
                if not line.startswith("data:"):
                    continue
                event = json.loads(line[5:])
                if event.get("error"):
                    raise RuntimeError(f"TGI: {event['error']}")
                token = event.get("token") or {}
                if not token.get("special"):
                    yield str(token.get("text") or "")

    def _openai(self, path: str, model_input: Any) -> Any:
        response = self._post(path, model_input if isinstance(model_input, dict) else {})
        if isinstance(model_input, dict) and model_input.get("stream"):
            def events() -> Iterator[bytes]:
                with response:
                    yield from response
            return StreamingResponse(events(), media_type="text/event-stream")
        with response:
            return json.loads(response.read())

    def chat_completions(self, model_input: Any) -> Any:
        """/v1/chat/completions: TGI's OpenAI chat route, its answer (or event stream) unchanged."""
        return self._openai("/v1/chat/completions", model_input)

    def completions(self, model_input: Any) -> Any:
        """/v1/completions: TGI's OpenAI completions route, unchanged."""
        return self._openai("/v1/completions", model_input)
