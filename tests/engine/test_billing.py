"""A failed smoke test names what still runs and bills, its hourly cost and the stop command (issue #27 item 7).

The local stack on the SaladCloud emulator: crash-looping replicas (an unfit GPU: CUDA out of memory), and replicas
that never become ready (a load slower than the readiness wait). With `smoke.on_failure: stop` the stack asks
SaladCloud to stop the group (contracts/salad/salad-cloud.yaml: POST .../containers/{container_group_name}/stop,
after which the group's `current_state.status` is `stopped` and its instances go away).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from tests.baseten_fixture import BasetenEmulator
from tests.emulator_fixture import Emulator
from tests.engine.harness import Project


def plan_cost(text: str) -> str:
    """The plan's hourly cost as the sizing table in the same run printed it ("cost of this plan: $X/h")."""
    found = re.search(r"cost of this plan: (\$[0-9.]+/h) for (\d+) replica", text)
    assert found, text
    return found.group(1)


def test_crash_looping_replicas_fail_up_and_say_what_still_bills(local: Project, emulator: Emulator) -> None:
    local.config("tgi-fleet:gpu", json.dumps({"classes": ["RTX 3060 (12 GB)"]}))
    local.config("tgi-fleet:sizing.allow_unfit", "true", path=True)
    local.config("tgi-fleet:smoke.ready_timeout_s", "8", path=True)
    out = local.run("up", "--yes", "--skip-preview", check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0 and "the replicas' containers keep exiting" in text, text
    # What runs, on what, what it costs an hour, and the exact command that stops it.
    assert "Still running and billing: the local deployment (3 replica(s) on RTX 3060 (12 GB))" in text, text
    assert f"about {plan_cost(text)} (the plan's hourly_cost_usd)" in text, text
    assert "make destroy STACK=local" in text and "pulumi destroy --stack local" in text, text
    assert "tgi-fleet:smoke.on_failure: stop" in text, "the message names the switch that stops it"
    assert "Traceback" not in text
    # keep (the default): the group is left as it is, and says so above.
    assert emulator.client().group_status("tgi-local") in ("running", "deploying")


def test_on_failure_stop_stops_a_group_that_never_became_ready(local: Project, emulator: Emulator) -> None:
    local.config("tgi-fleet:extra_env", json.dumps({"TGI_SIM_LOAD_S": "3600"}))  # /health answers 503 all along
    local.config("tgi-fleet:smoke.ready_timeout_s", "5", path=True)
    local.config("tgi-fleet:smoke.on_failure", "stop", path=True)
    out = local.run("up", "--yes", "--skip-preview", check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0 and re.search(r"only 0 of the \d+ required replicas became ready", text), text
    assert "tgi-fleet:smoke.on_failure is stop: SaladCloud container group 'tgi-local' stopped" in text, text
    assert "Still running and billing" not in text
    assert "make destroy STACK=local" in text
    assert emulator.client().group_status("tgi-local") == "stopped"
    deadline = time.monotonic() + 30
    while emulator.status()["processes"] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert emulator.status()["processes"] == [], "a stopped group runs no replica"


def test_on_failure_stop_deactivates_the_baseten_deployment(tmp_path: Path, baseten: BasetenEmulator) -> None:
    """Baseten: a deployment is stopped by deactivating it (POST /v1/models/{id}/deployments/{did}/deactivate, the
    `baseten` SDK 0.13.1's post_models_deployments_deactivate); it goes DEACTIVATING, then INACTIVE, with no replica."""
    from tests.engine.test_baseten_stacks import stack

    p = stack(tmp_path, baseten, "baseten-mistral")
    try:
        p.config("tgi-fleet:smoke.latency_slo_ms", "1", path=True)  # a sure SLO miss once it answers
        p.config("tgi-fleet:smoke.on_failure", "stop", path=True)
        out = p.run("up", "--yes", "--skip-preview", check=False)
        text = out.stdout + out.stderr
        assert out.returncode != 0 and "misses its SLOs" in text, text
        [model] = baseten.status()["models"]
        assert f"tgi-fleet:smoke.on_failure is stop: Baseten deployment {model['production']} of model " \
               f"{model['id']} deactivated" in text, text
        assert "make destroy STACK=baseten-mistral" in text
        deadline = time.monotonic() + 30
        while baseten.status()["processes"] and time.monotonic() < deadline:
            time.sleep(0.5)
        [model] = baseten.status()["models"]
        assert [d["status"] for d in model["deployments"]] in (["INACTIVE"], ["DEACTIVATING"])
        assert baseten.status()["processes"] == [], "a deactivated deployment runs no replica"
    finally:
        p.run("destroy", "--yes", "--skip-preview", check=False)
