"""Baseten truss generation: the seeds' hardware verdicts from the sizing model, and configs truss itself accepts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from baseten.client.modelconfig import ModelConfig
from truss.base.trt_llm_config import TrussTRTLLMQuantizationType
from truss.base.truss_config import Accelerator, AcceleratorSpec, TrussConfig

from components.catalog.gpus import load_catalog
from components.errors import UserError
from components.providers.baseten.truss import (
    ACCELERATORS,
    HF_SECRET,
    TRT_QUANTIZATION,
    TrussError,
    config_yaml,
    read_archive_config,
    truss_archive,
    truss_config,
    write_truss,
)
from components.sizing.recommend import DEFAULT_TOTAL_TOKENS
from tests.baseten_cases import load

TRUSS = Path(sys.executable).with_name("truss")
ROOT = Path(__file__).resolve().parents[2]


def validate(config: dict[str, Any]) -> TrussConfig:
    """truss's own model, strict about unknown keys as `truss push` is; the YAML text is what is parsed."""
    raw = yaml.safe_load(config_yaml(config))
    strict = TrussConfig.model_validate(raw, context={"forbid_extra": True})
    ModelConfig.model_validate(raw)  # and the SDK's model generated from the same schema
    return strict


# -- the sizing's verdicts on the seeds' hardware --------------------------------------------------------------
def test_mistral_7b_fp16_fits_one_a10g_with_room_for_the_seeds_4096_new_tokens() -> None:
    # Seed 001 (truss-examples mistral/mistral-7b/README.md): max_new_tokens "Maximum of 4096", on top of the
    # prompt; TGI refuses input + max_new_tokens > max_total_tokens, so the plan must leave 4096 past the input.
    _, _, plan = load("baseten-mistral")
    assert plan.dtype == "float16" and plan.quantize == "none"
    assert plan.gpu is not None and plan.gpu.name == "A10G" and plan.gpu.count == 1
    assert plan.max_total_tokens - plan.max_input_tokens >= 4096 and plan.num_shard == 1
    assert plan.max_total_tokens > DEFAULT_TOTAL_TOKENS
    assert plan.fits and plan.memory.min_vram_bytes <= plan.gpu.gpu.vram_bytes


def test_mixtral_8x22b_int8_fits_the_seeds_four_a100s_at_its_engine_limits() -> None:
    # Seed 004 (truss-examples mistral/mixtral-8x22b-trt-int8-weights-only/config.yaml): accelerator A100:4, and
    # the engine it loads, engine_repository ...mixtral-8x22B_i60000_o4000_bs2_tp4_int8_weights_only_A100...,
    # takes 60,000 input and 4,000 output tokens with tensor parallelism 4.
    cfg, settings, plan = load("baseten-mixtral")
    assert plan.quantize == "eetq" and plan.gpu is not None and plan.gpu.name == "A100:4"
    assert plan.fits and plan.num_shard == 4
    assert (plan.max_input_tokens, plan.max_total_tokens) == (60000, 64000)
    runtime = truss_config(cfg, plan, settings, with_token=True)["trt_llm"]["runtime"]
    assert runtime["max_seq_len"] == 64000 and runtime["tensor_parallel_size"] == 4
    assert not load("baseten-mixtral", gpu={"classes": ["A100_40GB:4"]})[2].fits


def test_on_40gb_a100s_only_the_int8_variant_fits_four_at_4096_tokens() -> None:
    small = {"gpu": {"classes": ["A100_40GB:4"]}, "serving": {"max_total_tokens": 4096}}
    int8 = load("baseten-mixtral", **small)[2]
    fp16 = load("baseten-mixtral", model={"id": "mistralai/Mixtral-8x22B-Instruct-v0.1"}, **small)[2]
    assert int8.fits and not fp16.fits
    assert fp16.num_shard == 4  # even spread over all four GPUs, fp16 weights alone exceed 40 GB each
    assert fp16.memory.weights_bytes_per_shard > fp16.gpu.gpu.vram_bytes  # type: ignore[union-attr]


# -- engine tgi ------------------------------------------------------------------------------------------------
def flags(args: list[str]) -> dict[str, str]:
    return dict(zip(args[::2], args[1::2], strict=True))


