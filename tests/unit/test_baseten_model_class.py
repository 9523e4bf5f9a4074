"""The engine-tgi truss's model class (components/providers/baseten/truss_model.py, shipped as model/model.py):
seed 001's predict API on top of TGI, checked against a stand-in TGI that records what it is sent.

Expectations come from the seed (basetenlabs/truss-examples, mistral/mistral-7b):
- README.md (commit b7cd3f405e63b9c7df9b77cd2e83b7fcb13025ff, "API route: predict"): prompt; stream (default
  False); max_new_tokens (default 512, "Maximum of 4096"); temperature 0.1; top_p 0.75; top_k 40; the example
  `truss predict -d '{"prompt": "What is the meaning of life?", "max_new_tokens": 4096}'`.
- model/model.py (commit 784c33e438cbfb90d51f0bd45f805e219388a2e6): reads `max_tokens`; the non-streamed answer
  is `tokenizer.decode(output[0])` (the prompt and its continuation, which truss serves as a JSON string); the
  streamed one a TextIteratorStreamer without skip_prompt (the prompt first, then the new text).
TGI's side: its /generate and /generate_stream request and answer shapes (contracts/tgi/openapi.json).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fastapi import HTTPException
from starlette.responses import StreamingResponse

from components.providers.baseten import truss_model
from components.providers.baseten.truss import MODEL_FILE, max_new_tokens, truss_archive, truss_config
from tests.baseten_cases import load

PROMPT = "What is the meaning of life?"
SEED_BODY = {"prompt": PROMPT, "max_new_tokens": 4096}  # the seed's example, as given
SEED_DEFAULTS = {"temperature": 0.1, "top_p": 0.75, "top_k": 40}


class FakeTgi(BaseHTTPRequestHandler):
    """TGI's /health, /generate, /generate_stream and /v1/chat/completions; keeps what it was sent."""

    seen: ClassVar[list[tuple[str, dict[str, Any]]]] = []

    def log_message(self, *_: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._send(200, b"", "text/plain")

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        type(self).seen.append((self.path, body))
        if body.get("inputs") == "too long":
            self._send(422, json.dumps({"error": "Input validation error: `inputs` must have less than 4096 "
                                                 "tokens", "error_type": "validation"}).encode(), "application/json")
        elif self.path == "/generate":
            self._send(200, json.dumps({"generated_text": " To be."}).encode(), "application/json")
        elif self.path == "/generate_stream":
            events = [{"index": i, "token": {"id": i, "text": text, "logprob": 0.0, "special": special},
                       "generated_text": None, "details": None}
                      for i, (text, special) in enumerate([(" To", False), (" be.", False), ("</s>", True)])]
            self._send(200, "".join(f"data:{json.dumps(e)}\n\n" for e in events).encode(), "text/event-stream")
        elif body.get("stream"):
            self._send(200, b'data: {"choices": []}\n\ndata: [DONE]\n\n', "text/event-stream")
        else:
            self._send(200, json.dumps({"choices": [{"message": {"content": "hi"}}]}).encode(), "application/json")

    def _send(self, status: int, data: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def tgi() -> Iterator[str]:
    FakeTgi.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTgi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def model(tgi: str, stack_override: dict[str, Any] | None = None) -> truss_model.Model:
    """The model class as truss's server constructs it (config=, secrets=), pointed at the stand-in TGI."""
    cfg, settings, plan = load("baseten-mistral", **(stack_override or {}))
    m = truss_model.Model(config=truss_config(cfg, plan, settings, with_token=True), secrets={}, data_dir=Path())
    m._base = tgi  # what load() sets once the launcher's TGI answers
    return m


def sent() -> tuple[str, dict[str, Any]]:
    [request] = FakeTgi.seen
    return request


def test_the_seeds_example_body_is_answered_with_its_defaults(tgi: str) -> None:
    answer = model(tgi).predict(dict(SEED_BODY))
    assert answer == PROMPT + " To be."  # the prompt and its continuation, like decode(output[0])
    path, body = sent()
    assert path == "/generate" and body == {"inputs": PROMPT,
                                            "parameters": {**SEED_DEFAULTS, "max_new_tokens": 4096}}


def test_defaults_apply_when_only_the_prompt_is_sent(tgi: str) -> None:
    model(tgi).predict({"prompt": PROMPT})
    assert sent()[1]["parameters"] == {**SEED_DEFAULTS, "max_new_tokens": 512}


def test_stream_true_streams_plain_text_prompt_first(tgi: str) -> None:
    chunks = model(tgi).predict({**SEED_BODY, "stream": True, "temperature": 0.7, "top_k": 10})
    assert not isinstance(chunks, str)
    assert list(chunks) == [PROMPT, " To", " be."]  # TGI's special </s> is not text
    path, body = sent()
    assert path == "/generate_stream"
    assert body["parameters"] == {"temperature": 0.7, "top_p": 0.75, "top_k": 10, "max_new_tokens": 4096}


def test_the_seed_model_pys_max_tokens_is_read_too(tgi: str) -> None:
    model(tgi).predict({"prompt": PROMPT, "max_tokens": 64})
    assert sent()[1]["parameters"]["max_new_tokens"] == 64


def test_tgi_knobs_of_transformers_generate_pass_through(tgi: str) -> None:
    model(tgi).predict({"prompt": PROMPT, "repetition_penalty": 1.1, "do_sample": True, "seed": 7})
    params = sent()[1]["parameters"]
    assert (params["repetition_penalty"], params["do_sample"], params["seed"]) == (1.1, True, 7)


@pytest.mark.parametrize(("body", "reason"), [
    ({**SEED_BODY, "max_new_tokens": 4097}, "max_new_tokens=4097 is above this deployment's maximum of 4096"),
    ({"max_new_tokens": 16}, "'prompt' (a non-empty string) is required"),
    ({"inputs": PROMPT, "parameters": {}}, "unknown parameter(s) ['inputs', 'parameters']"),
    ({"prompt": PROMPT, "max_new_tokens": 0}, "max_new_tokens must be a positive integer"),
    ({"prompt": PROMPT, "num_beams": 4}, "unknown parameter(s) ['num_beams']"),
    ({"prompt": PROMPT, "stream": "false"}, "stream must be true or false, not 'false'"),
    ([PROMPT], "the body must be a JSON object"),
])
def test_bad_bodies_are_400_with_the_reason_and_reach_no_tgi(tgi: str, body: Any, reason: str) -> None:
    with pytest.raises(HTTPException) as info:
        model(tgi).predict(body)
    assert info.value.status_code == 400 and reason in str(info.value.detail)
    assert FakeTgi.seen == []


def test_a_plan_with_less_room_refuses_4096_naming_the_key(tgi: str) -> None:
    *_, plan = load("baseten-mistral", serving={"max_input_tokens": 2048, "max_total_tokens": 4096})
    assert max_new_tokens(plan)[0] == 4095
    with pytest.raises(HTTPException) as info:
        model(tgi, {"serving": {"max_input_tokens": 2048, "max_total_tokens": 4096}}).predict(dict(SEED_BODY))
    detail = str(info.value.detail)
    assert "maximum of 4095" in detail and "tgi-fleet:serving.max_total_tokens is 4096" in detail, detail


def test_tgis_own_refusal_passes_through_with_its_status(tgi: str) -> None:
    with pytest.raises(HTTPException) as info:
        model(tgi).predict({"prompt": "too long", "stream": True})
    assert info.value.status_code == 422 and "must have less than 4096 tokens" in str(info.value.detail)


def test_openai_routes_reach_tgi_unchanged(tgi: str) -> None:
    m = model(tgi)
    request = {"model": "tgi", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 8}
    assert m.chat_completions(dict(request)) == {"choices": [{"message": {"content": "hi"}}]}
    streamed = m.chat_completions({**request, "stream": True})
    assert isinstance(streamed, StreamingResponse) and streamed.media_type == "text/event-stream"
    assert [p for p, _ in FakeTgi.seen] == ["/v1/chat/completions", "/v1/chat/completions"]


def test_load_starts_the_launcher_with_the_plans_flags_and_the_hf_token(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # A stand-in launcher on PATH records its argv and HF_TOKEN, then exits: load() must say it exited.
    record = tmp_path / "launched.json"
    launcher = tmp_path / "text-generation-launcher"
    launcher.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$HF_TOKEN\" \"$@\" > {record}\nexit 3\n")
    launcher.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    monkeypatch.setattr(truss_model, "HEALTH_POLL_S", 0.05)
    cfg, settings, plan = load("baseten-mistral")
    config = truss_config(cfg, plan, settings, with_token=True)
    m = truss_model.Model(config=config, secrets={"hf_access_token": "hf_secret"}, data_dir=tmp_path)
    with pytest.raises(RuntimeError, match="text-generation-launcher exited with status 3 before TGI answered"):
        m.load()
    token, *argv = record.read_text().splitlines()
    assert token == "hf_secret"
    assert argv[:-4] == config["model_metadata"]["tgi"]["launcher_args"]
    assert argv[-4:-1] == ["--hostname", "127.0.0.1", "--port"] and int(argv[-1]) > 0
    assert "--max-total-tokens" in argv and argv[argv.index("--max-total-tokens") + 1] == str(plan.max_total_tokens)


def test_the_archive_ships_this_file_as_the_trusss_model_class() -> None:
    import io
    import tarfile

    cfg, settings, plan = load("baseten-mistral")
    with tarfile.open(fileobj=io.BytesIO(truss_archive(truss_config(cfg, plan, settings, with_token=True)))) as tar:
        assert tar.getnames() == ["config.yaml", MODEL_FILE]
        member = tar.extractfile(MODEL_FILE)
        assert member is not None
        assert member.read() == Path(truss_model.__file__).read_bytes()


def test_the_model_class_imports_nothing_of_tgi_fleet() -> None:
    # It runs alone in the container: the standard library and what the truss server installs (fastapi).
    import ast

    tree = ast.parse(Path(truss_model.__file__).read_text())
    roots = {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    roots |= {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    import sys

    assert roots - set(sys.stdlib_module_names) - {"__future__"} == {"fastapi", "starlette"}
