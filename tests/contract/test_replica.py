"""The simulated TGI replica against TGI's own response models (generated from docs/openapi.json)."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient

from components.tgi_api.models import (
    ChatCompletion,
    ChatCompletionChunk,
    ErrorResponse,
    GenerateResponse,
    Info,
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
    typed = client.post("/generate", json={"inputs": "x", "parameters": {"watermark": "yes"}})
    assert typed.status_code == 422 and "watermark" in typed.json()["error"]
    stream = client.post("/generate_stream", json={"inputs": "word " * 10, "parameters": {"max_new_tokens": 4090}})
    assert stream.status_code == 422 and stream.headers["content-type"].startswith("text/event-stream")
    assert json.loads(sse(stream.text)[0])["error_type"] == "validation"


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
        assert codes == [500, 500, 200]


def test_a_model_it_cannot_size_offline_loads_without_asking_the_hub() -> None:
    # The replica sizes shipped models only: traffic never leaves loopback, and loading never waits on a Hub.
    started = time.monotonic()
    with TestClient(create_app(Settings.from_env({**ENV, "MODEL_ID": "bigscience/bloom-560m"}))) as c:
        wait_until_up(lambda: c.get("/health").status_code == 200, "the replica app", timeout_s=5, poll_s=0.05)
    assert time.monotonic() - started < 5  # (a blocked event loop would hold the first request, not fail it)
