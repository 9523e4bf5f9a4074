"""What a SaladCloud container runs in the emulator, from its image and its `command` (emulator/images.py).

The platform's rule: the container's `command` overrides the image's ENTRYPOINT and CMD (SaladCloud's API spec,
contracts/salad/salad-cloud.yaml, CreateContainer.command: "Pass a command (and optional arguments) to override the
ENTRYPOINT and CMD of a container image"). The images' own entrypoints:
- vLLM: vllm-project/vllm docker/Dockerfile @ dead20baf70df70580ecb093f82b0b7b8676e4f5, target vllm-openai:
  `ENTRYPOINT ["vllm", "serve"]`; before it (@ 0000977eaf873be6a295cf73017976d49ca2fb9d):
  `ENTRYPOINT ["python3", "-m", "vllm.entrypoints.openai.api_server"]`.
- SGLang: sgl-project/sglang docker/Dockerfile @ 004740a9cb3dbf6153455fb38b447021e3e07236 sets no ENTRYPOINT or
  CMD: the server is started by the command, `python3 -m sglang.launch_server`.
- dstack's vLLM service example runs `vllm serve $MODEL_ID --max-model-len $MAX_MODEL_LEN --tensor-parallel-size
  $DSTACK_GPUS_NUM` (dstackai/dstack examples/inference/vllm/README.md @ 080f2b43fd433d0057ce30e6d5bb0a4223f298b2).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from emulator.images import Engines, ImageError, repository, without_binding

VLLM_ARGS = ["--max-model-len", "4096", "--tensor-parallel-size", "1"]


def test_a_vllm_image_with_no_command_runs_its_entrypoint_vllm_serve() -> None:
    launch = Engines().launch("vllm/vllm-openai:v0.11.0", None)
    assert (launch.engine, launch.real) == ("vllm", False)
    assert launch.argv(4321) == [sys.executable, "-m", "emulator.replica.vllm", "--host", "127.0.0.1",
                                 "--port", "4321"]


def test_the_command_overrides_the_entrypoint_and_the_model_tag_becomes_model() -> None:
    command = ["vllm", "serve", "meta-llama/Meta-Llama-3.1-8B-Instruct", *VLLM_ARGS, "--host", "0.0.0.0",
               "--port", "8000"]
    launch = Engines().launch("vllm/vllm-openai:latest", command)
    assert launch.args == ("--model", "meta-llama/Meta-Llama-3.1-8B-Instruct", *VLLM_ARGS)
    assert launch.argv(5000)[-4:] == ["--host", "127.0.0.1", "--port", "5000"]


def test_the_older_entrypoint_python_m_api_server_is_vllm_too() -> None:
    command = ["python3", "-m", "vllm.entrypoints.openai.api_server", "--model", "m", "--port=8080"]
    launch = Engines().launch("vllm/vllm-openai@sha256:" + "a" * 64, command)
    assert (launch.engine, launch.args) == ("vllm", ("--model", "m"))


def test_a_real_vllm_runs_in_its_venv_offline_from_the_model_cache(tmp_path: Path) -> None:
    python = tmp_path / "python"
    python.write_text("")
    engines = Engines.parse([f"vllm={python}"], tmp_path / "hf")
    launch = engines.launch("vllm/vllm-openai:v0.11.0", ["vllm", "serve", "tgi-fleet/tiny-llama", "--api-key", "k"])
    assert launch.real
    assert launch.argv(7000) == [str(python), "-m", "vllm.entrypoints.openai.api_server", "--model",
                                 "tgi-fleet/tiny-llama", "--api-key", "k", "--host", "127.0.0.1", "--port", "7000"]
    assert launch.env["HF_HOME"] == str(tmp_path / "hf")
    assert launch.env["HF_HUB_OFFLINE"] == "1"
    assert launch.env["VLLM_CPU_KVCACHE_SPACE"]


def test_sglang_runs_its_launch_server_command_and_has_no_entrypoint_of_its_own() -> None:
    launch = Engines().launch("lmsysorg/sglang:v0.5.5", ["python3", "-m", "sglang.launch_server", "--model-path",
                                                         "m", "--port", "30000"])
    assert launch.argv(9) == [sys.executable, "-m", "emulator.replica.sglang", "--model-path", "m", "--host",
                              "127.0.0.1", "--port", "9"]
    with pytest.raises(ImageError, match="no ENTRYPOINT or CMD"):
        Engines().launch("lmsysorg/sglang:v0.5.5", None)


def test_tgi_and_unknown_images_are_the_simulated_tgi_as_before() -> None:
    for image in ("ghcr.io/huggingface/text-generation-inference:3.3.0", "nginx:1.27", "x:1"):
        launch = Engines().launch(image, None)
        assert launch.argv(3000) == [sys.executable, "-m", "emulator.replica", "--port", "3000"], image


def test_a_known_image_with_a_command_the_emulator_cannot_run_fails_to_start() -> None:
    with pytest.raises(ImageError, match="exec: 'bash'"):
        Engines().launch("vllm/vllm-openai:latest", ["bash", "-c", "sleep 1"])


def test_real_engine_options_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ENGINE=PATH/TO/python"):
        Engines.parse(["tgi=/usr/bin/python3"], tmp_path)
    with pytest.raises(ValueError, match=r"scripts/setup\.sh vllm"):
        Engines.parse([f"vllm={tmp_path / 'missing'}"], tmp_path)
    with pytest.raises(ValueError, match="--model-cache"):
        Engines.parse([f"vllm={sys.executable}"], None)


def test_image_references() -> None:
    assert repository("vllm/vllm-openai:v0.11.0") == "vllm/vllm-openai"
    assert repository("localhost:5000/vllm/vllm-openai@sha256:abc") == "localhost:5000/vllm/vllm-openai"
    assert repository("nginx") == "nginx"
    assert without_binding(["--port", "1", "--host=0.0.0.0", "--api-key", "k"]) == ("--api-key", "k")


def test_the_emulator_refuses_a_bad_real_engine_option_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from emulator.salad.__main__ import main

    assert main(["serve", "--real-engine", "vllm=/nonexistent/python", "--model-cache", "/tmp"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("emulator: --real-engine 'vllm=/nonexistent/python': ") and "Traceback" not in err


def test_a_relative_python_stays_the_venvs_own_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    venv = tmp_path / ".venv-vllm" / "bin"
    venv.mkdir(parents=True)
    (venv / "python").symlink_to(sys.executable)
    monkeypatch.chdir(tmp_path)
    engines = Engines.parse(["vllm=.venv-vllm/bin/python"], tmp_path)
    assert engines.real["vllm"] == str(venv / "python")  # absolute, not resolved to the base interpreter
