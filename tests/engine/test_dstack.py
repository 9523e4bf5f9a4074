"""The real program with the dstack stacks, through the real engine, against a real dstack server on loopback.

There is no fleet here (none can exist on this machine), so a run ends with dstack's "no capacity" failure: the
honest end state, which `pulumi up` must report clearly. With `retry` the run stays pending, which lets the tests
change it in place, stop and re-apply it, delete it out of band and destroy it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.providers.dstack.client import ApiTarget, DstackApi
from tests.dstack_cases import RETRY, wait_for
from tests.dstack_fixture import DstackProject
from tests.engine.harness import ROOT, Project, copy_program, make_project, pulumi_home

HF = "hf_engine_test_token_abcdefghijklmnop"


@pytest.fixture
def dev(tmp_path: Path, dstack_project: DstackProject) -> Iterator[Project]:
    """The dstack-dev stack pointed at a fresh project of the test server; destroyed afterwards."""
    p = make_project(tmp_path, copy_program(tmp_path), stack="dstack-dev")
    p.configure({"tgi-fleet:dstack.server_url": dstack_project.server.url,
                 "tgi-fleet:dstack.project": dstack_project.name,
                 "tgi-fleet:secrets.check_model_access": "false"},  # no Hub here
                {"tgi-fleet:dstack_token": dstack_project.server.token, "tgi-fleet:hf_token": HF})
    yield p
    p.run("destroy", "--yes", "--skip-preview", check=False)


def api(project: DstackProject) -> DstackApi:
    return DstackApi(ApiTarget(project.server.url, project.name, project.server.token))


def run_in_state(p: Project) -> bool:
    """Whether the stack's state holds the dstack run resource."""
    resources = json.loads(p.export())["deployment"].get("resources") or []
    return any(r["type"] == "pulumi-python:dynamic:Resource" and r["urn"].endswith("::tgi-mistral")
               for r in resources)


def output(proc_stdout: str, proc_stderr: str) -> str:
    return proc_stdout + proc_stderr


def test_up_fails_clearly_with_no_capacity_and_destroy_leaves_nothing(dev: Project,
                                                                       dstack_project: DstackProject) -> None:
    preview = dev.run("preview", "--policy-pack", str(ROOT / "policies"))
    assert "tgi-fleet:index:TgiService" in preview.stdout
    # The sizing table asks the server for the plan's offers: with no fleet there are none, and it says so.
    assert (f"dstack server {dstack_project.server.url}, project {dstack_project.name!r}: no offers: no fleet or "
            f"backend of the project has this GPU (within max_price); the dstack price above is the catalog's "
            f"estimate, not an offer") in preview.stdout, preview.stdout
    assert dstack_project.live_runs() == [] and api(dstack_project).secret_names() == set()

    up = dev.run("up", "--yes", "--skip-preview", check=False)
    text = output(up.stdout, up.stderr)
    assert up.returncode != 0
    assert "failed (failed_to_start_due_to_no_capacity: No matching fleet found" in text, text
    assert "Fix: give the project capacity for this GPU: create a fleet" in text
    assert "Traceback" not in text
    assert dstack_project.live_runs() == ["tgi-mistral"] and api(dstack_project).secret_names() == {"hf_token"}
    exported = dev.export()
    assert HF not in exported and dstack_project.server.token not in exported

    dev.run("destroy", "--yes", "--skip-preview")
    assert dstack_project.live_runs() == [] and api(dstack_project).secret_names() == set()