def test_tgi_truss_runs_tgis_image_with_a_model_class() -> None:
    # A truss without docker_server or trt_llm is served by truss's own server, which loads the model class
    # from model/model.py (truss_config.py: model_module_dir "model", model_class_filename "model.py",
    # model_class_name "Model"); base_image.image is the image it runs on, python3 from its PATH.
    cfg, settings, plan = load("baseten-mistral")
    config = truss_config(cfg, plan, settings, with_token=True)
    truss = validate(config)
    assert truss.base_image is not None and truss.base_image.image == cfg.image
    assert truss.base_image.python_executable_path == ""
    assert truss.docker_server is None and truss.trt_llm is None
    assert (truss.model_module_dir, truss.model_class_filename, truss.model_class_name) == ("model", "model.py",
                                                                                           "Model")
    assert truss.resources.accelerator.accelerator == Accelerator.A10G and truss.resources.accelerator.count == 1
    assert truss.secrets == {HF_SECRET: None}
    tgi = truss.model_metadata["tgi"]
    assert flags(tgi["launcher_args"]) == {
        "--model-id": cfg.model.id,
        "--max-input-tokens": str(plan.max_input_tokens), "--max-total-tokens": str(plan.max_total_tokens),
        "--max-batch-prefill-tokens": str(plan.max_batch_prefill_tokens), "--num-shard": str(plan.num_shard),
        "--max-concurrent-requests": str(cfg.serving.max_concurrent_requests),
    }
    # Seed 001's README: max_new_tokens "Maximum of 4096"; the plan leaves room for it (8192 total).
    assert tgi["max_new_tokens"] == 4096 and "max_new_tokens_reason" not in tgi
    assert truss.model_metadata["example_model_input"] == {"prompt": "What is the meaning of life?",
                                                           "max_new_tokens": 4096}
    assert truss.runtime.health_checks.startup_threshold_seconds == plan.startup_budget_s


def test_a_plan_without_room_for_4096_new_tokens_says_so_in_the_truss() -> None:
    cfg, settings, plan = load("baseten-mistral", serving={"max_input_tokens": 2048, "max_total_tokens": 4096})
    tgi = truss_config(cfg, plan, settings, with_token=True)["model_metadata"]["tgi"]
    assert tgi["max_new_tokens"] == 4095
    assert tgi["max_new_tokens_reason"].startswith("tgi-fleet:serving.max_total_tokens is 4096")
    assert "raise it to 6144" in tgi["max_new_tokens_reason"]


def test_public_model_has_no_secret() -> None:
    cfg, settings, plan = load("baseten-mistral")
    truss = validate(truss_config(cfg, plan, settings, with_token=False))
    assert truss.secrets == {}


def test_quantized_and_revised_models_pass_their_flags() -> None:
    cfg, settings, plan = load("baseten-mistral", model={"id": "mistralai/Mistral-7B-Instruct-v0.1",
                                                         "quantize": "eetq", "revision": "main"})
    args = truss_config(cfg, plan, settings, with_token=True)["model_metadata"]["tgi"]["launcher_args"]
    assert flags(args)["--quantize"] == "eetq" and flags(args)["--revision"] == "main" and "--dtype" not in args


def test_a_changed_model_class_is_a_changed_truss(monkeypatch: pytest.MonkeyPatch) -> None:
    from components.providers.baseten import truss as truss_module

    cfg, settings, plan = load("baseten-mistral")
    before = truss_config(cfg, plan, settings, with_token=True)
    monkeypatch.setattr(truss_module, "model_source", lambda: "class Model: ...\n")
    assert truss_config(cfg, plan, settings, with_token=True) != before


