"""The engine seam (issue #26 items 1, 3, 7): one module per engine behind one interface, what each provider puts in
the container for it, and the refusals at preview.

Platform facts are cited where they are asserted: vLLM's image ENTRYPOINT and flags (vllm-project/vllm
docker/Dockerfile at 0000977e; vLLM 0.32.0 vllm/engine/arg_utils.py, vllm/entrypoints/launchers/cli_args.py,
vllm/entrypoints/serve/middleware/register.py for VLLM_API_KEY), SGLang's flags (sgl-project/sglang
python/sglang/srt/server_args.py at 001067ff: the flag is the field name, `api_key` has no env var), SaladCloud's
`command` ("override the ENTRYPOINT and CMD of a container image", contracts/salad/salad-cloud.yaml
CreateContainer), Kubernetes' $(VAR) expansion in args (kubernetes.io/docs/tasks/inject-data-application/
define-command-argument-container/#use-environment-variables-to-define-arguments), dstack's vLLM service example
(dstackai/dstack examples/inference/vllm/README.md: `model:` registered, OpenAI API on the service).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest

from components.config import ConfigError
from components.engines import registry
from components.engines.base import Engine, EngineError, Launch
from components.engines.tgi import launcher_env
from components.providers.kubernetes import pod_spec
from components.providers.salad.body import container_group_spec
from components.stack import parse_config
from tests.baseten_cases import raw_config
from tests.plans import contract_for, plan_for
from tests.program.harness import stack_config

ROOT = Path(__file__).resolve().parents[2]
MISTRAL = {"id": "mistralai/Mistral-7B-Instruct-v0.3"}
SALAD: dict[str, Any] = {"provider": "salad", "name": "eng", "model": MISTRAL, "gpu": {"classes": ["RTX 4090 (24 GB)"]},
                         "gateway": {"auth": True, "port": 8080}}
K8S: dict[str, Any] = {"provider": "kubernetes", "name": "eng", "model": MISTRAL, "gpu": {"name": "L4"},
                       "gateway": {"auth": True}, "kubernetes": {"namespace": "llm"}}
SECRET = "sk-engine-test-secret"


def salad_cfg(**overrides: Any) -> Any:
    return stack_config(SALAD, {"salad_api_key": "k"}, **overrides)


# --- the seam itself ----------------------------------------------------------------------------------------------

def test_every_registered_engine_is_one_module_with_its_name() -> None:
    for name, module in registry.ENGINES.items():
        found = importlib.import_module(module).ENGINE
        assert isinstance(found, Engine) and found.name == name
        assert registry.engine(name) is found
    assert set(registry.names()) == {"tgi", "vllm", "sglang", "trt-llm"}


def test_an_unknown_engine_names_the_key() -> None:
    with pytest.raises(ValueError, match=r"tgi-fleet:engine: unknown engine 'x'\. Fix: use one of tgi, vllm"):
        registry.engine("x")
    # In a stack: the registry decides (adding an engine is its module and its registry line, no config change).
    with pytest.raises(ConfigError, match=r"tgi-fleet:engine = \"vlm\": unknown engine 'vlm' \(did you mean "
                                          r"'vllm'\?\)\. Fix: use one of tgi, vllm, sglang, trt-llm\."):
        salad_cfg(engine="vlm")


def test_no_module_outside_the_engines_branches_on_an_engine_name() -> None:
    """`if engine == ...` lives in components/engines/ only: elsewhere the engine is asked, or a table is read."""
    names = set(registry.names())
    offenders = []
    for path in (ROOT / "components").rglob("*.py"):
        if "engines" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare) and any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
                parts = [node.left, *node.comparators]
                texts = [ast.unparse(p) for p in parts]
                if any(isinstance(p, ast.Constant) and p.value in names for p in parts) and any(
                        "engine" in t for t in texts):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    assert offenders == []


def test_tgi_launches_exactly_what_it_deployed_before() -> None:
    """TGI stays byte-for-byte: the image's own launcher, configured by the same env, the same default image."""
    cfg = salad_cfg()
    plan = plan_for(cfg)
    launch = registry.engine("tgi").launch(cfg, plan, host="::")
    assert launch == Launch(env=launcher_env(cfg, plan, hostname="::")) and launch.image_default
    assert registry.engine("tgi").image(cfg) == "ghcr.io/huggingface/text-generation-inference:3.3.0"
    assert cfg.image is None  # the engine's pinned default, unless the stack names one


