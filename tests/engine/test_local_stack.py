"""The real program (`__main__.py`, stacks/) through the real engine against the local emulator."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from components.providers.salad.resource import secret_digest
from tests.emulator_fixture import GRANTED, KEY, Emulator
from tests.engine.harness import ROOT, Project, copy_program, make_project
from tests.moto_fixture import AWS_ENV, Moto


def chat(emu: Emulator, dns: str, key: str | None) -> httpx.Response:
    headers = {"Host": dns, **({"Salad-Api-Key": key} if key else {})}
    return httpx.post(f"http://{emu.gateway}/v1/chat/completions", headers=headers, timeout=30,
                      json={"messages": [{"role": "user", "content": "hello"}], "max_tokens": 8})


def test_local_stack_up_refresh_destroy(local: Project, emulator: Emulator) -> None:
    preview = local.run("preview", "--policy-pack", str(ROOT / "policies"))
    assert "tgi-fleet:index:TgiService" in preview.stdout and emulator.status()["groups"] == []

    up = local.run("up", "--yes", "--skip-preview")
    assert "smoke: 4 chat completions OK" in up.stdout, up.stdout
    assert "smoke: /generate OK" in up.stdout  # TGI's own route too
    out = local.outputs()
    assert out["endpoint"] == f"http://{emulator.gateway}"
    # Read after the wait: all replicas are running (the create itself answered "deploying").
    assert out["status"] == "running" and out["ready_replicas"] == 3
    assert out["container_group_status_at_deploy"] == "deploying"
    assert out["smoke"]["ttft_ms_p95"] <= 2000 and out["smoke"]["tokens_per_s"] > 0
    assert out["limits"] == {"max_input_tokens": 4000, "max_total_tokens": 4096, "max_batch_prefill_tokens": 4096,
                             "num_shard": 1}
    assert "Salad-Api-Key: $SALAD_API_KEY" in out["curl_example"]

    # The deployment is real: 3 ready replicas behind an authenticating gateway.
    status = emulator.status()
    assert len(status["groups"]) == 1 and len(status["processes"]) == 3
    dns = out["access_domain"]
    assert chat(emulator, dns, KEY).status_code == 200
    assert chat(emulator, dns, None).status_code == 401

    # Secrets stay secret in state and outputs.
    exported = local.export()
    assert KEY not in exported and GRANTED not in exported
    assert secret_digest({"HF_TOKEN": GRANTED}) not in exported, "the token's digest is a secret too"
    plain_outputs = local.run("stack", "output", "--json", "--stack", "local").stdout
    assert KEY not in plain_outputs and GRANTED not in plain_outputs

    refresh = local.run("refresh", "--yes", "--skip-preview")
    assert "error" not in refresh.stdout.lower()
    second = local.run("preview", "--diff")
    assert "to update" not in second.stdout and "to replace" not in second.stdout, second.stdout

    # Stopped out of band: refresh records it in the status the smoke test read (and in the group's own).
    emulator.client().stop_group("tgi-local")
    local.run("refresh", "--yes", "--skip-preview")
    state = json.loads(local.export())["deployment"]["resources"]
    smoke = next(r for r in state if r["urn"].endswith("::tgi-local-smoke"))
    assert (smoke["outputs"]["status"], smoke["outputs"]["ready_replicas"]) == ("stopped", 0)

    local.run("destroy", "--yes", "--skip-preview")
    assert emulator.wait_empty() == {"groups": [], "processes": []}


def test_salad_prod_stack_against_the_emulator(tmp_path: Path, emulator: Emulator) -> None:
    """The production stack itself, with only its base URL (and secrets) pointed at the emulator."""
    p = make_project(tmp_path, copy_program(tmp_path), stack="salad-prod")
    emulator.point_at(p, secrets=True)
    p.config("tgi-fleet:salad.organization", "local-org", path=True)
    for key, value in (("download_mb_s", "20000"), ("load_mb_s", "20000"), ("warmup_s", "5"), ("image_gb", "0")):
        p.config(f"tgi-fleet:sizing.{key}", value, path=True)
    try:
        up = p.run("up", "--yes", "--skip-preview", "--policy-pack", str(ROOT / "policies"))
        assert "smoke:" in up.stdout
        group = emulator.client().get_group("tgi-mistral-prod")
        assert group is not None and group.replicas == 5 and group.networking and group.networking.auth
        env = group.container.environment_variables or {}
        assert env["MAX_TOTAL_TOKENS"] == "8192" and env["PORT"] == "3000" and env["HOSTNAME"] == "::"
        assert env["HF_TOKEN"] == GRANTED  # delivered to the container, yet absent from Pulumi's state
        assert GRANTED not in p.export()
        assert group.readiness_probe and group.readiness_probe.http and group.readiness_probe.http.path == "/health"
        assert group.container.resources.memory == 30720 and group.container.resources.storage_amount == 50 * 2**30
        assert chat(emulator, group.networking.dns, None).status_code == 401
    finally:
        p.run("destroy", "--yes", "--skip-preview", check=False)
    assert emulator.wait_empty() == {"groups": [], "processes": []}


def test_api_faults_are_retried_and_a_lost_create_is_adopted(local: Project, emulator: Emulator) -> None:
    local.config("tgi-fleet:salad.request_timeout_s", "2", path=True)
    emulator.faults(
        {"op": "list_gpu_classes", "status": 503, "times": 1},
        {"op": "create_container_group", "status": 429, "retry_after": "3", "times": 1},
        # The server creates the group, then the answer is lost (the client times out at 2 s).
        {"op": "create_container_group", "commit_first": True, "delay_s": 4, "times": 1},
    )
    local.run("up", "--yes", "--skip-preview")
    creates = [c for c in emulator.status()["calls"] if c["op"] == "create_container_group"]
    assert creates[0]["fault_status"] == 429, creates
    # Retry-After was honoured: the server saw the retry 3 s after its 429, not after the client's own 0.5 s backoff.
    assert 3.0 <= creates[1]["at"] - creates[0]["at"] < 6.0, creates
    groups = emulator.status()["groups"]
    assert [g["name"] for g in groups] == ["tgi-local"], "exactly one group: adopted, never duplicated"
    local.run("destroy", "--yes", "--skip-preview")
    assert emulator.wait_empty() == {"groups": [], "processes": []}


def test_name_conflict_is_a_clear_error(local: Project, emulator: Emulator) -> None:
    from components.providers.salad.api_models import ContainerGroupPrototype

    squatter = ContainerGroupPrototype.model_validate({
        "name": "tgi-local", "autostart_policy": False, "restart_policy": "always", "replicas": 1,
        "container": {"image": "nginx:1.27", "resources": {"cpu": 1, "memory": 1024}}})
    emulator.client().create_group(squatter)
    up = local.run("up", "--yes", "--skip-preview", check=False)
    text = up.stdout + up.stderr
    assert up.returncode != 0 and "already exists" in text and "this stack did not create it" in text
    assert [g["name"] for g in emulator.status()["groups"]] == ["tgi-local"]
    group = emulator.client().get_group("tgi-local")
    assert group is not None and group.container.image == "nginx:1.27", "the other group was left alone"
    emulator.client().delete_group("tgi-local")
    assert emulator.wait_empty()["groups"] == []


def test_instance_reallocated_during_the_readiness_wait(local: Project, emulator: Emulator) -> None:
    emulator.stop()
    emulator.args = {"--load-s": "3"}
    emulator.start()
    result: dict[str, subprocess.CompletedProcess[str]] = {}
    thread = threading.Thread(target=lambda: result.update(up=local.run("up", "--yes", "--skip-preview",
                                                                         check=False)))
    thread.start()
    client = emulator.client()
    reallocated = False
    deadline = time.monotonic() + 60
    while not reallocated and time.monotonic() < deadline:
        group = client.get_group("tgi-local")
        if group is not None:
            for inst in client.list_instances("tgi-local"):
                if inst.state == "running" and not inst.ready:
                    client.instance_action("tgi-local", str(inst.id), "reallocate")
                    reallocated = True
                    break
        time.sleep(0.1)
    thread.join(120)
    assert reallocated
    up = result["up"]
    assert up.returncode == 0, up.stdout + up.stderr
    local.run("destroy", "--yes", "--skip-preview")
    assert emulator.wait_empty() == {"groups": [], "processes": []}


def test_refresh_finds_out_of_band_delete_and_survives_a_restart(local: Project, emulator: Emulator) -> None:
    local.run("up", "--yes", "--skip-preview")
    group_id = local.outputs()["container_group_id"]
    old_pids = {p["pid"] for p in emulator.status()["processes"]}
    # The emulator restarts: the group (state file) survives, its nodes are re-allocated.
    emulator.stop()
    emulator.start()
    local.run("refresh", "--yes", "--skip-preview")
    resources = json.loads(local.export())["deployment"]["resources"]
    group = next(r for r in resources if r["urn"].endswith("::tgi-local") and "dynamic" in r["type"])
    assert group["outputs"]["group_id"] == group_id
    assert group["outputs"]["status"] in ("deploying", "running")
    assert not old_pids & {p["pid"] for p in emulator.status()["processes"]}
    # Deleted out of band: refresh drops it from state.
    emulator.client().delete_group("tgi-local")
    emulator.wait_empty()
    local.run("refresh", "--yes", "--skip-preview")
    types = [r["type"] for r in json.loads(local.export())["deployment"]["resources"]]
    assert sum(t == "pulumi-python:dynamic:Resource" for t in types) == 1  # only the smoke test is left
    local.run("destroy", "--yes", "--skip-preview")
    assert emulator.wait_empty() == {"groups": [], "processes": []}


@pytest.mark.parametrize("key,value,secret,expected", [
    ("tgi-fleet:gpu", json.dumps({"classes": ["RTX 9090 (99 GB)"]}), False,
     "tgi-fleet:gpu.classes[0] = 'RTX 9090 (99 GB)': unknown salad GPU class"),
    ("tgi-fleet:salad_api_key", "plain-key", False, "tgi-fleet:salad_api_key is set in plain text"),
    ("tgi-fleet:replicas", "0", False, "tgi-fleet:replicas = 0"),
])
def test_bad_config_fails_at_preview_naming_the_field(local: Project, emulator: Emulator, key: str,
                                                      value: str, secret: bool, expected: str) -> None:
    local.config(key, value, secret=secret)
    out = local.run("preview", check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0 and expected in text, text
    assert "Traceback" not in text
    assert emulator.status()["groups"] == []


def test_gated_model_without_access_fails_before_any_gpu(local: Project, emulator: Emulator) -> None:
    local.config("tgi-fleet:hf_token", "hf_not_granted_token", secret=True)
    out = local.run("up", "--yes", "--skip-preview", check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0 and "is gated and this HF token has not been granted access" in text
    assert emulator.status()["groups"] == [], "no GPU may be rented before the access check passes"


def test_a_plan_that_does_not_fit_creates_nothing(local: Project, emulator: Emulator) -> None:
    """`make up` without the pack: the program itself refuses the plan before any resource exists."""
    local.config("tgi-fleet:gpu", json.dumps({"classes": ["RTX 3060 (12 GB)"]}))
    out = local.run("up", "--yes", check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0 and "tgi-fleet:gpu: sizing verdict DOES NOT FIT" in text, text
    assert "needs 15.46 GiB per GPU" in text and "RTX 3060 (12 GB) has 12.00 GiB" in text
    assert "Fix: pick a GPU class with >= 16 GB" in text and "tgi-fleet:sizing.allow_unfit: true" in text
    assert "Traceback" not in text
    assert emulator.status()["groups"] == [] and emulator.status()["processes"] == []
    assert not json.loads(local.export())["deployment"].get("resources"), "nothing may be created, not even a stack"


def test_an_overridden_sizing_fails_like_the_real_thing(local: Project, emulator: Emulator) -> None:
    """sizing.allow_unfit: the replicas hit CUDA OOM and crash-loop; the smoke stage says so and fails the update."""
    local.config("tgi-fleet:gpu", json.dumps({"classes": ["RTX 3060 (12 GB)"]}))
    local.config("tgi-fleet:sizing.allow_unfit", "true", path=True)
    local.config("tgi-fleet:smoke.ready_timeout_s", "8", path=True)
    out = local.run("up", "--yes", "--skip-preview", check=False)
    text = out.stdout + out.stderr
    assert "warning: tgi-fleet:gpu: sizing verdict DOES NOT FIT" in text and "allow_unfit is set" in text, text
    assert out.returncode != 0 and "smoke test failed: only 0 of the 3 required replicas became ready" in text
    assert "the replicas' containers keep exiting" in text and "CUDA out of memory" in text, text
    assert "still downloading" not in text
    assert "CUDA out of memory" in (emulator.state_dir / "emulator.log").read_text()
    local.run("destroy", "--yes", "--skip-preview")
    assert emulator.wait_empty() == {"groups": [], "processes": []}


def test_slo_miss_fails_the_update(local: Project, emulator: Emulator) -> None:
    local.config("tgi-fleet:extra_env", json.dumps({"TGI_SIM_FAULTS": "slow_tokens:200"}))
    local.config("tgi-fleet:smoke.latency_slo_ms", "500", path=True)
    local.config("tgi-fleet:smoke.max_tokens", "8", path=True)  # 8 x 200 ms: a sure miss, quickly
    out = local.run("up", "--yes", "--skip-preview", check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0 and "misses its SLOs: latency p95" in text and "latency_slo_ms 500" in text


def test_secrets_from_aws_secrets_manager(local: Project, emulator: Emulator, moto_server: Moto) -> None:
    sm = moto_server.secretsmanager()
    hf_arn = sm.create_secret(Name="tgi/hf-token", SecretString=GRANTED)["ARN"]
    key_arn = sm.create_secret(Name="tgi/salad", SecretString=json.dumps({"salad_api_key": KEY}))["ARN"]
    local.env.update(AWS_ENV)
    local.config("tgi-fleet:secrets", json.dumps({
        "hf_token_source": "aws", "hf_token_aws_secret_id": hf_arn,
        "aws_region": "us-east-1", "aws_endpoint_url": moto_server.url, "hf_endpoint": emulator.hub}))
    local.config("tgi-fleet:salad.api_key_aws_secret_id", key_arn, path=True)
    local.run("up", "--yes", "--skip-preview")
    group = emulator.client().get_group("tgi-local")
    assert group is not None and (group.container.environment_variables or {})["HF_TOKEN"] == GRANTED
    assert GRANTED not in local.export() and KEY not in local.export()
    local.run("destroy", "--yes", "--skip-preview")
    assert emulator.wait_empty() == {"groups": [], "processes": []}


def test_missing_aws_secret_is_a_clear_error(local: Project, emulator: Emulator, moto_server: Moto) -> None:
    local.env.update(AWS_ENV)
    local.config("tgi-fleet:secrets", json.dumps({
        "hf_token_source": "aws", "hf_token_aws_secret_id": "tgi/missing", "aws_region": "us-east-1",
        "aws_endpoint_url": moto_server.url, "hf_endpoint": emulator.hub}))
    out = local.run("preview", check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0 and "cannot read AWS secret 'tgi/missing'" in text and "Traceback" not in text