def test_truss_image_build_context_renders_the_tgi_truss(tmp_path: Path) -> None:
    cfg, settings, plan = load("baseten-mistral")
    truss_dir = write_truss(tmp_path / "truss", truss_config(cfg, plan, settings, with_token=True))
    out = subprocess.run([str(TRUSS), "image", "build-context", str(tmp_path / "context"), str(truss_dir)],
                         capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stdout + out.stderr
    context = tmp_path / "context"
    dockerfile = (context / "Dockerfile").read_text()
    assert f"FROM {cfg.image} AS truss_server" in dockerfile
    # truss's own inference server is the entrypoint, and it loads the model class truss copied in.
    assert 'ENTRYPOINT ["python3", "/app/main.py"]' in dockerfile and not (context / "proxy.conf").exists()
    assert (context / "model" / "model.py").read_text() == (truss_dir / "model" / "model.py").read_text()


# -- engine trt-llm --------------------------------------------------------------------------------------------
def test_mixtral_trt_llm_truss_follows_the_plan() -> None:
    cfg, settings, plan = load("baseten-mixtral")
    truss = validate(truss_config(cfg, plan, settings, with_token=True))
    assert truss.trt_llm is not None
    trt = truss.trt_llm.root
    assert trt.inference_stack.value == "v2"  # truss: mixture-of-experts models need the v2 stack
    assert trt.build.base_model.value == "decoder"
    assert trt.build.quantization_type == TrussTRTLLMQuantizationType.WEIGHTS_ONLY_INT8
    repo = trt.build.checkpoint_repository
    assert repo is not None and (repo.source.value, repo.repo, repo.runtime_secret_name) == (
        "HF", cfg.model.id, HF_SECRET)
    assert trt.runtime.tensor_parallel_size == plan.num_shard == 4  # type: ignore[union-attr]
    assert trt.runtime.max_seq_len == plan.max_total_tokens  # type: ignore[union-attr]
    assert str(truss.resources.accelerator.accelerator.value) == "A100"  # type: ignore[union-attr]
    assert truss.resources.accelerator.count == 4
    assert truss.model_metadata["tags"] == ["openai-compatible"]


def test_dense_model_on_trt_llm_uses_the_v1_build_section() -> None:
    cfg, settings, plan = load("baseten-mistral", engine="trt-llm")
    truss = validate(truss_config(cfg, plan, settings, with_token=True))
    assert truss.trt_llm is not None
    build = truss.trt_llm.root.build
    assert truss.trt_llm.root.inference_stack.value == "v1"
    assert (build.tensor_parallel_count, build.max_seq_len) == (plan.num_shard, plan.max_total_tokens)
    assert build.quantization_type == TrussTRTLLMQuantizationType.NO_QUANT


def test_tensor_parallelism_must_use_every_gpu_as_truss_demands() -> None:
    cfg, settings, plan = load("baseten-mistral", gpu={"classes": ["A100:2"]},
                               serving={"num_shard": 1}, engine="trt-llm")
    config = truss_config(cfg, plan, settings, with_token=True)
    with pytest.raises(ValueError, match="Tensor parallelism and GPU count must be the same"):
        validate(config)


@pytest.mark.parametrize(("quantize", "message"), [
    ("awq", r"tgi-fleet:model.quantize = 'awq': Baseten's TensorRT-LLM engine .* has no such quantization"),
    ("fp8", r"tgi-fleet:model.quantize = 'fp8': truss refuses fp8 on A100:4 \(compute capability 8 < 8.9\)"),
])
def test_trt_llm_refuses_quantizations_truss_rejects(quantize: str, message: str, tmp_path: Path) -> None:
    # awq needs an AWQ checkpoint, which the plan checks first (issue #27 item 9); the catalog ships none, so the
    # truss check is reached with a stand-in config.json that says AWQ.
    model: dict[str, str] = {"id": "mistralai/Mixtral-8x22B-Instruct-v0.1", "quantize": quantize}
    if quantize == "awq":
        arch = json.loads((ROOT / "components/catalog/models/mistralai--Mixtral-8x22B-Instruct-v0.1.json").read_text())
        path = tmp_path / "awq-config.json"
        path.write_text(json.dumps({**arch, "quantization_config": {"quant_method": "awq", "bits": 4}}))
        model["config_path"] = str(path)
    cfg, settings, plan = load("baseten-mixtral", model=model)
    with pytest.raises(TrussError, match=message):
        truss_config(cfg, plan, settings, with_token=True)


def test_fp8_on_a100_is_what_truss_itself_rejects() -> None:
    cfg, settings, plan = load("baseten-mixtral")
    config = truss_config(cfg, plan, settings, with_token=True)
    config["trt_llm"]["build"]["quantization_type"] = "fp8"
    with pytest.raises(ValueError, match="FP8 quantization is only supported on L4, H100"):
        validate(config)


# -- the data the generator relies on ----------------------------------------------------------------------------
def test_accelerator_names_match_truss() -> None:
    assert set(ACCELERATORS) == {a.value for a in Accelerator if not a.name.startswith("_")}


def test_trt_quantizations_are_in_the_current_truss_schema() -> None:
    assert set(TRT_QUANTIZATION.values()) <= {q.value for q in TrussTRTLLMQuantizationType}


def test_every_baseten_offering_is_a_truss_accelerator_spec() -> None:
    for offering in load_catalog().offerings["baseten"]:
        spec = AcceleratorSpec.model_validate(offering.name)
        assert spec.count == offering.count, offering.name


def test_unknown_accelerator_names_the_key() -> None:
    from components.plan import PlanError

    with pytest.raises(PlanError, match=r"tgi-fleet:gpu.classes\[0\] = 'A10': unknown baseten GPU class"):
        load("baseten-mistral", gpu={"classes": ["A10"]})


def test_archive_is_reproducible_and_carries_the_config() -> None:
    cfg, settings, plan = load("baseten-mistral")
    config = truss_config(cfg, plan, settings, with_token=True)
    assert truss_archive(config) == truss_archive(config)
    assert read_archive_config(truss_archive(config)) == config
    with pytest.raises(ValueError, match="not a truss archive"):
        read_archive_config(b"not a tar")


# -- `make truss STACK=...` and the settings section -----------------------------------------------------------
def test_truss_cli_writes_the_stacks_truss_for_review(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "components.providers.baseten", "truss", "baseten-mixtral",
                          str(tmp_path / "out")], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"truss: {tmp_path / 'out' / 'config.yaml'}"
    written = yaml.safe_load((tmp_path / "out" / "config.yaml").read_text())
    cfg, settings, plan = load("baseten-mixtral")
    assert written == truss_config(cfg, plan, settings, with_token=True)
    assert "v1:" not in (tmp_path / "out" / "config.yaml").read_text()


def test_truss_cli_refuses_other_providers() -> None:
    out = subprocess.run([sys.executable, "-m", "components.providers.baseten", "truss", "local"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 1
    assert out.stderr.strip() == "truss: stack local is not a baseten stack (tgi-fleet:provider)"


def test_baseten_settings_errors_name_the_key_and_the_fix() -> None:
    from components.config import ConfigError
    from components.stack import parse_config
    from tests.baseten_cases import raw_config

    raw, secret = raw_config("baseten-mistral", baseten={"engine": "vllm", "autoscaling": {"concurency_target": 3}})
    # (issue #26 item 1: the engine is tgi-fleet:engine now; the old key's error names it)
    with pytest.raises(ConfigError) as info:
        parse_config(raw, secret)
    text = str(info.value)
    assert "tgi-fleet:baseten.engine = 'vllm' is no longer read: the engine is the top-level key tgi-fleet:engine" \
           " now, for every provider. Fix: remove baseten.engine and set tgi-fleet:engine: vllm" in text
    raw, secret = raw_config("baseten-mistral", baseten={"autoscaling": {"concurency_target": 3}})
    with pytest.raises(ConfigError) as info:
        parse_config(raw, secret)
    text = str(info.value)
    assert "tgi-fleet:baseten.autoscaling.concurency_target: unknown key" in text
    assert "did you mean 'concurrency_target'?" in text


def test_api_key_in_plain_text_is_refused_naming_the_key() -> None:
    from components.config import ConfigError
    from components.stack import parse_config
    from tests.baseten_cases import raw_config

    raw, secret = raw_config("baseten-mistral")
    with pytest.raises(ConfigError, match=r"tgi-fleet:baseten_api_key is set in plain text. Fix: `pulumi config "
                                          r"set --secret baseten_api_key <value>`"):
        parse_config(raw, secret - {"tgi-fleet:baseten_api_key"})


def test_a_local_api_without_a_local_s3_is_refused() -> None:
    from components.config import ConfigError
    from components.stack import parse_config
    from tests.baseten_cases import raw_config, stack_config

    section = {k: v for k, v in stack_config("baseten-mistral")["tgi-fleet:baseten"].items() if k != "s3_endpoint_url"}
    with pytest.raises(ConfigError, match="a local base_url needs s3_endpoint_url"):
        parse_config(*raw_config("baseten-mistral", baseten=section))


def test_max_replica_below_replicas_is_refused_not_raised() -> None:
    # Baseten's autoscaling settings need min_replica <= max_replica (docs.baseten.co, "Autoscaling"); the
    # minimum is tgi-fleet:replicas, so a lower max is the stack's mistake, not something to round up silently.
    cfg, settings, _ = load("baseten-mistral", replicas=3, baseten={"autoscaling": {"max_replica": 2}})
    with pytest.raises(UserError, match=r"baseten\.autoscaling\.max_replica \(2\) is below tgi-fleet:replicas "
                                        r"\(3\).*Fix: set baseten\.autoscaling\.max_replica >= 3"):
        settings.autoscaling_settings(cfg.replicas)
