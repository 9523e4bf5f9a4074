"""An engine's own server image on Baseten: the docker_server truss, held against truss's schema, truss's own
image build and truss-examples' vLLM and SGLang trusses (not against our code).

Sources: basetenlabs/truss truss/base/truss_config.py (class DockerServer), serving_image_builder.py and
templates/docker_server/proxy.conf.jinja at commit 0bee989b9ec85ed9d29374ab4d7e2883e49de87e;
basetenlabs/truss-examples essential/config.yaml (commit 3003cbe5e66cd40e89d625738b5cf78b05b53d09),
lora/vllm-lora/config.yaml (commit 0651efe7cfc003f53a4c984bff9781bcfb1a3778) and
custom-server/llama3-8b-instruct-sglang/config.yaml (commit 48f75a7ee82fbe27c832f07469860950e6da5309);
docs.baseten.co/development/model/secrets and /development/model/custom-server.
"""

from __future__ import annotations

import configparser
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from baseten.client.modelconfig import ModelConfig
from pydantic import ValidationError
from truss.base.truss_config import TrussConfig

from components.errors import UserError
from components.providers.baseten.component import engine_server, predict_body
from components.providers.baseten.docker_server import ServerSpec, start_command
from components.providers.baseten.truss import HF_SECRET, config_yaml, truss_archive, truss_config, write_truss
from tests.baseten_cases import load

TRUSS = Path(sys.executable).with_name("truss")
MODEL = "mistralai/Mistral-7B-Instruct-v0.3"
# A vLLM command line as truss-examples' lora/vllm-lora truss writes it (the program first: truss replaces the
# image's ENTRYPOINT), with values that need quoting on their way through supervisord and sh.
VLLM = ("vllm", "serve", MODEL, "--served-model-name", "mistral", "--max-model-len", "16384", "--port", "8000",
        "--chat-template", "{% for m in messages %}{{ m['content'] }} {% endfor %}",
        "--override-generation-config", '{"temperature": 0.5}')
SGLANG = ("python3", "-m", "sglang.launch_server", "--model-path", MODEL, "--port", "8000")


def validate(config: dict[str, Any]) -> TrussConfig:
    """truss's own model, strict about unknown keys as `truss push` is, and the SDK's generated one."""
    raw = yaml.safe_load(config_yaml(config))
    ModelConfig.model_validate(raw)
    return TrussConfig.model_validate(raw, context={"forbid_extra": True})


def vllm_truss(with_token: bool = True, **override: Any) -> dict[str, Any]:
    cfg, settings, plan = load("baseten-mistral", **override)
    server = engine_server(image="vllm/vllm-openai:v0.12.0", command=VLLM, env={"VLLM_LOGGING_LEVEL": "WARNING"},
                           port=8000, health_path="/health")
    return truss_config(cfg, plan, settings, with_token=with_token, server=server)


def test_vllm_server_truss_is_the_documented_docker_server_truss() -> None:
    truss = validate(vllm_truss())
    # truss-examples' vLLM trusses: the engine's image as base_image, its server on 8000, /health for readiness
    # and liveness, Baseten's /predict on the chat route; the HF token a secret reference (null), never a value.
    assert truss.base_image is not None and truss.base_image.image == "vllm/vllm-openai:v0.12.0"
    server = truss.docker_server
    assert server is not None and server.server_port == 8000
    assert (server.readiness_endpoint, server.liveness_endpoint, server.predict_endpoint) == (
        "/health", "/health", "/v1/chat/completions")
    assert truss.secrets == {HF_SECRET: None}
    assert truss.environment_variables == {"VLLM_LOGGING_LEVEL": "WARNING", "SERVER_ARG_10": VLLM[10]}
    assert truss.trt_llm is None and "openai-compatible" in truss.model_metadata["tags"]
    example = truss.model_metadata["example_model_input"]
    assert example["model"] == "mistral" and example["messages"][0]["role"] == "user"


def test_the_archive_is_config_only_as_truss_examples_docker_server_trusses_are() -> None:
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(truss_archive(vllm_truss()))) as tar:
        assert tar.getnames() == ["config.yaml"]