# --- vLLM ---------------------------------------------------------------------------------------------------------

def vllm_args(**overrides: Any) -> list[str]:
    cfg = salad_cfg(engine="vllm", **overrides)
    return list(registry.engine("vllm").launch(cfg, plan_for(cfg), host="0.0.0.0").args)


def flag(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def test_vllm_args_carry_the_plan() -> None:
    cfg = salad_cfg(engine="vllm", serving={"max_total_tokens": 8192, "max_input_tokens": 4096,
                                            "max_batch_prefill_tokens": 4096, "max_concurrent_requests": 64})
    plan = plan_for(cfg)
    launch = registry.engine("vllm").launch(cfg, plan, host="0.0.0.0")
    # The official image's ENTRYPOINT (vllm-project/vllm docker/Dockerfile, stage vllm-openai).
    assert launch.program == ("python3", "-m", "vllm.entrypoints.openai.api_server")
    args = list(launch.args)
    assert flag(args, "--model") == flag(args, "--served-model-name") == MISTRAL["id"]
    assert flag(args, "--max-model-len") == "8192" and flag(args, "--max-num-batched-tokens") == "4096"
    assert flag(args, "--tensor-parallel-size") == str(plan.num_shard)
    # Every limit the sizing set by vLLM's own rule (components/sizing/engines.py) is launched as it set it.
    assert plan.engine_limits is not None
    assert all(flag(args, name) == value for name, value in plan.engine_limits.flags.items())
    assert flag(args, "--host") == "0.0.0.0" and flag(args, "--port") == "8080"
    assert flag(args, "--dtype") == "float16" and "--quantization" not in args


@pytest.mark.parametrize("quantize,want", [("gptq", "gptq"), ("awq", "awq"), ("fp8", "fp8")])
def test_vllm_quantization_names(quantize: str, want: str) -> None:
    assert registry.engine("vllm").quantization(quantize) == want
    assert registry.engine("sglang").quantization(quantize) == want


@pytest.mark.parametrize("engine", ["vllm", "sglang"])
@pytest.mark.parametrize("quantize", ["eetq", "bitsandbytes", "bitsandbytes-nf4"])
def test_a_quantization_the_engine_lacks_names_the_key_and_the_fix(engine: str, quantize: str) -> None:
    with pytest.raises(EngineError, match=rf"tgi-fleet:model.quantize = '{quantize}': the {engine} engine has no "
                                          r"such method\. Fix: set model.quantize to one of none, gptq, awq, fp8"):
        registry.engine(engine).quantization(quantize)


def test_vllm_reads_its_key_from_the_environment_not_an_argument() -> None:
    """vLLM takes VLLM_API_KEY from the env (register.py): the key never appears among the arguments."""
    vllm = registry.engine("vllm")
    cfg = salad_cfg(engine="vllm")
    launch = vllm.launch(cfg, plan_for(cfg), host="0.0.0.0", api_key=True)
    assert vllm.api_key_env == "VLLM_API_KEY" and launch.secret_args == () and "--api-key" not in launch.args


# --- SGLang -------------------------------------------------------------------------------------------------------

def test_sglang_args_carry_the_plan_and_its_key_only_as_a_reference() -> None:
    cfg = salad_cfg(engine="sglang", serving={"max_total_tokens": 8192, "max_input_tokens": 4096,
                                              "max_batch_prefill_tokens": 4096, "max_concurrent_requests": 64})
    launch = registry.engine("sglang").launch(cfg, plan_for(cfg), host="0.0.0.0", api_key=True)
    args = list(launch.args)
    assert launch.program == ("python3", "-m", "sglang.launch_server")
    assert flag(args, "--model-path") == MISTRAL["id"] and flag(args, "--context-length") == "8192"
    assert flag(args, "--chunked-prefill-size") == "4096"
    limits = plan_for(cfg).engine_limits
    assert limits is not None and all(flag(args, name) == value for name, value in limits.flags.items())
    assert flag(args, "--tp-size") == "1" and flag(args, "--port") == "8080"
    assert launch.secret_args == (("--api-key", "API_KEY"),)
    assert launch.kubernetes_args()[-1] == "--api-key=$(API_KEY)"
    shell = launch.exec_form()
    assert shell[:2] == ["sh", "-c"] and shell[2].endswith(' --api-key="$API_KEY"') and shell[2].startswith("exec ")
    # The shell line splits back into the same words (nothing lost to quoting), the key as a variable.
    assert shlex.split(shell[2].removeprefix("exec "))[:-1] == [*launch.program, *args]


def test_a_key_that_starts_with_a_dash_reaches_the_engine_as_the_flags_value() -> None:
    """A user's key may start with '-' (Python's secrets.token_urlsafe gives one in 32). As its own word after
    --api-key, argparse (SGLang's ServerArgs.add_cli_args: `--api-key`, type=str) takes it for an option and the
    server exits 2, "expected one argument"; `--api-key=KEY` is one word whose value argparse never reads as an
    option (docs.python.org/3/library/argparse.html, "Option value syntax")."""
    launch = Launch(program=("server",), args=("--port", "8080"), secret_args=(("--api-key", "API_KEY"),))
    parser = argparse.ArgumentParser(exit_on_error=False)
    parser.add_argument("--port")
    parser.add_argument("--api-key")
    key = "-Kx3_a-secret"
    # A POSIX shell expands the line (Docker, SaladCloud, dstack): the words the server gets after its program.
    line = launch.shell_line(exec_=False).removeprefix("server ")
    words = subprocess.run(["sh", "-c", f'set -- {line}; printf "%s\\n" "$@"'], env={"API_KEY": key},
                           capture_output=True, text=True, check=True).stdout.splitlines()
    assert parser.parse_args(words).api_key == key
    # Kubernetes replaces $(VAR) inside each argument with the container's variable
    # (kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container).
    assert parser.parse_args([a.replace("$(API_KEY)", key) for a in launch.kubernetes_args()]).api_key == key


def test_trt_llm_launches_nothing_of_ours() -> None:
    cfg = salad_cfg()
    with pytest.raises(EngineError, match="runs on Baseten only"):
        registry.engine("trt-llm").launch(cfg, plan_for(cfg), host="::")


# --- providers: what they put in the container --------------------------------------------------------------------

def test_salad_container_runs_the_engines_command() -> None:
    """SaladCloud's `command` replaces the image's ENTRYPOINT and CMD: vLLM's whole command goes there."""
    from components.providers.salad.body import to_prototype

    cfg = salad_cfg(engine="vllm")
    plan = plan_for(cfg)
    vllm = registry.engine("vllm")
    launch = vllm.launch(cfg, plan, host=vllm.salad_host)
    spec = container_group_spec(cfg, plan, launch.env, image=vllm.image(cfg), command=launch.exec_form(),
                                health_path=vllm.health_path)
    c = spec["container"]
    assert c["image"] == "vllm/vllm-openai:v0.32.0" and c["command"][:3] == ["python3", "-m",
                                                                           "vllm.entrypoints.openai.api_server"]
    assert flag(c["command"], "--host") == "::"  # SaladCloud's gateway reaches containers over IPv6
    assert all(spec[p]["http"]["path"] == "/health" for p in ("readiness_probe", "startup_probe", "liveness_probe"))
    to_prototype(spec, ["ed563892-aacd-40f5-80b7-90c9be6c759b"], {})  # the API's own model accepts it
    tgi = container_group_spec(cfg, plan, launcher_env(cfg, plan))
    assert "command" not in tgi["container"]


def k8s_container(engine: str) -> dict[str, Any]:
    cfg = stack_config(K8S, {"api_key": SECRET}, engine=engine)
    plan = plan_for(cfg)
    launch = registry.engine(engine).launch(cfg, plan, host="0.0.0.0", api_key=True)
    spec = pod_spec(cfg, cfg.settings, plan, launch.env, "eng-secrets", ["HF_TOKEN", "API_KEY"], launch)
    container: dict[str, Any] = spec["containers"][0]
    return container


def test_kubernetes_container_per_engine() -> None:
    tgi = k8s_container("tgi")
    assert "command" not in tgi and "args" not in tgi
    assert {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "eng-secrets", "key": "API_KEY"}}} in tgi["env"]
    vllm = k8s_container("vllm")
    assert vllm["command"] == ["python3", "-m", "vllm.entrypoints.openai.api_server"]
    assert flag(vllm["args"], "--host") == "0.0.0.0"
    # The Secret keeps its API_KEY key (render mode's existing_secret); vLLM reads it as VLLM_API_KEY.
    assert {"name": "VLLM_API_KEY", "valueFrom": {"secretKeyRef": {"name": "eng-secrets", "key": "API_KEY"}}} in \
        vllm["env"]
    sglang = k8s_container("sglang")
    assert sglang["args"][-1] == "--api-key=$(API_KEY)"
    assert sglang["image"] == "lmsysorg/sglang:v0.5.20"
    for c in (vllm, sglang):
        assert SECRET not in str(c)
        # The model cache where these images download (huggingface_hub's default as root), not TGI's /data.
        assert {"name": "model-cache", "mountPath": "/root/.cache/huggingface"} in c["volumeMounts"]
        assert c["readinessProbe"]["httpGet"]["path"] == "/health"


