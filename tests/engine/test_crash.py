"""kill -9 of `pulumi up` while the container group's (or the Baseten model's) create is in flight: nothing of the run
lingers, and the next `pulumi up` (the one command to type after a crash) adopts what this stack made, never a
duplicate."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from tests.baseten_fixture import BasetenEmulator
from tests.emulator_fixture import Emulator
from tests.engine.harness import PULUMI, ROOT, Project
from tests.engine.test_baseten_stacks import stack as baseten_stack


def providers_of(backend: Path) -> list[str]:
    """Command lines of the dynamic-provider and policy-analyzer processes of runs on this backend (the engine passes
    its env down).

    (Pulumi's own language host, a Go plugin, also outlives a killed engine; that one is not ours to fix.)
    """
    marker = f"PULUMI_BACKEND_URL=file://{backend}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if marker in (proc / "environ").read_bytes().split(b"\0"):
                cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                ours = ("pulumi-resource-pulumi-python", "pulumi.dynamic", "pulumi-analyzer-policy-python",
                        "pulumi.policy")
                found += [cmd] if any(name in cmd for name in ours) else []
        except OSError:
            continue
    return found


def wait_for(check: object, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_kill_9_during_create_then_up_adopts(local: Project, emulator: Emulator,
                                            record_property: Callable[[str, object], None]) -> None:
    # The server makes the group, then holds its answer: the engine is killed while the create is in flight.
    emulator.faults({"op": "create_container_group", "commit_first": True, "delay_s": 20, "times": 1})
    log = (local.workdir / "killed-up.log").open("wb")
    # With the policy pack, as `make up` runs: its analyzer must not outlive the engine either (#27.6).
    up = subprocess.Popen([str(PULUMI), "up", "--yes", "--skip-preview", "--non-interactive", "--stack", local.stack,
                           "--policy-pack", str(ROOT / "policies")],
                          cwd=local.workdir, env=local.env, stdout=log, stderr=log, start_new_session=True)
    try:
        wait_for(lambda: emulator.status()["groups"], 120, "the create never reached the emulator")
        running = providers_of(local.backend)
        assert any("pulumi.dynamic" in cmd for cmd in running) and any("pulumi.policy" in cmd for cmd in running)
        os.kill(up.pid, signal.SIGKILL)  # the CLI alone, as `kill -9 <pulumi>` does: its children are orphaned
        up.wait(10)
        wait_for(lambda: not providers_of(local.backend), 10,
                 f"processes outlived the killed engine: {providers_of(local.backend)}")
        record_property("processes_left", len(providers_of(local.backend)))  # bench/reliability.py's figures
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGKILL)
        log.close()

    # What `make recover STACK=local` runs.
    again = subprocess.run([str(ROOT / "scripts" / "recover.sh"), local.stack, "--yes", "--skip-preview",
                            "--non-interactive"], cwd=local.workdir, env=local.env, capture_output=True, text=True,
                           timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "adopting container group 'tgi-local'" in again.stdout and "smoke: 4 chat completions OK" in again.stdout
    record_property("duplicates_after_recover", len(emulator.status()["groups"]) - 1)
    assert [g["name"] for g in emulator.status()["groups"]] == ["tgi-local"], "adopted, never duplicated"
    # The dead run's pending CREATE is what recover adopted: it is cleared, so later runs do not warn about it.
    state = json.loads(local.run("stack", "export", "--stack", local.stack).stdout)
    assert not state["deployment"].get("pending_operations"), state["deployment"].get("pending_operations")
    later = local.run("preview")
    assert "pending operation" not in later.stdout + later.stderr
    local.run("destroy", "--yes", "--skip-preview")
    left = emulator.wait_empty()
    record_property("left_after_destroy", len(left["groups"]) + len(left["processes"]))
    assert left == {"groups": [], "processes": []}


def test_kill_9_during_a_baseten_create_then_recover_adopts_and_destroy_removes_it(
        tmp_path: Path, baseten: BasetenEmulator, record_property: Callable[[str, object], None]) -> None:
    # issue #27 item 3: before, `make recover` failed with 409 "a model named … already exists", and destroy then
    # exited 0 with the model left running (billing).
    mistral = baseten_stack(tmp_path, baseten, "baseten-mistral")
    baseten.faults({"op": "create_model", "commit_first": True, "delay_s": 30, "times": 1})
    log = (mistral.workdir / "killed-up.log").open("wb")
    up = subprocess.Popen([str(PULUMI), "up", "--yes", "--skip-preview", "--non-interactive", "--stack",
                           mistral.stack], cwd=mistral.workdir, env=mistral.env, stdout=log, stderr=log,
                          start_new_session=True)
    try:
        wait_for(lambda: baseten.status()["models"], 120, "the create never reached the emulator")
        os.kill(up.pid, signal.SIGKILL)
        up.wait(10)
        wait_for(lambda: not providers_of(mistral.backend), 10,
                 f"processes outlived the killed engine: {providers_of(mistral.backend)}")
        record_property("processes_left", len(providers_of(mistral.backend)))
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGKILL)
        log.close()
    [made] = baseten.status()["models"]

    # `make destroy` now: the model is not in the state, so a plain destroy would exit 0 and leave it billing.
    destroy = [str(ROOT / "scripts" / "destroy.sh"), mistral.stack, "--yes", "--skip-preview", "--non-interactive"]
    refused = subprocess.run(destroy, cwd=mistral.workdir, env=mistral.env, capture_output=True, text=True,
                             timeout=300)
    assert refused.returncode != 0, refused.stdout + refused.stderr
    assert "pending create(s) (tgi-mistral-baseten)" in refused.stderr and "Fix: `make recover STACK=baseten-mistral`" \
        in refused.stderr, refused.stderr
    assert [m["id"] for m in baseten.status()["models"]] == [made["id"]]

    again = subprocess.run([str(ROOT / "scripts" / "recover.sh"), mistral.stack, "--yes", "--skip-preview",
                            "--non-interactive"], cwd=mistral.workdir, env=mistral.env, capture_output=True,
                           text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"adopting Baseten model 'tgi-mistral-baseten' ({made['id']})" in again.stdout, again.stdout
    assert "smoke: predict OK" in again.stdout
    record_property("duplicates_after_recover", len(baseten.status()["models"]) - 1)
    [model] = baseten.status()["models"]
    assert model["id"] == made["id"] == mistral.outputs()["model_id"] and len(model["deployments"]) == 1
    state = json.loads(mistral.run("stack", "export", "--stack", mistral.stack).stdout)
    assert not state["deployment"].get("pending_operations"), state["deployment"].get("pending_operations")

    gone = subprocess.run(destroy, cwd=mistral.workdir, env=mistral.env, capture_output=True, text=True, timeout=300)
    assert gone.returncode == 0, gone.stdout + gone.stderr
    left = baseten.wait_empty()["models"]
    record_property("left_after_destroy", len(left))
    assert left == []
