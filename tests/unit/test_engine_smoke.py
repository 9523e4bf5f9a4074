"""The smoke stage is engine-neutral (issue #26 item 4): each engine's chat answers in OpenAI's shape, its own extra
route, the model name it wants in a request.

Answer shapes from the engines' own code and OpenAI's reference: vLLM 0.32.0
vllm/entrypoints/openai/chat_completion/protocol.py (ChatCompletionResponse: `system_fingerprint: str | None`,
set on a stream's last chunk only) and completion/protocol.py; OpenAI's openapi.yaml CreateCompletionResponse;
SGLang's native /generate ({"text", "meta_info": {"completion_tokens", ...}}, docs.sglang.ai "Sending
Requests"/native API).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from components.engines import registry
from components.smoke.args import INPUT_DEFAULTS, INPUT_KEYS
from components.smoke.chat import SmokeFailure, chat, engine_route
from components.smoke.resource import SmokeTestProvider

# What vLLM answers: no system_fingerprint (TGI's own models require one).
VLLM_CHAT = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "tiny",
             "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi there"},
                          "finish_reason": "length", "logprobs": None}],
             "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}, "prompt_logprobs": None}
VLLM_COMPLETION = {"id": "cmpl-1", "object": "text_completion", "created": 1, "model": "tiny",
                   "choices": [{"index": 0, "text": " deep", "finish_reason": "length", "logprobs": None}],
                   "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}
SGLANG_GENERATE = {"text": " deep learning", "meta_info": {"id": "x", "prompt_tokens": 3, "completion_tokens": 2,
                                                           "finish_reason": {"type": "length", "length": 2}}}


def client_answering(payload: Any, seen: list[dict[str, Any]] | None = None) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(json.loads(request.content))
        return httpx.Response(200, json=payload)

    return httpx.Client(transport=httpx.MockTransport(answer))


@pytest.mark.parametrize("engine", ["vllm", "sglang"])
def test_an_openai_engines_chat_answer_passes_with_its_models(engine: str) -> None:
    models = registry.engine(engine).chat_models()
    with client_answering(VLLM_CHAT) as c:
        m = chat(c, "http://svc/v1/chat/completions", {"messages": [], "max_tokens": 4}, {}, models)
    assert m.completion_tokens == 2 and m.text == "hi there"


def test_tgis_models_would_refuse_vllms_answer() -> None:
    """Why the models come from the engine: TGI's spec requires system_fingerprint, which vLLM leaves out."""
    with client_answering(VLLM_CHAT) as c, pytest.raises(SmokeFailure, match="system_fingerprint"):
        chat(c, "http://svc/v1/chat/completions", {"messages": [], "max_tokens": 4}, {},
             registry.engine("tgi").chat_models())


@pytest.mark.parametrize("engine,payload,path", [("vllm", VLLM_COMPLETION, "/v1/completions"),
                                                 ("sglang", SGLANG_GENERATE, "/generate")])
def test_each_engines_extra_route(engine: str, payload: dict[str, Any], path: str) -> None:
    eng = registry.engine(engine)
    assert eng.extra_route is not None and eng.extra_route.path == path
    body = eng.extra_request("tiny", "What is Deep Learning?", 4, {"temperature": 0.5})
    seen: list[dict[str, Any]] = []
    with client_answering(payload, seen) as c:
        m = engine_route(c, f"http://svc{path}", body, {}, 4, eng.extra_answer, eng.extra_route.name)
    assert m.completion_tokens == 2 and m.text.strip()
    assert seen == [body]
    with client_answering({"oops": 1}) as c, pytest.raises(SmokeFailure, match=r"not the engine's .* answer"):
        engine_route(c, f"http://svc{path}", body, {}, 4, eng.extra_answer, eng.extra_route.name)


def test_tgis_extra_route_is_generate_as_before() -> None:
    tgi = registry.engine("tgi")
    assert tgi.extra_route is not None and tgi.extra_route.path == "/generate"
    assert tgi.extra_request("tgi", "p", 8, {}) == {"inputs": "p", "parameters": {"max_new_tokens": 8,
                                                                                  "details": True}}
    assert tgi.extra_answer({"generated_text": "x", "details": {"finish_reason": "length", "generated_tokens": 3,
                                                                "prefill": [], "tokens": []}}) == ("x", 3)


def test_request_model_per_engine() -> None:
    assert registry.engine("tgi").request_model("m/x") == "tgi"  # TGI ignores it, as its docs' examples send
    assert registry.engine("vllm").request_model("m/x") == "m/x"  # --served-model-name is the model id
    assert registry.engine("sglang").request_model("m/x") == "m/x"


def test_a_stack_deployed_before_the_engine_input_is_not_rerun_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The smoke resource's new `engine` input: an old state without it equals the default, tgi."""
    assert "engine" in INPUT_KEYS and INPUT_DEFAULTS["engine"] == "tgi"
    olds = {k: None for k in INPUT_KEYS if k != "engine"}
    news = {**olds, "engine": "tgi"}
    monkeypatch.setattr("components.smoke.resource._healthy", lambda props: True)
    provider = SmokeTestProvider()
    assert provider.diff("id", olds, news).changes is False
    assert provider.diff("id", olds, {**news, "engine": "vllm"}).changes is True