@pytest.mark.parametrize("engine", ["vllm", "sglang"])
def test_kubernetes_accepts_the_engines_pod(engine: str) -> None:
    """The container's command/args (and the $(API_KEY) reference) in a Deployment Kubernetes' own schema takes."""
    import kubernetes_validate

    cfg = stack_config(K8S, {"api_key": SECRET}, engine=engine)
    plan = plan_for(cfg)
    launch = registry.engine(engine).launch(cfg, plan, host="0.0.0.0", api_key=True)
    pod = pod_spec(cfg, cfg.settings, plan, launch.env, "eng-secrets", ["HF_TOKEN", "API_KEY"], launch)
    pod = {k: v for k, v in pod.items() if v is not None}
    labels = {"app": "eng"}
    kubernetes_validate.validate({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "eng"},
                                  "spec": {"selector": {"matchLabels": labels},
                                           "template": {"metadata": {"labels": labels}, "spec": pod}}},
                                 "1.30.0", strict=True)  # the schema version tests/engine/test_kubernetes.py uses


def test_the_contract_carries_the_engine_and_its_image() -> None:
    for engine, image in (("tgi", "ghcr.io/huggingface/text-generation-inference:3.3.0"),
                          ("vllm", "vllm/vllm-openai:v0.32.0"), ("sglang", "lmsysorg/sglang:v0.5.20")):
        cfg = salad_cfg(engine=engine)
        contract = contract_for(cfg, plan_for(cfg), plain_env={}, secret_env=[])
        assert contract.engine == engine and contract.image == image