def test_retry_in_place_reapply_refresh_and_destroy(dev: Project, dstack_project: DstackProject) -> None:
    dev.config("tgi-fleet:dstack.retry.on_events[0]", RETRY["on_events"][0], path=True)
    dev.config("tgi-fleet:dstack.retry.duration", RETRY["duration"], path=True)
    dev.config("tgi-fleet:smoke.ready_timeout_s", "20", path=True)
    waited = dev.run("up", "--yes", "--skip-preview", check=False)
    text = output(waited.stdout, waited.stderr)
    # With retry, dstack keeps the run pending: readiness waits (and says why) instead of failing at once.
    assert waited.returncode != 0 and "only 0 of the 1 required replicas became ready within 20 s" in text, text
    assert "run pending" in text and "retrying after failed_to_start_due_to_no_capacity" in text
    dapi = api(dstack_project)
    first = dapi.get("tgi-mistral")
    assert first is not None and not first.status.is_finished()

    dev.config("tgi-fleet:smoke.enabled", "false", path=True)
    dev.config("tgi-fleet:replicas", "2")
    preview = dev.run("preview", "--diff")
    assert "to update" in preview.stdout and "to replace" not in preview.stdout, preview.stdout
    dev.run("up", "--yes", "--skip-preview")
    run = dapi.get("tgi-mistral")
    assert run.id == first.id and run.deployment_num == first.deployment_num + 1  # in place: the same run
    assert run.run_spec.configuration.replicas.min == 2

    dev.config("tgi-fleet:dstack.spot_policy", "auto", path=True)
    preview = dev.run("preview", "--diff")
    assert "1 to replace" in preview.stdout, preview.stdout
    dev.run("up", "--yes", "--skip-preview")
    again = dapi.get("tgi-mistral")
    assert again.id != first.id and again.run_spec.configuration.spot_policy.value == "auto"  # stopped, re-applied
    assert dstack_project.live_runs() == ["tgi-mistral"]

    dstack = dstack_project.client()  # out of band: someone stops and deletes the run with dstack itself

    def delete_out_of_band() -> None:
        dstack.runs.get("tgi-mistral").stop(abort=True)
        wait_for("the stopped run to finish", lambda: dstack.runs.get("tgi-mistral").status.is_finished())
        dstack.client.runs.delete(dstack_project.name, ["tgi-mistral"])

    delete_out_of_band()
    # Plain `up` (no --refresh) sees it gone and applies it again (#27.4): before, it told the user to refresh.
    repaired = dev.run("up", "--yes", "--skip-preview")
    assert "dstack run 'tgi-mistral' was deleted outside Pulumi: applying it again" in repaired.stdout, repaired.stdout
    assert dstack_project.live_runs() == ["tgi-mistral"] and not dstack.runs.get("tgi-mistral").status.is_finished()

    delete_out_of_band()
    assert run_in_state(dev)
    dev.run("refresh", "--yes", "--skip-preview")
    assert not run_in_state(dev)  # refresh saw it gone
    dev.run("up", "--yes", "--skip-preview")  # the refreshed stack applies it again
    assert dstack_project.live_runs() == ["tgi-mistral"]

    dev.run("destroy", "--yes", "--skip-preview")
    assert dstack_project.live_runs() == [] and dapi.secret_names() == set()


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("tgi-fleet:extra_env", json.dumps({"X": "${{ secrets.missing }}"}),
     "tgi-fleet:extra_env.X (dstack: env.X): ${{ secrets.missing }} is never resolved"),
    ("tgi-fleet:dstack.autoscaling.max_replicas", "4", "tgi-fleet:dstack.autoscaling is set without a gateway"),
    ("tgi-fleet:dstack.gateway", "true", "tgi-fleet:dstack.gateway = true but project"),
    ("tgi-fleet:dstack.spot_polcy", "spot", "tgi-fleet:dstack.spot_polcy: unknown key"),
])
def test_bad_config_fails_at_preview_naming_the_key(dev: Project, dstack_project: DstackProject, key: str,
                                                    value: str, expected: str) -> None:
    dev.config(key, value, path="." in key)
    if key.startswith("tgi-fleet:dstack.autoscaling"):
        dev.config("tgi-fleet:dstack.autoscaling.target_rps", "10", path=True)
    preview = dev.run("preview", check=False)
    text = output(preview.stdout, preview.stderr)
    assert preview.returncode != 0 and expected in text, text
    assert "Traceback" not in text
    assert dstack_project.live_runs() == [] and api(dstack_project).secret_names() == set()


def test_render_writes_the_reviewed_config(tmp_path: Path) -> None:
    import os
    import subprocess

    out = tmp_path / "rendered"
    env = {**os.environ, "PULUMI_HOME": str(pulumi_home(tmp_path))}  # not ~/.pulumi, which other workers share
    done = subprocess.run([str(ROOT / "scripts" / "render.sh"), "dstack-gptq", str(out)], capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    snap = ROOT / "tests" / "unit" / "snapshots" / "dstack-gptq.serve.dstack.yml"
    assert (out / "serve.dstack.yml").read_text() == snap.read_text()
