"""Re-records what a real vLLM answers (tests/recorded/vllm-<version>.json) and its spec (contracts/vllm/openapi.json).

Start a real vLLM first, on a tiny local model, as tests/recorded/vllm-0.32.0.json's `_source` says:
    python -m vllm.entrypoints.openai.api_server --model DIR --served-model-name tiny-llama --max-model-len 256 \\
        --api-key sim-key --host 127.0.0.1 --port PORT --dtype bfloat16 --enforce-eager
then: python scripts/record_vllm_answers.py http://127.0.0.1:PORT
The simulated vLLM is held to the answers (tests/contract/test_engine_replicas.py); the CLI cases in the file come
from vLLM's own parser and are kept as they are.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
MODEL, KEY, MAX_MODEL_LEN = "tiny-llama", "sim-key", 256
AUTH = {"Authorization": f"Bearer {KEY}"}
HI = [{"role": "user", "content": "Hello there"}]
LONG = "What is Deep Learning? " * 80  # well over 256 tokens for any tokenizer
CASES: list[tuple[str, str, str, dict[str, str], Any]] = [
    ("chat", "POST", "/v1/chat/completions", AUTH, {"model": MODEL, "messages": HI, "max_tokens": 5}),
    ("chat_no_model", "POST", "/v1/chat/completions", AUTH, {"messages": HI, "max_tokens": 5}),
    ("chat_stream", "POST", "/v1/chat/completions", AUTH, {"model": MODEL, "messages": HI, "max_tokens": 4,
                                                            "stream": True, "stream_options": {"include_usage": True}}),
    ("chat_stream_plain", "POST", "/v1/chat/completions", AUTH, {"model": MODEL, "messages": HI, "max_tokens": 3,
                                                                  "stream": True}),
    ("completion", "POST", "/v1/completions", AUTH, {"model": MODEL, "prompt": "Deep learning is", "max_tokens": 5}),
    ("completion_stream", "POST", "/v1/completions", AUTH, {"model": MODEL, "prompt": "Deep learning is",
                                                             "max_tokens": 3, "stream": True,
                                                             "stream_options": {"include_usage": True}}),
    ("chat_over_max_model_len", "POST", "/v1/chat/completions", AUTH,
     {"model": MODEL, "messages": [{"role": "user", "content": LONG}], "max_tokens": 5}),
    ("completion_over_max_model_len", "POST", "/v1/completions", AUTH, {"model": MODEL, "prompt": LONG,
                                                                         "max_tokens": 5}),
    ("chat_max_tokens_over_context", "POST", "/v1/chat/completions", AUTH, {"model": MODEL, "messages": HI,
                                                                             "max_tokens": 100000}),
    ("chat_bad_json", "POST", "/v1/chat/completions", {**AUTH, "content-type": "application/json"}, '{"model": '),
    ("chat_wrong_type", "POST", "/v1/chat/completions", AUTH, {"model": MODEL, "messages": "hi"}),
    ("chat_missing_messages", "POST", "/v1/chat/completions", AUTH, {"model": MODEL}),
    ("chat_not_json_content_type", "POST", "/v1/chat/completions", {**AUTH, "content-type": "text/plain"}, "{}"),
    ("chat_no_key", "POST", "/v1/chat/completions", {}, {"model": MODEL, "messages": HI}),
    ("chat_wrong_key", "POST", "/v1/chat/completions", {"Authorization": "Bearer nope"}, {"model": MODEL,
                                                                                          "messages": HI}),
    ("chat_unknown_model", "POST", "/v1/chat/completions", AUTH, {"model": "no-such-model", "messages": HI}),
    ("models", "GET", "/v1/models", AUTH, None),
    ("models_no_key", "GET", "/v1/models", {}, None),
    ("health", "GET", "/health", {}, None),
    ("version", "GET", "/version", {}, None),
    ("load", "GET", "/load", {}, None),
    ("unknown_route", "GET", "/v1/nothing", AUTH, None),
    ("unknown_route_open", "GET", "/nothing", {}, None),
    ("wrong_method", "GET", "/v1/chat/completions", AUTH, None),
]


def record(url: str) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
    """Each case's request and answer (status, content type, body or events), the served spec, the version."""
    answers = []
    with httpx.Client(base_url=url, timeout=120) as client:
        for name, method, path, headers, body in CASES:
            content = {"content": body.encode()} if isinstance(body, str) else {"json": body} if body else {}
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
            answers.append(entry)
        return answers, client.get("/openapi.json").json(), client.get("/version").json()["version"]


def main(url: str) -> int:
    """Write the answers beside the parser cases of the same version, and the spec."""
    answers, spec, version = record(url)
    out = ROOT / "tests" / "recorded" / f"vllm-{version}.json"
    doc = json.loads(out.read_text()) if out.exists() else {}
    doc.update(model=MODEL, max_model_len=MAX_MODEL_LEN, api_key=KEY, answers=answers)
    out.write_text(json.dumps(doc, indent=1, ensure_ascii=False))
    (ROOT / "contracts" / "vllm" / "openapi.json").write_text(json.dumps(spec, indent=2))
    print(f"recorded {len(answers)} answers of vLLM {version} to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