@pytest.mark.parametrize("stack,engine", [("k8s-prod", "vllm"), ("docker-gpu", "sglang"), ("dstack-vllm", "vllm"),
                                          ("baseten-mixtral", "trt-llm"), ("baseten-mistral", "tgi")])
def test_every_provider_puts_the_engine_in_the_contract(stack: str, engine: str) -> None:
    cfg = parse_config(*raw_config(stack, engine=engine))
    assert contract_for(cfg, plan_for(cfg), plain_env={}, secret_env=[]).engine == engine


# --- refusals at preview ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("provider", ["salad", "kubernetes"])
def test_trt_llm_off_baseten_is_refused_naming_the_key_and_the_fix(provider: str) -> None:
    base = SALAD if provider == "salad" else K8S
    with pytest.raises(ConfigError) as info:
        stack_config(base, {"salad_api_key": "k"} if provider == "salad" else {}, engine="trt-llm")
    assert (f"tgi-fleet:engine = 'trt-llm': the {provider} provider cannot run it. Fix: set tgi-fleet:engine to one "
            f"of tgi, vllm, sglang") in str(info.value)


def test_the_old_baseten_engine_key_names_the_new_one() -> None:
    raw, secret = raw_config("baseten-mixtral", baseten={"engine": "trt-llm"})
    with pytest.raises(ConfigError) as info:
        parse_config(raw, secret)
    assert re.search(r"tgi-fleet:baseten.engine = 'trt-llm' is no longer read: the engine is the top-level key "
                     r"tgi-fleet:engine now, for every provider\. Fix: remove baseten.engine and set "
                     r"tgi-fleet:engine: trt-llm", str(info.value))


