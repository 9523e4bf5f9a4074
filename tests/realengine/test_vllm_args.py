"""vLLM's own parser judges argv lists (the engine seam's generated args are checked with it: vllm_parse)."""

from __future__ import annotations

import pytest

from tests.realengine.vllm_args import vllm_parse, vllm_parse_all

# dstack's vLLM service example (dstackai/dstack examples/inference/vllm/README.md @
# 080f2b43fd433d0057ce30e6d5bb0a4223f298b2): `vllm serve $MODEL_ID --max-model-len $MAX_MODEL_LEN
# --tensor-parallel-size $DSTACK_GPUS_NUM`, with MODEL_ID=meta-llama/Meta-Llama-3.1-8B-Instruct, MAX_MODEL_LEN=4096
# and one GPU; the port is the service's `port: 8000`.
DSTACK_EXAMPLE = ["meta-llama/Meta-Llama-3.1-8B-Instruct", "--max-model-len", "4096", "--tensor-parallel-size", "1",
                  "--port", "8000"]


def test_vllm_accepts_dstacks_example_and_reads_its_values() -> None:
    args = vllm_parse(DSTACK_EXAMPLE)
    assert args["model_tag"] == "meta-llama/Meta-Llama-3.1-8B-Instruct"
    assert (args["max_model_len"], args["tensor_parallel_size"], args["port"]) == (4096, 1, 8000)


def test_a_value_vllm_refuses_fails_with_vllms_message() -> None:
    refused, accepted = vllm_parse_all([["--model", "m", "--dtype", "float17"], ["--model", "m", "--dtype", "half"]])
    assert not refused["ok"]
    assert "float17" in refused["error"] and "--dtype" in refused["error"]
    assert accepted["ok"] and accepted["args"]["dtype"] == "half"
    with pytest.raises(pytest.fail.Exception, match="vLLM refuses"):
        vllm_parse(["--model", "m", "--max-num-seqs", "many"])
