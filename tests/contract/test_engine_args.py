"""vLLM's own argument parser accepts the arguments tgi-fleet generates for it (issue #26 items 1, 6).

The parser is vLLM's: `vllm.entrypoints.launchers.cli_args.make_arg_parser` and `validate_parsed_serve_args`
(vLLM 0.32.0), the ones `python -m vllm.entrypoints.openai.api_server` and `vllm serve` run, in the engine's own
venv (.venv-vllm, `scripts/setup.sh vllm`); a value it refuses fails the test. Skipped where that venv is absent.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from components.engines import registry
from tests.plans import plan_for
from tests.program.harness import stack_config

ROOT = Path(__file__).resolve().parents[2]
VLLM_PYTHON = ROOT / ".venv-vllm" / "bin" / "python"

PARSE = """
import json, sys
from vllm.entrypoints.launchers.cli_args import make_arg_parser, validate_parsed_serve_args
from vllm.utils.argparse_utils import FlexibleArgumentParser
for argv in json.loads(sys.argv[1]):
    args = make_arg_parser(FlexibleArgumentParser()).parse_args(argv)
    validate_parsed_serve_args(args)
    print(json.dumps({k: getattr(args, k) for k in ("model", "served_model_name", "host", "port", "max_model_len",
                                                     "max_num_batched_tokens", "max_num_seqs",
                                                     "tensor_parallel_size", "quantization", "dtype")}))
"""

STACK: dict[str, Any] = {"provider": "salad", "name": "eng", "model": {"id": "mistralai/Mistral-7B-Instruct-v0.3"},
                         "gpu": {"classes": ["RTX 4090 (24 GB)"]}, "gateway": {"auth": True, "port": 8080},
                         "engine": "vllm"}


def argv_of(**overrides: Any) -> list[str]:
    cfg = stack_config(STACK, {"salad_api_key": "k"}, **overrides)
    return list(registry.engine("vllm").launch(cfg, plan_for(cfg), host="::").args)


def seqs_of(argv: list[str]) -> int:
    return int(argv[argv.index("--max-num-seqs") + 1])


def parse(*argvs: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VLLM_PYTHON), "-c", PARSE, json.dumps(argvs)], capture_output=True, text=True,
                          timeout=300)


@pytest.mark.skipif(not VLLM_PYTHON.exists(), reason="no vLLM venv (.venv-vllm: scripts/setup.sh vllm)")
def test_vllms_parser_takes_our_arguments() -> None:
    plain = argv_of(serving={"max_total_tokens": 8192, "max_input_tokens": 4096, "max_batch_prefill_tokens": 4096,
                             "max_concurrent_requests": 64})
    quantized = argv_of(model={"id": "TheBloke/Llama-2-13B-chat-GPTQ", "quantize": "gptq"},
                        gpu={"classes": ["RTX 4090 (24 GB)"]})
    out = parse(plain, quantized)
    assert out.returncode == 0, out.stderr[-2000:]
    first, second = (json.loads(line) for line in out.stdout.strip().splitlines()[-2:])
    assert first == {"model": "mistralai/Mistral-7B-Instruct-v0.3",
                     "served_model_name": ["mistralai/Mistral-7B-Instruct-v0.3"], "host": "::", "port": 8080,
                     "max_model_len": 8192, "max_num_batched_tokens": 4096, "max_num_seqs": seqs_of(plain),
                     "tensor_parallel_size": 1, "quantization": None, "dtype": "float16"}
    assert second["quantization"] == "gptq"


@pytest.mark.skipif(not VLLM_PYTHON.exists(), reason="no vLLM venv (.venv-vllm: scripts/setup.sh vllm)")
def test_vllms_parser_refuses_what_it_does_not_know() -> None:
    """The check can fail: a dtype outside vLLM's choices is refused by its parser. (Its --quantization takes any
    string at parse time, `QuantizationMethods | str`, and fails only at start: hence the engine's own table.)"""
    argv = argv_of()
    argv[argv.index("--dtype") + 1] = "float8"
    out = parse(argv)
    assert out.returncode != 0 and "float8" in out.stderr