def test_baseten_engines_through_the_new_key() -> None:
    from components.providers.baseten.truss import truss_config

    for stack, key in (("baseten-mistral", "model_metadata"), ("baseten-mixtral", "trt_llm")):
        cfg = parse_config(*raw_config(stack))
        assert key in truss_config(cfg, plan_for(cfg), cfg.settings, with_token=True)
    assert parse_config(*raw_config("baseten-mixtral")).engine == "trt-llm"


# --- the stacks ---------------------------------------------------------------------------------------------------

def test_local_vllm_stack_is_the_tiny_model_on_vllm() -> None:
    cfg = parse_config(*raw_config("local-vllm"))
    assert cfg.engine == "vllm" and cfg.model.id == "tgi-fleet/tiny-llama" and cfg.image is None
    plan = plan_for(cfg)
    arch = plan.arch
    # The committed config.json the tests build the model from (LlamaConfig as the brief gives it).
    assert (arch.hidden_size, arch.num_hidden_layers, arch.num_attention_heads, arch.num_key_value_heads) == \
        (256, 2, 4, 2)
    assert plan.fits and plan.max_total_tokens == 1024


def test_salad_vllm_stack_is_seed_000s_model_on_vllm() -> None:
    cfg = parse_config(*raw_config("salad-vllm"))
    assert (cfg.provider, cfg.engine, cfg.model.id) == ("salad", "vllm", "mistralai/Mistral-7B-Instruct-v0.3")
    assert cfg.smoke.requests[0].body["model"] == cfg.model.id  # vLLM checks the model name


def test_dstack_vllm_stack_follows_dstacks_example() -> None:
    from components.providers.dstack.validate import check
    from tests.dstack_cases import service_conf

    conf = service_conf("dstack-vllm")
    parsed = check(conf, ["hf_token"])  # dstack's own configuration models and interpolator accept it
    assert (parsed.model.type, parsed.model.format, parsed.model.name) == ("chat", "openai",
                                                                           "meta-llama/Llama-3.1-8B-Instruct")
    assert conf["image"] == "vllm/vllm-openai:v0.32.0" and conf["port"] == 8000
    assert conf["model"] == {"type": "chat", "name": "meta-llama/Llama-3.1-8B-Instruct", "format": "openai",
                             "prefix": "/v1"}
    (command,) = conf["commands"]
    words = shlex.split(command)
    assert words[:3] == ["python3", "-m", "vllm.entrypoints.openai.api_server"]
    assert flag(words, "--max-model-len") == "4096" and flag(words, "--port") == "8000"
    assert conf["probes"][0]["url"] == "/health"


def test_dstack_tgi_mapping_is_refused_for_an_openai_engine() -> None:
    from components.providers.dstack.service_config import ServiceConfigError
    from tests.dstack_cases import service_conf

    with pytest.raises(ServiceConfigError, match=r"tgi-fleet:dstack\.model_format = 'tgi' maps chat to TGI's own API, "
                                                 r"which the vllm engine does not serve"):
        service_conf("dstack-vllm", model_format="tgi")


# --- start-up failure lines (for the crash-loop message) ----------------------------------------------------------

VLLM_LOG = [
    "INFO 12-07 05:00:00 [core.py:93] Initializing a V1 LLM engine (v0.32.0)",
    "ValueError: To serve at least one request with the model's max seq len (32768), (4.00 GiB KV cache is needed, "
    "which is larger than the available KV cache memory (1.5 GiB). Try increasing `gpu_memory_utilization` ...",
    "RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}",
]


def test_each_engine_names_its_start_up_failure() -> None:
    """The lines as the engines write them: vLLM 0.32 v1/core/kv_cache_utils.py and v1/engine/utils.py; TGI's
    launcher ends with `Error: ShardCannotStart` (launcher/src/main.rs LauncherError)."""
    vllm = registry.engine("vllm")
    assert vllm.startup_failure(VLLM_LOG) == VLLM_LOG[1]  # the root cause, not the generic last line
    assert vllm.startup_failure(VLLM_LOG[2:]) == VLLM_LOG[2]
    assert vllm.startup_failure(VLLM_LOG[:1]) is None
    tgi = registry.engine("tgi")
    assert tgi.startup_failure(["2026-12-07T05:00:00Z INFO text_generation_launcher: Starting shard",
                                "Error: ShardCannotStart"]) == "Error: ShardCannotStart"
