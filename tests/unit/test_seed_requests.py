"""The seed's own example requests (tgi-fleet:smoke.requests): sent as given, each answer checked, failures named.

Bodies the stacks carry come from the seeds' documents, cited where they are compared:
- seed 000: SaladTechnologies/salad-recipes src/tgi-mistral-7b/openai.md ("Streaming", commit d3dee69): model tgi,
  a system and a user message, stream=True, no max_tokens.
- seed 003: huggingface/Google-Cloud-Containers examples/gke/tgi-deployment README: curl /v1/chat/completions
  (stream true, max_tokens 128) and curl /generate (temperature 0.2, top_p 0.95, max_new_tokens 256).
- seeds 001/004 (Baseten trusses) send a predict body to the model's predict route: a provider route by name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from components.config import ConfigError, SeedRequest
from components.smoke.chat import SmokeFailure, seed_request
from components.stack import parse_config

ROOT = Path(__file__).resolve().parents[2]
BASE = {
    "tgi-fleet:provider": "salad",
    "tgi-fleet:model": json.dumps({"id": "mistralai/Mistral-7B-Instruct-v0.3"}),
    "tgi-fleet:gpu": json.dumps({"classes": ["RTX 4090 (24 GB)"]}),
}
# TGI's answers in the shapes of contracts/tgi (ChatCompletion, ChatCompletionChunk, GenerateResponse).
CHAT = {"id": "x", "created": 1, "model": "m", "system_fingerprint": "3.3.0",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "length"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}
CHUNK = {"id": "x", "created": 1, "model": "m", "system_fingerprint": "3.3.0",
         "choices": [{"index": 0, "delta": {"role": "assistant", "content": "tok"}}]}
GENERATED = {"generated_text": "Deep learning is", "details": {"finish_reason": "length", "generated_tokens": 3,
                                                                 "prefill": [], "tokens": []}}
SEED_000 = {"model": "tgi", "messages": [{"role": "system", "content": "You are a helpful assistant."},
                                         {"role": "user", "content": "What is deep learning?"}], "stream": True}
SEED_003_CHAT = {"model": "tgi", "messages": [{"role": "user", "content": "What is Deep Learning?"}],
                 "stream": True, "max_tokens": 128}
SEED_003_GENERATE = {"inputs": "What is Deep Learning?",
                     "parameters": {"temperature": 0.2, "top_p": 0.95, "max_new_tokens": 256}}
# seed 001 (truss-examples mistral/mistral-7b-instruct, model.py): the truss takes prompt and its own knobs.
PREDICT = {"prompt": "What is the Mistral wind?", "stream": False, "max_tokens": 64}


class Recorder:
    """A TGI-like handler that keeps every request it got."""

    def __init__(self, answers: dict[str, httpx.Response]) -> None:
        self.answers, self.seen = answers, []  # type: ignore[var-annotated]

    def __call__(self, r: httpx.Request) -> httpx.Response:
        self.seen.append((r.url.path, json.loads(r.content)))
        return self.answers[r.url.path]


def send(request: dict[str, Any], answers: dict[str, httpx.Response],
         probes: list[dict[str, Any]] | None = None) -> tuple[str, Recorder]:
    rec = Recorder(answers)
    checked = SeedRequest.model_validate(request).model_dump()
    with httpx.Client(transport=httpx.MockTransport(rec)) as c:
        return seed_request(c, "http://svc", checked, probes or [], {}), rec


def sse(*chunks: dict[str, Any]) -> httpx.Response:
    text = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return httpx.Response(200, text=text, headers={"content-type": "text/event-stream"})


def test_streamed_chat_body_is_sent_as_given() -> None:
    out, rec = send({"name": "s000", "source": "seed 000", "route": "/v1/chat/completions", "stream": True,
                     "reply": "chat", "body": SEED_000}, {"/v1/chat/completions": sse(CHUNK, CHUNK)})
    assert rec.seen == [("/v1/chat/completions", SEED_000)] and out == "2 tokens"


def test_generate_body_is_sent_as_given_and_floats_become_integers() -> None:
    # Pulumi hands dynamic providers numbers as floats; TGI's serde refuses 256.0 for max_new_tokens.
    body = {**SEED_003_GENERATE, "parameters": {**SEED_003_GENERATE["parameters"], "max_new_tokens": 256.0}}
    out, rec = send({"name": "g", "source": "seed 003", "route": "/generate", "reply": "generate", "body": body},
                    {"/generate": httpx.Response(200, json=GENERATED)})
    assert rec.seen == [("/generate", SEED_003_GENERATE)] and out == "3 tokens"
    assert isinstance(rec.seen[0][1]["parameters"]["max_new_tokens"], int)


def test_predict_body_goes_to_the_providers_predict_route() -> None:
    probes = [{"name": "predict", "url": "http://model.host/production/predict", "body": {}}]
    out, rec = send({"name": "seed-001-predict", "source": "seed 001", "route": "predict", "reply": "text",
                     "body": PREDICT}, {"/production/predict": httpx.Response(200, text="The mistral is a wind")},
                    probes)
    assert rec.seen == [("/production/predict", PREDICT)] and out.endswith("bytes")


@pytest.mark.parametrize("request_, answers, message", [
    ({"route": "/generate", "reply": "generate", "body": SEED_003_GENERATE},
     {"/generate": httpx.Response(200, json={"oops": 1})}, "seed request 'r' \\(seed 003\\).*not TGI's Generate"),
    ({"route": "/generate", "reply": "generate", "body": SEED_003_GENERATE},
     {"/generate": httpx.Response(200, json={**GENERATED, "details": {**GENERATED["details"],
                                                                      "generated_tokens": 300}})},
     "seed request 'r'.*300 completion tokens"),
    ({"route": "/v1/chat/completions", "stream": True, "reply": "chat", "body": SEED_003_CHAT},
     {"/v1/chat/completions": httpx.Response(200, json=CHAT)}, "seed request 'r'.*server-sent events"),
    ({"route": "/v1/chat/completions", "reply": "chat", "body": {**SEED_003_CHAT, "stream": False}},
     {"/v1/chat/completions": httpx.Response(422, text="bad")}, "seed request 'r'.*HTTP 422"),
    ({"route": "predict", "reply": "text", "body": PREDICT}, {}, "route 'predict' is not a route of this provider"),
])
def test_a_wrong_answer_names_the_request(request_: dict[str, Any], answers: dict[str, httpx.Response],
                                          message: str) -> None:
    with pytest.raises(SmokeFailure, match=message):
        send({"name": "r", "source": "seed 003", **request_}, answers)


def test_bad_request_entries_name_the_key_and_fix() -> None:
    def error_of(entry: dict[str, Any]) -> str:
        with pytest.raises(ConfigError) as info:
            parse_config({**BASE, "tgi-fleet:smoke": json.dumps({"requests": [entry]})})
        return str(info.value)

    good = {"name": "r", "source": "s", "route": "/generate", "reply": "generate", "body": SEED_003_GENERATE}
    msg = error_of({**good, "reply": "json"})
    assert "tgi-fleet:smoke.requests.0.reply" in msg and "Fix: " in msg, msg
    msg = error_of({**good, "route": "generate path"})
    assert "tgi-fleet:smoke.requests.0.route" in msg and "'/v1/chat/completions'" in msg, msg
    msg = error_of({**good, "route": "/v1/chat/completions", "reply": "chat", "body": SEED_003_CHAT})
    assert "tgi-fleet:smoke.requests.0" in msg and "stream is false but the body's 'stream' is true" in msg, msg
    assert "Traceback" not in msg


def stack_requests(name: str) -> list[tuple[str, dict[str, Any]]]:
    smoke = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{name}.yaml").read_text())["config"]["tgi-fleet:smoke"]
    return [(r.route, r.body) for r in (SeedRequest.model_validate(x) for x in smoke.get("requests", []))]


@pytest.mark.parametrize("stack", ["local", "salad-dev", "salad-prod"])
def test_salad_stacks_send_seed_000s_openai_example(stack: str) -> None:
    assert stack_requests(stack) == [("/v1/chat/completions", SEED_000)]


@pytest.mark.parametrize("stack", ["gke-prod", "k8s-prod", "docker-gpu"])
def test_tgi_route_stacks_send_seed_003s_curl_tests(stack: str) -> None:
    assert stack_requests(stack) == [("/v1/chat/completions", SEED_003_CHAT), ("/generate", SEED_003_GENERATE)]


# Seed 001: truss-examples mistral/mistral-7b README (commit b7cd3f405e63b9c7df9b77cd2e83b7fcb13025ff), "Example
# usage": `truss predict -d '{"prompt": "What is the meaning of life?", "max_new_tokens": 4096}'`; its `stream`.
SEED_001 = {"prompt": "What is the meaning of life?", "max_new_tokens": 4096}
# Seed 004: truss-examples mistral/mixtral-8x22b-trt-int8-weights-only/config.yaml (commit fa6fb838b1b5473570d6b
# 7289b1ab83b67988761), model_metadata.example_model_input.
SEED_004 = {"max_tokens": 512, "messages": [
    {"role": "user", "content": "What is your favourite condiment?"},
    {"role": "assistant", "content": "Well, I'm quite partial to a good squeeze of fresh lemon juice. It adds just "
                                     "the right amount of zesty flavour to whatever I'm cooking up in the kitchen!"},
    {"role": "user", "content": "Do you have mayonnaise recipes?"}]}


def test_baseten_stacks_send_the_seeds_predict_examples() -> None:
    assert stack_requests("baseten-mistral") == [("predict", SEED_001), ("predict", {"prompt": SEED_001["prompt"],
                                                                                     "stream": True})]
    assert stack_requests("baseten-mixtral") == [("predict", SEED_004)]
