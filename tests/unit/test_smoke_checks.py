"""The smoke stage's answer checks against httpx.MockTransport: each wrong answer fails with a clear message."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from components.providers.salad.client import SaladClient
from components.providers.salad.readiness import SaladInstances
from components.readiness import NotReadyError, ReadyCount, wait_ready
from components.smoke.chat import SmokeFailure, chat, generate, percentile
from components.smoke.resource import examples

URL = "http://svc/v1/chat/completions"
GOOD = {"id": "x", "created": 1, "model": "m", "system_fingerprint": "3.3.0-sha-abc",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi there"}, "finish_reason": "length"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}


def run(response: httpx.Response, stream: bool = False) -> Any:
    with httpx.Client(transport=httpx.MockTransport(lambda r: response)) as c:
        return chat(c, URL, {"messages": [], "max_tokens": 4, "stream": stream}, {})


def test_good_answer() -> None:
    m = run(httpx.Response(200, json=GOOD))
    assert m.completion_tokens == 2 and m.text == "hi there" and not m.stream


@pytest.mark.parametrize("body,message", [
    ({"oops": 1}, "is not a chat completion"),
    ({**GOOD, "choices": [{"index": 0, "message": {"role": "assistant", "content": ""}, "finish_reason": "length"}]},
     "has no content"),
    ({**GOOD, "usage": None}, "is not a chat completion.*usage"),
    ({k: v for k, v in GOOD.items() if k != "system_fingerprint"}, "is not a chat completion.*system_fingerprint"),
    ({**GOOD, "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 9}}, "usage does not add up"),
    ({**GOOD, "usage": {"prompt_tokens": 3, "completion_tokens": 9, "total_tokens": 12}}, "9 completion tokens"),
])
def test_wrong_answers(body: dict[str, Any], message: str) -> None:
    with pytest.raises(SmokeFailure, match=message):
        run(httpx.Response(200, json=body))


def test_auth_failure_hint() -> None:
    with pytest.raises(SmokeFailure, match="HTTP 401 \\(the gateway wants its auth header\\)"):
        run(httpx.Response(401, text="no"))


def test_stream() -> None:
    chunk = {"id": "x", "created": 1, "model": "m", "system_fingerprint": "f",
             "choices": [{"index": 0, "delta": {"role": "assistant", "content": "tok"}}]}
    body = f"data: {json.dumps(chunk)}\n\ndata: {json.dumps(chunk)}\n\ndata: [DONE]\n\n"
    m = run(httpx.Response(200, text=body, headers={"content-type": "text/event-stream"}), stream=True)
    assert m.stream and m.completion_tokens == 2 and m.text == "toktok" and m.ttft_ms <= m.latency_ms
    with pytest.raises(SmokeFailure, match="did not answer with server-sent events"):
        run(httpx.Response(200, json=GOOD), stream=True)
    with pytest.raises(SmokeFailure, match="carried no content"):
        run(httpx.Response(200, text="data: [DONE]\n\n", headers={"content-type": "text/event-stream"}), stream=True)


def test_an_error_event_inside_the_stream_is_reported_as_such() -> None:
    error = {"error": "Request failed during generation: Server error: CUDA out of memory", "error_type": "generation"}
    body = f"data: {json.dumps(error)}\n\n"
    with pytest.raises(SmokeFailure, match=r"the stream ended with TGI's error \(generation\): Request failed during "
                                           r"generation: Server error: CUDA out of memory"):
        run(httpx.Response(200, text=body, headers={"content-type": "text/event-stream"}), stream=True)


def generate_with(response: httpx.Response) -> Any:
    with httpx.Client(transport=httpx.MockTransport(lambda r: response)) as c:
        return generate(c, "http://svc/generate", "hi", 4, {})


def test_generate_route() -> None:
    details = {"finish_reason": "length", "generated_tokens": 4, "prefill": [], "tokens": []}
    m = generate_with(httpx.Response(200, json={"generated_text": "a b c d", "details": details}))
    assert m.completion_tokens == 4 and m.text == "a b c d"
    with pytest.raises(SmokeFailure, match="is not TGI's GenerateResponse"):
        generate_with(httpx.Response(200, json=[{"generated_text": "x"}]))  # POST /'s shape, not /generate's
    with pytest.raises(SmokeFailure, match="generated_text is empty"):
        generate_with(httpx.Response(200, json={"generated_text": " "}))
    with pytest.raises(SmokeFailure, match="9 completion tokens for max_tokens=4"):
        generate_with(httpx.Response(200, json={"generated_text": "x", "details": {**details, "generated_tokens": 9}}))


def test_percentile() -> None:
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0 and percentile([1.0, 2.0], 95) == 2.0


def test_wait_ready_times_out_with_the_breakdown() -> None:
    class Never:
        def count(self) -> ReadyCount:
            return ReadyCount(1, 3, "1 running, 2 creating")

        def crashes(self) -> str | None:
            return None

    logs: list[str] = []
    with pytest.raises(NotReadyError, match=r"only 1 of the 3 required replicas became ready within 0 s "
                                            r"\(1 running, 2 creating\).*if the model is still downloading"):
        wait_ready(Never(), 3, 0.2, logs.append, poll_s=0.05)
    assert logs and "waiting for 3 ready replica(s)" in logs[0]


OOM = "Container exited with code 1: torch.OutOfMemoryError: CUDA out of memory. m/x needs 272.22 GiB per shard"


def test_crash_looping_replicas_are_named_as_such_not_as_downloading() -> None:
    """Instances that go back to `creating` are restarting containers: the message says they crash, and why."""
    polls = iter([("creating", 1), ("creating", 2), ("running", 3), ("creating", 4)])
    last = ("creating", 4)

    def api(request: httpx.Request) -> httpx.Response:
        nonlocal last
        if request.url.path.endswith("/system-logs"):
            return httpx.Response(200, json={"items": [{
                "event_name": OOM, "event_time": "2026-01-01T00:00:09Z", "resource_cpu": 4,
                "resource_gpu_class": "g", "resource_memory": 30720, "resource_storage_amount": 2**30,
                "version": "1"}]})
        state, second = last = next(polls, last)
        return httpx.Response(200, json={"instances": [{
            "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a", "machine_id": "3c90c3cc-0d44-4b50-8888-8dd25736052b",
            "state": state, "update_time": f"2026-01-01T00:00:0{second}Z", "version": 1, "ready": False}]})

    client = SaladClient("http://api", "org", "proj", "key", transport=httpx.MockTransport(api))
    with pytest.raises(NotReadyError) as info:
        wait_ready(SaladInstances(client, "tgi", version=1), 1, 0.3, lambda _: None, poll_s=0.02)
    msg = str(info.value)
    assert "the replicas' containers keep exiting (2 restart(s) seen; latest system event: " in msg, msg
    assert "CUDA out of memory" in msg and "still downloading" not in msg


def test_examples_never_inline_secrets() -> None:
    curl, py = examples("http://h", "m/x", {"header": "Salad-Api-Key", "env": "SALAD_API_KEY",
                                             "value_hint": "$SALAD_API_KEY"}, {"Host": "g.salad.localhost"})
    assert '-H "Salad-Api-Key: $SALAD_API_KEY"' in curl and "-H 'Host: g.salad.localhost'" in curl
    assert 'os.environ["SALAD_API_KEY"]' in py
