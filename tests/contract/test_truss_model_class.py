"""truss's own code runs the engine-tgi truss: `truss image build-context` (truss 0.18.36, offline) copies the model
class into the image's files, and truss's ModelWrapper from that context (templates/server/model_wrapper.py) loads
it, which starts text-generation-launcher (here the emulated one, which becomes the simulated TGI), and calls
predict with seed 001's own body (truss-examples mistral/mistral-7b README, commit b7cd3f4, "Example usage")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from components.providers.baseten.truss import truss_config, write_truss
from emulator.baseten import launcher
from tests.baseten_cases import load

TRUSS = Path(sys.executable).with_name("truss")
PROBE = Path(__file__).with_name("truss_wrapper_probe.py")
PROMPT = "What is the meaning of life?"


def test_truss_model_wrapper_loads_the_model_class_and_answers_the_seeds_body(tmp_path: Path) -> None:
    cfg, settings, plan = load("baseten-mistral")
    truss_dir = write_truss(tmp_path / "truss", truss_config(cfg, plan, settings, with_token=True))
    context = tmp_path / "context"
    built = subprocess.run([str(TRUSS), "image", "build-context", str(context), str(truss_dir)],
                           capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert built.returncode == 0, built.stdout + built.stderr
    launcher.install(tmp_path / "bin")
    # Baseten hands the truss its secrets; truss's SecretsResolver also reads them as TRUSS_SECRET_<name>.
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "TRUSS_SECRET_hf_access_token": "hf_granted", "TGI_SIM_LOAD_S": "0.3", "TGI_SIM_TOKEN_MS": "1"}
    run = subprocess.run([sys.executable, str(PROBE)], cwd=context, env=env, capture_output=True, text=True,
                         timeout=120, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["status"] == "READY", run.stderr[-3000:]
    assert isinstance(out["whole"], str) and out["whole"].startswith(PROMPT) and len(out["whole"]) > len(PROMPT)
    assert out["chunks"][0] == PROMPT and len(out["chunks"]) > 1
    # A refusal is truss's error answer: the HTTPException's status, {"error": detail}.
    assert out["refusal"]["status"] == 400
    assert "max_new_tokens=4097 is above this deployment's maximum of 4096" in out["refusal"]["body"]["error"]
    assert out["chat"]["choices"][0]["message"]["content"] and out["chat"]["usage"]["completion_tokens"] <= 8
