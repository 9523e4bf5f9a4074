"""The simulated TGI replica against TGI's own response models (generated from docs/openapi.json)."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient

from components.tgi_api.models import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatTokenizeResponse,
    Chunk,
    CompletionFinal,
    ErrorResponse,
    GenerateResponse,
    Info,
    SimpleToken,
    StreamResponse,
)
from emulator.procs import wait_until_up
from emulator.replica import Settings, create_app

ENV = {"MODEL_ID": "mistralai/Mistral-7B-Instruct-v0.3", "MAX_TOTAL_TOKENS": "4096", "MAX_INPUT_TOKENS": "4000",
       "TGI_SIM_LOAD_S": "0", "TGI_SIM_TOKEN_MS": "0"}


@pytest.fixture
def client() -> TestClient:
    with TestClient(create_app(Settings.from_env(ENV))) as c:
        wait_until_up(lambda: c.get("/health").status_code == 200, "the replica app", timeout_s=10, poll_s=0.01)
        yield c


def sse(text: str) -> list[str]:
    return [line[5:].strip() for line in text.splitlines() if line.startswith("data:")]


def test_info_reports_the_launcher_limits(client: TestClient) -> None:
    info = Info.model_validate(client.get("/info").json())
    assert (info.model_id, info.max_input_tokens, info.max_total_tokens) == (
        "mistralai/Mistral-7B-Instruct-v0.3", 4000, 4096)


def test_generate_and_stream(client: TestClient) -> None:
    body = {"inputs": "What is Deep Learning?", "parameters": {"max_new_tokens": 5, "seed": 1}}
    full = GenerateResponse.model_validate(client.post("/generate", json=body).json())
    assert full.details is not None and full.details.generated_tokens == 5 and full.details.finish_reason == "length"
    again = GenerateResponse.model_validate(client.post("/generate", json=body).json())
    assert again.generated_text == full.generated_text  # deterministic for the same prompt and seed
    r = client.post("/generate_stream", json=body)
    assert r.headers["content-type"].startswith("text/event-stream")
    events = [StreamResponse.model_validate_json(d) for d in sse(r.text)]
    assert len(events) == 5 and events[-1].generated_text == full.generated_text
    assert all(e.generated_text is None for e in events[:-1])


def test_chat_completions_json_and_sse(client: TestClient) -> None:
    body = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 7}
    answer = ChatCompletion.model_validate(client.post("/v1/chat/completions", json=body).json())
    assert answer.usage.completion_tokens == 7 and answer.choices[0].finish_reason == "length"
    r = client.post("/v1/chat/completions", json={**body, "stream": True, "stream_options": {"include_usage": True}})
    data = sse(r.text)
    assert data[-1] == "[DONE]"
    chunks = [ChatCompletionChunk.model_validate_json(d) for d in data[:-1]]
    assert len(chunks) == 7 and chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 7


def test_validation_errors_have_tgis_shape(client: TestClient) -> None:
    too_long = client.post("/generate", json={"inputs": "word " * 10, "parameters": {"max_new_tokens": 4090}})
    err = ErrorResponse.model_validate(too_long.json())
    assert too_long.status_code == 422 and err.error_type == "validation"
    assert "`inputs` tokens + `max_new_tokens` must be <= 4096. Given: 10 `inputs` tokens and 4090" in err.error
    # A body serde cannot read is axum's Json rejection: plain text, never coerced.
    typed = client.post("/generate", json={"inputs": "x", "parameters": {"watermark": "yes"}})
    assert typed.status_code == 422 and typed.headers["content-type"].startswith("text/plain")
    assert typed.text.startswith("Failed to deserialize the JSON body into the target type: parameters.watermark")
    # While streaming, the router reports errors inside the 200 event stream (server.rs generate_stream_internal).
    stream = client.post("/generate_stream", json={"inputs": "word " * 10, "parameters": {"max_new_tokens": 4090}})
    assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
    assert ErrorResponse.model_validate_json(sse(stream.text)[0]).error_type == "validation"
    chat = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "hi"}],
                                                     "max_tokens": 5000, "stream": True})
    assert chat.status_code == 200 and json.loads(sse(chat.text)[0])["error_type"] == "validation"
    assert sse(chat.text)[-1] == "[DONE]"


def test_compat_generate_is_what_the_text_generation_client_calls(client: TestClient) -> None:
    body = {"inputs": "What is Deep Learning?", "parameters": {"max_new_tokens": 5, "seed": 1}}
    plain = client.post("/generate", json=body)
    assert plain.headers["x-generated-tokens"] == "5" and plain.headers["x-compute-type"] == "gpu+optimized"
    text = plain.json()["generated_text"]
    r = client.post("/", json=body)
    answers = [GenerateResponse.model_validate(a) for a in r.json()]  # a list of one, like the Inference API
    # POST / returns the full text by default for a text-generation model; /generate does not.
    assert len(answers) == 1 and answers[0].generated_text == body["inputs"] + text
    quiet = client.post("/", json={**body, "parameters": {**body["parameters"], "return_full_text": False}})
    assert quiet.json()[0]["generated_text"] == text
    stream = client.post("/", json={**body, "stream": True})
    events = [StreamResponse.model_validate_json(d) for d in sse(stream.text)]
    assert [e.index for e in events] == [1, 2, 3, 4, 5] and events[-1].generated_text == body["inputs"] + text


def test_tokenize_and_chat_tokenize(client: TestClient) -> None:
    text = "What is Deep Learning?"
    tokens = [SimpleToken.model_validate(t) for t in client.post("/tokenize", json={"inputs": text}).json()]
    assert [t.text for t in tokens] == ["What", "is", "Deep", "Learning", "?"]
    assert all(text[t.start:t.stop] == t.text for t in tokens)
    r = client.post("/chat_tokenize", json={"messages": [{"role": "user", "content": "hi there"}]})
    chat = ChatTokenizeResponse.model_validate(r.json())
    assert "hi there" in chat.templated_text
    assert [t.text for t in chat.tokenize_response] == [chat.templated_text[t.start:t.stop]
                                                        for t in chat.tokenize_response]


def test_completions(client: TestClient) -> None:
    r = client.post("/v1/completions", json={"prompt": "Say", "max_tokens": 4, "seed": 2})
    final = CompletionFinal.model_validate(r.json())
    assert r.json()["object"] == "text_completion" and final.usage.completion_tokens == 4
    assert final.choices[0].finish_reason == "length"
    two = client.post("/v1/completions", json={"prompt": ["a", "b"], "max_tokens": 3}).json()
    assert [c["index"] for c in two["choices"]] == [0, 1]
    data = sse(client.post("/v1/completions", json={"prompt": "Say", "max_tokens": 4, "stream": True}).text)
    assert data[-1] == "[DONE]"
    chunks = [Chunk.model_validate_json(d) for d in data[:-2]]
    last = CompletionFinal.model_validate_json(data[-2])
    assert len(chunks) == 3 and all(c.choices[0].finish_reason == "" for c in chunks)
    assert last.choices[0].finish_reason == "length" and last.usage.completion_tokens == 4
    greedy = {"temperature": 0, "max_tokens": 2}  # temperature 0 means greedy decoding on the OpenAI routes
    assert client.post("/v1/completions", json={"prompt": "a", **greedy}).status_code == 200
    assert client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "a"}],
                                                     **greedy}).status_code == 200
    suffix = client.post("/v1/completions", json={"prompt": "a", "suffix": "b"})
    assert suffix.status_code == 422 and suffix.json()["error_type"] == "suffix not supported"
    many = client.post("/v1/completions", json={"prompt": ["a"] * 5})
    assert many.status_code == 422 and many.json()["error_type"] == "batch size exceeded"


def test_invocations_takes_sagemakers_three_bodies(client: TestClient) -> None:
    gen = client.post("/invocations", json={"inputs": "hi", "parameters": {"max_new_tokens": 2}})
    assert GenerateResponse.model_validate(gen.json()[0]).generated_text.startswith("hi")
    chat = client.post("/invocations", json={"messages": [{"role": "user", "content": "hi"}], "max_tokens": 2})
    assert ChatCompletion.model_validate(chat.json()).usage.completion_tokens == 2
    completion = client.post("/invocations", json={"prompt": "hi", "max_tokens": 2})
    assert CompletionFinal.model_validate(completion.json()).usage.completion_tokens == 2
    other = client.post("/invocations", json={"question": "hi"})
    assert other.status_code == 422 and "untagged enum SagemakerRequest" in other.text


def test_what_the_router_answers_to_requests_it_cannot_route_or_read(client: TestClient) -> None:
    # TGI's axum router has no fallback: an unknown path is an empty 404, a known one with another method a 405.
    missing = client.get("/v2/nothing")
    assert missing.status_code == 404 and missing.content == b""
    wrong = client.get("/generate")
    assert wrong.status_code == 405 and wrong.content == b"" and "POST" in wrong.headers["allow"]
    syntax = client.post("/generate", content=b"{", headers={"content-type": "application/json"})
    assert syntax.status_code == 400 and syntax.text.startswith("Failed to parse the request body as JSON")
    deep = client.post("/generate", content=b"[" * 100_000, headers={"content-type": "application/json"})
    assert deep.status_code == 400 and deep.text.startswith("Failed to parse the request body as JSON")
    null = client.post("/v1/completions", json={"prompt": "a", "stream": None})  # serde: `stream` is no Option
    assert null.status_code == 422 and "stream: invalid type: null" in null.text
    assert client.post("/v1/completions", json={"prompt": "a", "seed": None, "max_tokens": 2}).status_code == 200
    untyped = client.post("/generate", content=b'{"inputs": "x"}')
    assert untyped.status_code == 415 and untyped.text == "Expected request with `Content-Type: application/json`"


def test_payload_limit_is_tgis_413() -> None:
    assert Settings.from_env(ENV).payload_limit == 2_000_000  # TGI's default PAYLOAD_LIMIT
    with TestClient(create_app(Settings.from_env({**ENV, "PAYLOAD_LIMIT": "1000"}))) as c:
        wait_until_up(lambda: c.get("/health").status_code == 200, "the replica app", timeout_s=10, poll_s=0.01)
        big = c.post("/generate", json={"inputs": "x" * 2000})
        assert big.status_code == 413 and big.text == "Failed to buffer the request body: length limit exceeded"
        assert c.post("/generate", json={"inputs": "x", "parameters": {"max_new_tokens": 2}}).status_code == 200


def test_models_endpoint_returns_what_the_router_really_returns(client: TestClient) -> None:
    assert client.get("/v1/models").json()["data"][0]["id"] == "mistralai/Mistral-7B-Instruct-v0.3"


def test_health_is_503_until_loaded_and_metrics_use_tgi_names() -> None:
    with TestClient(create_app(Settings.from_env({**ENV, "TGI_SIM_LOAD_S": "30"}))) as c:
        r = c.get("/health")
        assert r.status_code == 503 and ErrorResponse.model_validate(r.json()).error_type == "healthcheck"
        assert c.post("/generate", json={"inputs": "x"}).status_code == 503
        metrics = c.get("/metrics").text
        for name in ("tgi_request_count", "tgi_request_success", "tgi_request_duration", "tgi_queue_size"):
            assert f"# TYPE {name}" in metrics


def test_injected_error_burst() -> None:
    with TestClient(create_app(Settings.from_env({**ENV, "TGI_SIM_FAULTS": "error_burst:2"}))) as c:
        while c.get("/health").status_code != 200:
            pass
        codes = [c.post("/generate", json={"inputs": "x", "parameters": {"max_new_tokens": 2}}).status_code
                 for _ in range(3)]
        assert codes == [424, 424, 200]  # TGI's status for a generation error


def test_a_model_it_cannot_size_offline_loads_without_asking_the_hub() -> None:
    # The replica sizes shipped models only: traffic never leaves loopback, and loading never waits on a Hub.
    started = time.monotonic()
    with TestClient(create_app(Settings.from_env({**ENV, "MODEL_ID": "bigscience/bloom-560m"}))) as c:
        wait_until_up(lambda: c.get("/health").status_code == 200, "the replica app", timeout_s=5, poll_s=0.05)
    assert time.monotonic() - started < 5  # (a blocked event loop would hold the first request, not fail it)