def run_start_command(config: dict[str, Any], tmp_path: Path, secrets: dict[str, str]) -> dict[str, Any]:
    """Run the start command as truss's image does: supervisord splits it (shlex) and execs the program in the
    container's environment (environment_variables); `cat` of /secrets/<name> reads tmp files (this machine has
    no /secrets), the server prints its argv and HF_TOKEN."""
    bin_dir, secret_dir = tmp_path / "bin", tmp_path / "secrets"
    bin_dir.mkdir()
    secret_dir.mkdir()
    for name, value in secrets.items():
        (secret_dir / name).write_text(value)
    cat = bin_dir / "cat"
    cat.write_text(f'#!/bin/sh\nexec /bin/cat "{secret_dir}/${{1#/secrets/}}"\n')
    server = bin_dir / "vllm"
    server.write_text(f"#!{sys.executable}\nimport json, os, sys\n"
                      f"print(json.dumps({{'argv': sys.argv[1:], 'HF_TOKEN': os.environ.get('HF_TOKEN')}}))\n")
    for path in (cat, server):
        path.chmod(0o755)
    argv = shlex.split(config["docker_server"]["start_command"])
    env = {**os.environ, **config.get("environment_variables", {}), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    out = subprocess.run(argv, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL, env=env)
    assert out.returncode == 0, out.stderr
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def test_the_start_command_runs_the_engines_argv_with_the_token_read_from_the_secret_file(tmp_path: Path) -> None:
    # docs.baseten.co/development/model/secrets: Baseten mounts a truss secret at /secrets/<name> and a start
    # command reads it: sh -c "HF_TOKEN=$(cat /secrets/hf_access_token) my-server --port 8000".
    config = vllm_truss()
    command = config["docker_server"]["start_command"]
    assert command.startswith("sh -c ") and "$(cat /secrets/hf_access_token)" in command
    ran = run_start_command(config, tmp_path, {HF_SECRET: "hf_secret_value"})
    assert ran == {"argv": list(VLLM[1:]), "HF_TOKEN": "hf_secret_value"}
    assert "hf_secret_value" not in config_yaml(config)


def test_a_public_model_runs_the_command_as_is_without_a_shell(tmp_path: Path) -> None:
    # truss-examples essential/config.yaml: `start_command: vllm serve EssentialAI/rnj-1-instruct ... --port 8000`
    # and no secrets.
    cfg, settings, plan = load("baseten-mistral")
    plain = VLLM[:9]  # no word with '%'
    server = engine_server(image="vllm/vllm-openai:v0.12.0", command=plain, env={}, port=8000, health_path="/health")
    config = truss_config(cfg, plan, settings, with_token=False, server=server)
    assert "secrets" not in config and "environment_variables" not in config
    assert shlex.split(config["docker_server"]["start_command"]) == list(plain)
    assert run_start_command(config, tmp_path, {}) == {"argv": list(plain[1:]), "HF_TOKEN": None}


def test_a_word_with_percent_travels_as_env_supervisord_would_expand_it(tmp_path: Path) -> None:
    # truss writes supervisord.conf with configparser (serving_image_builder.py), which refuses a bare '%', and
    # supervisord expands %(ENV_x)s in a command; a Jinja chat template is full of '{%'.
    config = vllm_truss(with_token=False)
    assert "%" not in config["docker_server"]["start_command"]
    assert run_start_command(config, tmp_path, {}) == {"argv": list(VLLM[1:]), "HF_TOKEN": None}


def test_sglang_runs_as_truss_examples_sglang_truss_does() -> None:
    # custom-server/llama3-8b-instruct-sglang/config.yaml: sh -c "HF_TOKEN=$(cat /secrets/hf_access_token)
    # python3 -m sglang.launch_server --model-path ... --port 8000", readiness and liveness /health, port 8000.
    cfg, settings, plan = load("baseten-mistral")
    server = engine_server(image="lmsysorg/sglang:v0.5.6", command=SGLANG, env={}, port=8000,
                           health_path="/health")
    truss = validate(truss_config(cfg, plan, settings, with_token=True, server=server))
    assert truss.docker_server is not None
    words = shlex.split(truss.docker_server.start_command or "")
    assert words[:2] == ["sh", "-c"]
    script = shlex.split(words[2])
    assert script[0] == 'HF_TOKEN=$(cat /secrets/hf_access_token)' and script[1] == "exec"
    assert tuple(script[2:]) == SGLANG


def test_truss_builds_the_image_that_runs_the_command_behind_its_proxy(tmp_path: Path) -> None:
    # truss's own image build: supervisord's program is the start command, nginx maps the predict and readiness
    # routes to the server's and forwards every other path (Baseten's /sync/...) to its port.
    truss_dir = write_truss(tmp_path / "truss", vllm_truss())
    out = subprocess.run([str(TRUSS), "image", "build-context", str(tmp_path / "context"), str(truss_dir)],
                         capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stdout + out.stderr
    context = tmp_path / "context"
    assert "FROM vllm/vllm-openai:v0.12.0" in (context / "Dockerfile").read_text()
    supervisord = configparser.ConfigParser(interpolation=None)
    supervisord.read(context / "supervisord.conf")
    assert supervisord["program:model-server"]["command"] == vllm_truss()["docker_server"]["start_command"]
    proxy = (context / "proxy.conf").read_text()
    assert "rewrite ^/v1/models/model:predict$ /v1/chat/completions break;" in proxy
    assert "rewrite ^/v1/models/model$ /health break;" in proxy
    assert "proxy_pass http://127.0.0.1:8000;" in proxy


def test_port_8080_is_refused_it_is_truss_proxys() -> None:
    # truss_config.py DockerServer.server_port: "Port 8080 is reserved by Baseten's internal reverse proxy".
    with pytest.raises(ValidationError, match="8080"):
        engine_server(image="vllm/vllm-openai:v0.12.0", command=("vllm", "serve", MODEL), env={}, port=8080,
                      health_path="/health")


def test_a_secret_name_or_env_name_that_would_break_the_shell_is_refused() -> None:
    base = {"image": "i", "command": ("srv",), "port": 8000, "readiness_path": "/health",
            "predict_path": "/v1/chat/completions"}
    with pytest.raises(ValidationError, match="secret name"):
        ServerSpec(**base, secret_env={"HF_TOKEN": "x; rm -rf /"})
    with pytest.raises(ValidationError, match="environment variable name"):
        ServerSpec(**base, secret_env={"HF TOKEN": "hf_access_token"})
    with pytest.raises(ValidationError, match="must be a path"):
        ServerSpec(**{**base, "readiness_path": "health"})


def test_extra_env_that_clashes_with_a_secret_env_names_the_key() -> None:
    cfg, settings, plan = load("baseten-mistral", extra_env={"ENGINE_KEY": "plain"})
    server = engine_server(image="i", command=("srv",), env={}, port=8000, health_path="/health",
                           secret_env={"ENGINE_KEY": "engine_key"})
    with pytest.raises(UserError, match="tgi-fleet:extra_env"):
        truss_config(cfg, plan, settings, with_token=True, server=server)


def test_extra_env_reaches_the_server() -> None:
    config = vllm_truss(extra_env={"VLLM_USE_V1": "1"})
    assert config["environment_variables"]["VLLM_USE_V1"] == "1"
    assert config["environment_variables"]["VLLM_LOGGING_LEVEL"] == "WARNING"


def test_start_command_without_secrets_is_the_plain_command() -> None:
    spec = ServerSpec(image="i", command=("srv", "--flag", "a b"), port=8000, readiness_path="/health",
                      predict_path="/predict")
    assert shlex.split(start_command(spec)) == ["srv", "--flag", "a b"]


def test_the_smoke_stages_predict_probe_is_a_chat_request_to_the_served_model() -> None:
    cfg, settings, plan = load("baseten-mistral")
    server = engine_server(image="vllm/vllm-openai:v0.12.0", command=VLLM, env={}, port=8000, health_path="/health")

    class Ctx:  # the BuildContext fields predict_body reads
        pass

    ctx: Any = Ctx()
    ctx.cfg, ctx.settings, ctx.plan = cfg, settings, plan
    body = predict_body(ctx, server)
    assert body["model"] == "mistral" and body["messages"] == [{"role": "user", "content": cfg.smoke.prompts[0]}]
    assert body["stream"] is False
