"""vLLM and SGLang on Baseten (issue #26 item 3): the stack's engine becomes a `docker_server` truss, under Pulumi
mocks, as the engine module launches it.

What Baseten runs is held to truss-examples' vLLM truss for Mistral 7B Instruct (basetenlabs/truss-examples
lora/vllm-lora/config.yaml, commit 542601251e85a157b362528b3c7c357f38fda80e): the engine's own image as
base_image, its command line as docker_server.start_command under `sh -c "HF_TOKEN=$(cat
/secrets/hf_access_token) ..."`, server_port the port the command binds, readiness and liveness on /health,
predict_endpoint /v1/chat/completions and model_metadata.example_model_input an OpenAI chat request naming the
served model; the HF token is the truss secret hf_access_token (docs.baseten.co/development/model/secrets),
never a plain value. truss's own TrussConfig model (strict, as `truss push` is) takes the result.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from truss.base.truss_config import TrussConfig

from components.config import ConfigError
from components.engines.registry import engine as engine_named
from components.errors import UserError
from components.providers.baseten.component import server_of
from components.providers.baseten.truss import config_yaml, truss_config
from tests.baseten_cases import ROOT
from tests.plans import plan_for
from tests.program.harness import Recorder, build_service, is_secret, stack_config, unwrap

HF, KEY = "hf_baseten_engine_token", "baseten-test-key"
MODEL = "mistralai/Mistral-7B-Instruct-v0.1"  # seed 001's model
BASETEN: dict[str, Any] = {"provider": "baseten", "name": "engine-b", "model": {"id": MODEL},
                           "gpu": {"classes": ["A10G"]}, "serving": {"max_total_tokens": 8192}}


@pytest.fixture
def recorder() -> Recorder:
    rec = Recorder()
    pulumi.runtime.set_mocks(rec, project="tgi-fleet", stack="test", preview=False)
    return rec


@pytest.mark.parametrize("engine", ["vllm", "sglang"])
def test_preview_takes_vllm_and_sglang_on_baseten(engine: str) -> None:
    """Before: refused at preview ('the baseten provider does not deploy vllm yet')."""
    cfg = stack_config(BASETEN, {"baseten_api_key": KEY, "hf_token": HF}, engine=engine)
    assert cfg.engine == engine and cfg.provider == "baseten"


def test_an_engine_baseten_cannot_run_is_still_refused_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"tgi-fleet:engine"):
        stack_config(BASETEN, {"baseten_api_key": KEY, "hf_token": HF}, engine="nope")


@pytest.mark.parametrize("engine", ["vllm", "sglang"])
def test_the_truss_names_the_secret_and_truss_takes_it(engine: str) -> None:
    cfg = stack_config(BASETEN, {"baseten_api_key": KEY, "hf_token": HF}, engine=engine)
    plan = plan_for(cfg)
    truss = truss_config(cfg, plan, cfg.settings, with_token=True, server=server_of(cfg, plan))
    assert truss["secrets"] == {"hf_access_token": None}  # a reference; Baseten holds the value
    TrussConfig.model_validate(yaml.safe_load(config_yaml(truss)), context={"forbid_extra": True})


def test_make_truss_writes_the_vllm_stacks_docker_server_truss(tmp_path: Path) -> None:
    """`make truss STACK=baseten-vllm` (python -m components.providers.baseten truss): config.yaml only, as
    truss-examples' docker_server trusses are; before, it had no truss for engine vllm (a KeyError)."""
    out = subprocess.run([sys.executable, "-m", "components.providers.baseten", "truss", "baseten-vllm",
                          str(tmp_path / "out")], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["config.yaml"]
    written = yaml.safe_load((tmp_path / "out" / "config.yaml").read_text())
    assert written["base_image"] == {"image": engine_named("vllm").default_image}
    assert written["secrets"] == {"hf_access_token": None}
    assert "vllm.entrypoints.openai.api_server --model mistralai/Mistral-7B-Instruct-v0.1" in \
        written["docker_server"]["start_command"]
    TrussConfig.model_validate(written, context={"forbid_extra": True})


def test_gateway_port_8080_is_refused_naming_the_key() -> None:
    # docs.baseten.co/development/model/custom-server: "If your server binds to port 8080, the deployment fails
    # with [Errno 98] address already in use" (truss's nginx listens there).
    cfg = stack_config(BASETEN, {"baseten_api_key": KEY, "hf_token": HF}, engine="vllm", gateway={"port": 8080})
    with pytest.raises(UserError, match=r"tgi-fleet:gateway.port = 8080: .* Fix: set tgi-fleet:gateway.port"):
        server_of(cfg, plan_for(cfg))


def server_truss(recorder: Recorder, engine: str, **overrides: Any) -> tuple[dict[str, Any], Any]:
    cfg = stack_config(BASETEN, {"baseten_api_key": KEY, "hf_token": HF}, engine=engine, **overrides)
    service = build_service(cfg)
    return cfg, service.outputs


def start_words(truss: dict[str, Any]) -> list[str]:
    """The server's argv as sh would run it: `sh -c "HF_TOKEN=$(cat /secrets/hf_access_token) exec prog args"`."""
    outer = shlex.split(truss["docker_server"]["start_command"])
    assert outer[:2] == ["sh", "-c"], outer
    words = shlex.split(outer[2])
    assert words[0] == "HF_TOKEN=$(cat /secrets/hf_access_token)", words
    return words[2:] if words[1] == "exec" else words[1:]


def check_truss(recorder: Recorder, engine: str, truss: dict[str, Any], model: dict[str, Any]) -> list[str]:
    """What truss-examples' vLLM truss has (the model resource's input: Pulumi drops the secrets' null values)."""
    eng = engine_named(engine)
    assert truss["base_image"] == {"image": eng.default_image}
    server = truss["docker_server"]
    assert server["readiness_endpoint"] == server["liveness_endpoint"] == "/health"
    assert server["predict_endpoint"] == "/v1/chat/completions"
    assert "model_class_filename" not in truss
    assert HF not in json.dumps(truss) and is_secret(model["hf_token"]) and unwrap(model["hf_token"]) == HF
    words = start_words(truss)
    # tgi-fleet:gateway.port (Pulumi hands the resource its numbers as floats)
    assert words[words.index("--port") + 1] == "3000" and int(server["server_port"]) == 3000
    example = truss["model_metadata"]["example_model_input"]
    assert example["model"] == MODEL and example["messages"][0]["role"] == "user"
    contract = recorder.of_type("tgi-fleet:index:TgiService")[0]
    assert contract["engine"] == engine and contract["image"] == eng.default_image
    assert contract["secret_env"] == ["HF_TOKEN"]
    return words


@pulumi.runtime.test
def test_vllm_on_baseten_is_truss_examples_vllm_docker_server_truss(recorder: Recorder) -> Any:
    _, out = server_truss(recorder, "vllm")

    def check(args: list[Any]) -> None:
        probes, tgi_routes = args
        (model,) = recorder.of_type("pulumi-python:dynamic:Resource")
        words = check_truss(recorder, "vllm", model["truss"], model)
        assert words[:3] == ["python3", "-m", "vllm.entrypoints.openai.api_server"]
        assert words[words.index("--model") + 1] == MODEL
        assert words[words.index("--served-model-name") + 1] == MODEL
        assert words[words.index("--host") + 1] == "127.0.0.1"  # truss's nginx proxies to 127.0.0.1 (proxy.conf.jinja)
        assert words[words.index("--max-model-len") + 1] == "8192"
        assert "--api-key" not in words  # Baseten's Api-Key gates the model; no second key inside
        (predict,) = probes
        assert predict["body"]["model"] == MODEL and predict["body"]["stream"] is False
        # The engine's own /v1/completions is reachable through the sync URL (nginx forwards other paths as is).
        assert tgi_routes is True

    return pulumi.Output.all(out.probes, out.tgi_routes).apply(check)


@pulumi.runtime.test
def test_sglang_on_baseten_runs_launch_server_in_its_image(recorder: Recorder) -> Any:
    _, out = server_truss(recorder, "sglang")

    def check(args: list[Any]) -> None:
        probes, tgi_routes = args
        (model,) = recorder.of_type("pulumi-python:dynamic:Resource")
        # truss-examples custom-server/llama3-8b-instruct-sglang/config.yaml runs `python3 -m sglang.launch_server
        # --model-path ... --port 8000` as its start command.
        words = check_truss(recorder, "sglang", model["truss"], model)
        assert words[:3] == ["python3", "-m", "sglang.launch_server"]
        assert words[words.index("--model-path") + 1] == MODEL
        assert words[words.index("--context-length") + 1] == "8192"
        assert "--api-key" not in words
        (predict,) = probes
        assert predict["body"]["model"] == MODEL
        assert tgi_routes is True  # SGLang's /generate, through the sync URL

    return pulumi.Output.all(out.probes, out.tgi_routes).apply(check)


@pulumi.runtime.test
def test_tgi_on_baseten_stays_the_model_class_truss(recorder: Recorder) -> Any:
    _, out = server_truss(recorder, "tgi")

    def check(_: Any) -> None:
        (model,) = recorder.of_type("pulumi-python:dynamic:Resource")
        assert "docker_server" not in model["truss"] and "tgi" in model["truss"]["model_metadata"]
        assert out.tgi_routes is False  # its truss server serves no engine route under the sync URL

    return pulumi.Output.from_input(out.probes).apply(check)
