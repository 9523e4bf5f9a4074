"""The official `openai` client against a real vLLM (the session's server: tests/realengine/conftest.py).

What is asserted is vLLM's own behaviour, as its server answers: the shapes follow vLLM's served spec
(contracts/vllm/openapi.json, vendored from this server) and OpenAI's chat completion API
(https://platform.openai.com/docs/api-reference/chat): usage counts, streamed chunks, a 400 over --max-model-len,
a 401 without the API key (vLLM's --api-key: https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html).
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import openai
import pytest

from tests.realengine.vllm_server import VllmServer

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = [{"role": "user", "content": "What is deep learning?"}]
# The tiny model answers random tokens; ignoring its end-of-sequence token makes the completion length exact.
EXACT = {"ignore_eos": True}


def client(server: VllmServer, api_key: str | None = None) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=api_key or server.api_key, max_retries=0, timeout=60)


def prompt_tokens(server: VllmServer) -> int:
    """How many tokens vLLM makes of MESSAGES with the chat template (its /tokenize route)."""
    r = httpx.post(f"{server.url}/tokenize", json={"model": server.model, "messages": MESSAGES},
                   headers={"Authorization": f"Bearer {server.api_key}"}, timeout=30)
    r.raise_for_status()
    count: int = r.json()["count"]
    return count


def test_the_vendored_spec_is_what_the_server_serves(real_vllm: VllmServer) -> None:
    served = httpx.get(f"{real_vllm.url}/openapi.json", timeout=30).json()
    vendored = json.loads((ROOT / "contracts" / "vllm" / "openapi.json").read_text())
    assert served == vendored, "vLLM's spec changed: re-vendor contracts/vllm/openapi.json (contracts/README.md)"


def test_chat_completion_and_its_usage_counts(real_vllm: VllmServer) -> None:
    answer = client(real_vllm).chat.completions.create(model=real_vllm.model, messages=MESSAGES,  # type: ignore[arg-type]
                                                       max_tokens=8, extra_body=EXACT)
    assert answer.object == "chat.completion"
    assert answer.choices[0].message.role == "assistant"
    assert answer.choices[0].finish_reason == "length"
    assert answer.usage is not None
    assert answer.usage.completion_tokens == 8
    assert answer.usage.prompt_tokens == prompt_tokens(real_vllm)
    assert answer.usage.total_tokens == answer.usage.prompt_tokens + 8


def test_streamed_chat_completion(real_vllm: VllmServer) -> None:
    stream = client(real_vllm).chat.completions.create(
        model=real_vllm.model, messages=MESSAGES, max_tokens=6, stream=True,  # type: ignore[arg-type]
        stream_options={"include_usage": True}, extra_body=EXACT)
    chunks = list(stream)
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert len({c.id for c in chunks}) == 1
    finished = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finished == ["length"]
    # With include_usage the last chunk carries the usage and no choices (OpenAI's stream_options).
    last = chunks[-1]
    assert last.choices == [] and last.usage is not None
    assert last.usage.completion_tokens == 6
    assert last.usage.prompt_tokens == prompt_tokens(real_vllm)


def test_a_request_over_max_model_len_is_vllms_400(real_vllm: VllmServer) -> None:
    too_long = [{"role": "user", "content": "hello world " * real_vllm.max_model_len}]
    with pytest.raises(openai.BadRequestError) as err:
        client(real_vllm).chat.completions.create(model=real_vllm.model, messages=too_long,  # type: ignore[arg-type]
                                                  max_tokens=4)
    assert err.value.status_code == 400
    body = err.value.response.json()["error"]
    assert f"maximum context length is {real_vllm.max_model_len} tokens" in body["message"]
    assert (body["type"], body["code"]) == ("BadRequestError", 400)


def test_without_the_key_vllm_answers_401(real_vllm: VllmServer) -> None:
    with pytest.raises(openai.AuthenticationError) as err:
        client(real_vllm, api_key="not-the-key").chat.completions.create(
            model=real_vllm.model, messages=MESSAGES, max_tokens=2)  # type: ignore[arg-type]
    assert err.value.status_code == 401
    assert httpx.get(f"{real_vllm.url}/v1/models", timeout=10).status_code == 401
    assert httpx.get(f"{real_vllm.url}/health", timeout=10).status_code == 200  # health stays open
