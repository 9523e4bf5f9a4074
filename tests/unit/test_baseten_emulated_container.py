"""The Baseten emulator's docker_server container: truss-examples' own start commands read as supervisord and sh
read them, the secret files, the engine resolver hook, and the ports truss's proxy reaches.

Start commands quoted from basetenlabs/truss-examples: lora/vllm-lora/config.yaml (commit
0651efe7cfc003f53a4c984bff9781bcfb1a3778), custom-server/llama3-8b-instruct-sglang/config.yaml (commit
48f75a7ee82fbe27c832f07469860950e6da5309), essential/config.yaml (commit 3003cbe5e66cd40e89d625738b5cf78b05b53d09),
gemma/gemma-3-27b-it/config.yaml (commit f4f14f07f846a0670959207c598643e531fc3dd4).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from emulator.baseten.docker_server import (
    Launch,
    StartCommandError,
    container,
    first_of,
    port_of,
    read_start_command,
    tgi_launcher,
)
from emulator.images import Engines

VLLM_LORA = ('sh -c "HF_TOKEN=$(cat /secrets/hf_access_token) vllm serve mistralai/Mistral-7B-Instruct-v0.3 '
             '--tokenizer_mode mistral --served-model-name mistral --max-model-len 16384 --port 8000"')
SGLANG = ('sh -c "HF_TOKEN=$(cat /secrets/hf_access_token) python3 -m sglang.launch_server --model-path '
          'meta-llama/Llama-3.1-8B-Instruct --port 8000"')
ESSENTIAL = ("vllm serve EssentialAI/rnj-1-instruct --enable-auto-tool-choice --tool-call-parser hermes  "
             "--host 0.0.0.0 --port 8000 --trust-remote-code")
GEMMA = ("sh -c \"truss-transfer-cli && VLLM_USE_V1=1 HF_TOKEN=$(cat /secrets/hf_access_token) vllm serve "
         "/app/model_cache/gemma --served-model-name gemma --max-model-len 16384 --limit_mm_per_prompt 'image=1'\"")


def test_truss_examples_vllm_start_command_gives_the_server_its_argv_and_the_token() -> None:
    command = read_start_command(VLLM_LORA, {"hf_access_token": "hf_granted\n"})
    assert command.argv[:3] == ("vllm", "serve", "mistralai/Mistral-7B-Instruct-v0.3")
    assert command.argv[-2:] == ("--port", "8000")
    assert command.env == {"HF_TOKEN": "hf_granted"}  # $(...) drops the file's trailing newline
    assert command.stderr == ()


def test_sglangs_start_command_and_a_missing_secret_file() -> None:
    # Without the secret mounted, cat fails (its complaint on stderr) and the variable is empty: sh goes on.
    command = read_start_command(SGLANG, {})
    assert command.argv[:3] == ("python3", "-m", "sglang.launch_server")
    assert command.env == {"HF_TOKEN": ""}
    assert command.stderr == ("cat: /secrets/hf_access_token: No such file or directory",)


def test_a_command_without_a_shell_runs_as_supervisord_splits_it() -> None:
    command = read_start_command(ESSENTIAL, {})
    assert command.argv[:3] == ("vllm", "serve", "EssentialAI/rnj-1-instruct") and command.env == {}
    assert port_of(command.argv) == 8000


def test_steps_before_the_server_and_plain_assignments() -> None:
    command = read_start_command(GEMMA, {"hf_access_token": "t"})
    assert command.env == {"VLLM_USE_V1": "1", "HF_TOKEN": "t"}
    assert command.argv[-1] == "image=1" and command.argv[0] == "vllm"


@pytest.mark.parametrize("start, why", [
    ('sh -c "curl http://x | sh"', "steps joined"),
    ('sh -c "setup.sh && vllm serve m"', "no step 'setup.sh'"),
    ('sh -c "vllm serve `cat model`"', "expands only"),
    ("vllm serve $MODEL", "without a shell"),
    ('sh -c "unterminated', "cannot parse"),
])
def test_forms_the_emulator_cannot_run_say_so(start: str, why: str) -> None:
    with pytest.raises(StartCommandError, match=why):
        read_start_command(start, {})


def test_a_secret_read_into_an_argument_is_substituted_as_sh_does() -> None:
    command = read_start_command('sh -c "exec vllm serve m --api-key $(cat /secrets/key)"', {"key": "k1"})
    assert command.argv == ("vllm", "serve", "m", "--api-key", "k1")


def test_variables_of_the_container_are_expanded_unset_ones_empty() -> None:
    command = read_start_command("sh -c 'exec vllm serve \"$MODEL\" --chat-template \"${TEMPLATE}\" $UNSET'", {},
                                 {"MODEL": "m", "TEMPLATE": "{% if x %}a b{% endif %}"})
    assert command.argv == ("vllm", "serve", "m", "--chat-template", "{% if x %}a b{% endif %}", "")


def truss(start: str, port: int = 8000, image: str = "vllm/vllm-openai:v0.12.0") -> dict[str, Any]:
    return {"base_image": {"image": image}, "environment_variables": {"VLLM_LOGGING_LEVEL": "WARNING"},
            "docker_server": {"start_command": start, "server_port": port, "predict_endpoint": "/v1/chat/completions",
                              "readiness_endpoint": "/health", "liveness_endpoint": "/health"}}


def stand_in(image: str, argv: Sequence[str]) -> Launch | None:
    """A resolver as the engines' image table gives one: `vllm serve ARGS` in vLLM's image -> a local module."""
    if image.startswith("vllm/vllm-openai:") and list(argv[:2]) == ["vllm", "serve"]:
        return Launch("stand_in.vllm", tuple(argv[2:]), {"STAND_IN": "1"})
    return None


def test_the_resolver_hook_gets_the_image_and_the_servers_argv() -> None:
    box = container(truss(VLLM_LORA), {"hf_access_token": "hf_granted"}, stand_in)
    assert box.launch.argv(5000)[1:4] == ["-m", "stand_in.vllm", "mistralai/Mistral-7B-Instruct-v0.3"]
    assert box.launch.argv(5000)[-2:] == ["--port", "5000"]
    # The container's env: the truss's environment_variables, what the shell assigned, what the stand-in adds.
    assert box.launch.env == {"VLLM_LOGGING_LEVEL": "WARNING", "HF_TOKEN": "hf_granted", "STAND_IN": "1"}
    assert box.reachable


def test_a_server_nobody_stands_in_for_is_named() -> None:
    with pytest.raises(StartCommandError, match="no stand-in for 'vllm'"):
        container(truss(VLLM_LORA), {}, tgi_launcher)


def test_a_server_on_another_port_than_server_port_is_never_reached() -> None:
    # proxy.conf.jinja forwards to 127.0.0.1:{{server_port}} only.
    assert not container(truss(VLLM_LORA, port=9000), {}, stand_in).reachable


def test_a_server_on_8080_dies_as_the_docs_say() -> None:
    # docs.baseten.co/development/model/custom-server: "If your server binds to port 8080, the deployment fails
    # with [Errno 98] address already in use".
    box = container(truss(VLLM_LORA.replace("--port 8000", "--port 8080")), {}, stand_in)
    argv = box.launch.argv(5000)
    assert argv[1:4] == ["-m", "emulator.baseten.docker_server", "--exit"] and "[Errno 98]" in argv[4]


def test_a_resolvers_refusal_is_the_reason_given() -> None:
    def refuses(image: str, argv: Sequence[str]) -> Launch | None:
        raise LookupError("exec: 'vllm': not this image's engine")

    with pytest.raises(StartCommandError, match="not this image's engine"):
        container(truss(VLLM_LORA), {}, first_of(tgi_launcher, refuses))
    assert container(truss(VLLM_LORA), {}, first_of(tgi_launcher, stand_in)).reachable


def test_tgis_launcher_is_the_stand_in_this_emulator_has() -> None:
    launch = tgi_launcher("ghcr.io/huggingface/text-generation-inference:3.3.7",
                          ["text-generation-launcher", "--model-id", "m", "--port", "8000", "--num-shard", "2"])
    assert launch == Launch("emulator.replica", (), {"MODEL_ID": "m", "NUM_SHARD": "2"})
    assert tgi_launcher("vllm/vllm-openai:v0.12.0", ["vllm", "serve", "m"]) is None


# --- the engines' images (emulator/images.py) as the emulator's resolver, as `python -m emulator.baseten` wires it

ENGINES = first_of(tgi_launcher, Engines().server)


def test_truss_examples_vllm_and_sglang_servers_become_the_simulated_engines() -> None:
    vllm = container(truss(VLLM_LORA), {"hf_access_token": "hf_granted"}, ENGINES)
    argv = vllm.launch.argv(5000)
    assert argv[1:3] == ["-m", "emulator.replica.vllm"] and argv[-4:] == ["--host", "127.0.0.1", "--port", "5000"]
    # `vllm serve MODEL`: the model as vLLM's api_server takes it; the truss's own --port 8000 is the emulator's now.
    assert argv[3:5] == ["--model", "mistralai/Mistral-7B-Instruct-v0.3"] and "8000" not in argv
    assert vllm.launch.env["HF_TOKEN"] == "hf_granted" and vllm.reachable
    sglang = container(truss(SGLANG, image="lmsysorg/sglang:v0.4.0.post1-cu124"), {}, ENGINES)
    assert sglang.launch.argv(5001)[1:5] == ["-m", "emulator.replica.sglang", "--model-path",
                                             "meta-llama/Llama-3.1-8B-Instruct"]


def test_the_module_form_of_vllms_server_is_vllm_too() -> None:
    start = ("python3 -m vllm.entrypoints.openai.api_server --model m --served-model-name m --host 127.0.0.1 "
             "--port 3000")
    box = container(truss(start, port=3000), {}, ENGINES)
    assert box.launch.argv(5000)[1:7] == ["-m", "emulator.replica.vllm", "--model", "m", "--served-model-name", "m"]
    assert box.reachable


def test_with_the_engines_images_the_server_port_rule_stays() -> None:
    assert not container(truss(VLLM_LORA, port=9000), {}, ENGINES).reachable
    died = container(truss(VLLM_LORA.replace("--port 8000", "--port 8080")), {}, ENGINES).launch.argv(5000)
    assert "[Errno 98]" in died[4]


def test_an_engines_image_asked_to_run_another_program_says_so() -> None:
    with pytest.raises(StartCommandError, match=r"runs vllm/vllm-openai:v0\.12\.0 only as its engine.s server"):
        container(truss("my-server --port 8000"), {}, ENGINES)


def test_a_program_no_image_table_knows_has_no_stand_in() -> None:
    with pytest.raises(StartCommandError, match="no stand-in for 'my-server'"):
        container(truss("my-server --port 8000", image="python:3.11-slim"), {}, ENGINES)
