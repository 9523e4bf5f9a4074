"""vLLM's own argument parser accepts the arguments tgi-fleet generates for it (issue #26 items 1, 6).

The parser is vLLM's: `make_arg_parser` and `validate_parsed_serve_args` (vLLM 0.32.0), the ones
`python -m vllm.entrypoints.openai.api_server` and `vllm serve` run, in the engine's own venv (.venv-vllm), through
the session's one parser process (tests/realengine/vllm_args.py); a value it refuses fails the test.
"""

from __future__ import annotations

from typing import Any

from components.engines import registry
from tests.plans import plan_for
from tests.program.harness import stack_config
from tests.realengine.vllm_args import vllm_parse, vllm_parse_all

STACK: dict[str, Any] = {"provider": "salad", "name": "eng", "model": {"id": "mistralai/Mistral-7B-Instruct-v0.3"},
                         "gpu": {"classes": ["RTX 4090 (24 GB)"]}, "gateway": {"auth": True, "port": 8080},
                         "engine": "vllm"}
READ = ("model", "served_model_name", "host", "port", "max_model_len", "max_num_batched_tokens", "max_num_seqs",
        "tensor_parallel_size", "quantization", "dtype")


def argv_of(**overrides: Any) -> list[str]:
    cfg = stack_config(STACK, {"salad_api_key": "k"}, **overrides)
    return list(registry.engine("vllm").launch(cfg, plan_for(cfg), host="::").args)


def seqs_of(argv: list[str]) -> int:
    return int(argv[argv.index("--max-num-seqs") + 1])


def test_vllms_parser_takes_our_arguments() -> None:
    plain = argv_of(serving={"max_total_tokens": 8192, "max_input_tokens": 4096, "max_batch_prefill_tokens": 4096,
                             "max_concurrent_requests": 64})
    quantized = argv_of(model={"id": "TheBloke/Llama-2-13B-chat-GPTQ", "quantize": "gptq"},
                        gpu={"classes": ["RTX 4090 (24 GB)"]})
    first = vllm_parse(plain)
    assert {k: first[k] for k in READ} == {
        "model": "mistralai/Mistral-7B-Instruct-v0.3", "served_model_name": ["mistralai/Mistral-7B-Instruct-v0.3"],
        "host": "::", "port": 8080, "max_model_len": 8192, "max_num_batched_tokens": 4096,
        "max_num_seqs": seqs_of(plain), "tensor_parallel_size": 1, "quantization": None, "dtype": "float16"}
    assert vllm_parse(quantized)["quantization"] == "gptq"


def test_vllms_parser_refuses_what_it_does_not_know() -> None:
    """The check can fail: a dtype outside vLLM's choices is refused by its parser. (Its --quantization takes any
    string at parse time, `QuantizationMethods | str`, and fails only at start: hence the engine's own table.)"""
    argv = argv_of()
    argv[argv.index("--dtype") + 1] = "float8"
    (refused,) = vllm_parse_all([argv])
    assert not refused["ok"] and "float8" in refused["error"]
