"""The emulated TGI decides out-of-memory by TGI's own start-up rule, from the Hub's figures, never from
tgi-fleet's sizing (issue #24 item 4): otherwise the emulator could never catch an error in that estimate.

TGI's rule (text-generation-inference v3): the weights load first (torch.OutOfMemoryError when they do not fit);
warm-up turns the memory left, times TGI_WIGGLE_ROOM (0.90, models/globals.py), into KV blocks of
num_layers * BLOCK_SIZE * num_kv_heads * head_size * 2 * dtype_size bytes (models/flash_causal_lm.py, warmup);
the router refuses max_total_tokens above the blocks' tokens (backends/v3/src/lib.rs: "Not enough memory to
handle `max_total_tokens={0}`").
"""

from __future__ import annotations

import ast
from pathlib import Path

from emulator.replica.warmup import BLOCK_SIZE, CUDA_CONTEXT_BYTES, warm_up

ROOT = Path(__file__).resolve().parents[2]
GIB = 2**30
MISTRAL = "mistralai/Mistral-7B-Instruct-v0.3"  # 7.25B params (its Hub page); 32 layers, 8 KV heads of 128


# The models generated from the platforms' own specs (SaladCloud's, TGI's) are the one part of tgi-fleet an emulator
# may share: they are the spec, not our reading of it.
GENERATED_FROM_SPECS = ("components.providers.salad.api_models", "components.tgi_api")


def test_no_emulator_module_imports_tgi_fleets_code_beyond_the_specs_models() -> None:
    for path in sorted((ROOT / "emulator").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                # Our sizing, catalogs (GPU memory too), defaults and request builders would let the emulator agree
                # with us where we are wrong: what a model needs is TGI's to decide, what a GPU has the platform's.
                assert not name.startswith("components") or name.startswith(GENERATED_FROM_SPECS), (path, name)


def test_seed_000s_mistral_loads_on_an_rtx_4090() -> None:
    """SaladCloud's TGI recipe (seed 000) serves Mistral-7B in fp16 on one RTX 4090 (24 GB)."""
    verdict = warm_up(MISTRAL, "float16", "none", 1, 4096, 24 * GIB)
    assert verdict is not None and verdict.error is None
    # TGI's own arithmetic, by hand: what is left after the weights, in 16-token blocks of 32*16*8*128*2*2 bytes.
    left = 24 * GIB - CUDA_CONTEXT_BYTES - 7.25e9 * 2
    assert verdict.kv_tokens == int(left * 0.90 // (32 * BLOCK_SIZE * 8 * 128 * 2 * 2)) * BLOCK_SIZE


def test_weights_that_do_not_fit_fail_at_load() -> None:
    verdict = warm_up(MISTRAL, "float16", "none", 1, 4096, 12 * GIB)
    assert verdict is not None and verdict.error is not None
    assert verdict.error.startswith("torch.OutOfMemoryError: CUDA out of memory") and "12.00 GiB" in verdict.error
    # eetq halves the weights: they load on the same card.
    eetq = warm_up(MISTRAL, "float16", "eetq", 1, 4096, 12 * GIB)
    assert eetq is not None and eetq.error is None


def test_a_context_the_kv_cache_cannot_hold_is_refused_by_the_router() -> None:
    """The weights load on a 16 GB card, but 32,768 tokens of KV do not fit what is left: TGI's router refuses."""
    verdict = warm_up(MISTRAL, "float16", "none", 1, 32768, 16 * GIB)
    assert verdict is not None and verdict.error is not None
    assert "Not enough memory to handle `max_total_tokens=32768`" in verdict.error
    assert 0 < verdict.kv_tokens < 32768
    fits = warm_up(MISTRAL, "float16", "none", 1, 8192, 16 * GIB)
    assert fits is not None and fits.error is None


def test_sharding_splits_the_weights_and_the_kv_heads() -> None:
    """Mixtral-8x22B (141B params) in int8 weights: 70.5 GB a shard on two 40 GB A100s, 35 GB on four."""
    two = warm_up("mistralai/Mixtral-8x22B-Instruct-v0.1", "float16", "eetq", 2, 4096, 40 * GIB)
    assert two is not None and two.error is not None and "CUDA out of memory" in two.error
    four = warm_up("mistralai/Mixtral-8x22B-Instruct-v0.1", "float16", "eetq", 4, 4096, 40 * GIB)
    assert four is not None and four.error is None


def test_a_model_the_emulated_hub_does_not_know_is_not_judged() -> None:
    assert warm_up("someone/unknown-model", "float16", "none", 1, 4096, 24 * GIB) is None
