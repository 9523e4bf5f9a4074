"""The Baseten emulator against Baseten's contract: the official `baseten` SDK drives it, its answers parse as the
SDK's models, and its lifecycle, errors, autoscaling, inference routes and restarts behave as documented."""

from __future__ import annotations

import io
import json
import tarfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import psutil
import pytest
from baseten.client import ManagementClient
from baseten.client.managementapi import (
    CreateModelRequest,
    DeploymentArchivePayload,
    ModelArchiveSource,
    PrepareModelUploadRequest,
    PromoteRequest,
    ResponseError,
    UpdateAutoscalingSettings,
    UpsertSecretRequest,
)

from components.providers.baseten.truss import truss_archive, truss_config
from tests.baseten_cases import load
from tests.baseten_fixture import KEY, BasetenEmulator
from tests.emulator_fixture import running

Config = dict[str, Any]


def mistral_truss(**override: Any) -> Config:
    cfg, settings, plan = load("baseten-mistral", **override)
    return truss_config(cfg, plan, settings, with_token=True)


def sdk(emu: BasetenEmulator) -> ManagementClient:
    return ManagementClient(api_key=KEY, base_url_override=emu.base_url)


def upload(emu: BasetenEmulator, prepared: Any, archive: bytes) -> None:
    creds = prepared.creds
    s3 = boto3.client("s3", endpoint_url=emu.s3, region_name=prepared.s3_region,
                      aws_access_key_id=creds.aws_access_key_id, aws_secret_access_key=creds.aws_secret_access_key,
                      aws_session_token=creds.aws_session_token)
    s3.put_object(Bucket=prepared.s3_bucket, Key=prepared.s3_key, Body=archive)


def push(emu: BasetenEmulator, name: str, config: Config, archive: bytes | None = None,
         autoscaling: dict[str, int] | None = None) -> tuple[str, str]:
    """The documented push, with the SDK: secret, prepare, S3 upload, create. (model id, deployment id)"""
    client = sdk(emu)
    client.api.post_secrets(request=UpsertSecretRequest(name="hf_access_token", value="hf_granted"))
    payload = DeploymentArchivePayload(config=config, autoscaling_settings=UpdateAutoscalingSettings(
        **(autoscaling or {"min_replica": 1, "max_replica": 1})))
    prepared = client.api.post_prepare_model_upload(request=PrepareModelUploadRequest(name=name, deployment=payload))
    upload(emu, prepared, truss_archive(config) if archive is None else archive)
    created = client.api.post_models(request=CreateModelRequest(source=ModelArchiveSource(
        name=name, deployment=payload, s3_key=prepared.s3_key)))
    return created.model.id, created.deployment.id


def statuses_until(emu: BasetenEmulator, model_id: str, deployment_id: str, done: Callable[[str], bool],
                   timeout: float = 30.0) -> list[str]:
    """Every distinct status seen, polling fast, until done(status)."""
    client, seen = sdk(emu), []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status = client.api.get_models_deployments_deployment_id(model_id=model_id,
                                                                     deployment_id=deployment_id).status
        except ResponseError as exc:  # the emulator's rate limit (600/min) answers a fast poll 429: wait as told
            if exc.status_code != 429:
                raise
            time.sleep(1.0)
            continue
        if not seen or seen[-1] != status:
            seen.append(status)
        if done(status):
            return seen
        time.sleep(0.03)
    raise AssertionError(f"still {seen[-1:]} after {timeout} s: {seen}")


def processes(emu: BasetenEmulator) -> int:
    return len(emu.status()["processes"])


def wait_for(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


# Each phase long enough that a poll on a loaded machine (pytest-xdist workers beside it) sees it: with the fixture's
# 0.3 s build, the first poll came after the build had ended and saw DEPLOYING first.
SEEN_PHASES = {"--build-s": "1.5", "--deploy-s": "1.5", "--load-s": "1.5"}


@pytest.fixture
def phased(tmp_path: Path) -> Iterator[BasetenEmulator]:
    """A Baseten emulator whose build, deploy and load phases each last SEEN_PHASES."""
    with running(BasetenEmulator.on_free_ports(tmp_path / "baseten", SEEN_PHASES)) as emu:
        yield emu


def test_sdk_push_runs_the_documented_lifecycle_and_serves(phased: BasetenEmulator) -> None:
    baseten = phased
    model_id, dep_id = push(baseten, "tgi-mistral", mistral_truss())
    seen = statuses_until(baseten, model_id, dep_id, lambda s: s == "ACTIVE")
    assert seen == ["BUILDING", "DEPLOYING", "LOADING_MODEL", "ACTIVE"]
    client = sdk(baseten)
    promoted = client.api.post_models_deployments_promote(model_id=model_id, deployment_id=dep_id,
                                                         request=PromoteRequest())
    assert promoted.is_production and promoted.active_replica_count == 1
    model = client.api.get_models_model_id(model_id=model_id)
    assert model.production_deployment_id == dep_id and model.instance_type_name == "1xA10G"
    assert [m.name for m in client.api.get_models().models] == ["tgi-mistral"]
    assert [s.name for s in client.api.get_secrets().secrets] == ["hf_access_token"]

    host = baseten.host_headers(model_id)
    predict = httpx.post(f"{baseten.inference}/production/predict", headers=host, timeout=10, json={
        "prompt": "What is the meaning of life?", "max_new_tokens": 32, "temperature": 0.1, "top_p": 0.75,
        "top_k": 40})
    assert predict.status_code == 200 and predict.json().startswith("What is the meaning of life?")
    by_id = httpx.post(f"{baseten.inference}/deployment/{dep_id}/predict", headers=host, timeout=10,
                       json={"prompt": "hi", "max_new_tokens": 4})
    assert by_id.status_code == 200
    chat = httpx.post(f"{baseten.inference}/environments/production/sync/v1/chat/completions", headers=host,
                      timeout=10, json={"model": "tgi", "messages": [{"role": "user", "content": "hi"}],
                                        "max_tokens": 8, "stream": True})
    assert chat.status_code == 200 and chat.text.rstrip().endswith("data: [DONE]")
    assert client.api.delete_models(model_id=model_id).deleted
    assert baseten.wait_empty() == {"models": [], "secrets": ["hf_access_token"], "processes": []}


# Seed 001 (basetenlabs/truss-examples mistral/mistral-7b/README.md, commit b7cd3f405e63b9c7df9b77cd2e83b7fcb13025ff,
# "Example usage"): `truss predict -d '{"prompt": "What is the meaning of life?", "max_new_tokens": 4096}'`, the
# same body POSTed to the model's predict route; "stream" (default false) streams the text back.
SEED_001 = {"prompt": "What is the meaning of life?", "max_new_tokens": 4096}


def test_seed_001s_own_predict_body_is_answered_by_the_tgi_truss(baseten: BasetenEmulator) -> None:
    model_id, dep_id = push(baseten, "seed-001", mistral_truss())
    statuses_until(baseten, model_id, dep_id, lambda s: s == "ACTIVE")
    host, url = baseten.host_headers(model_id), f"{baseten.inference}/deployment/{dep_id}/predict"
    answer = httpx.post(url, headers=host, json=SEED_001, timeout=60)
    assert answer.status_code == 200, answer.text
    # truss serves a str result as JSON: the seed's model.py returns the prompt and its continuation.
    text = answer.json()
    assert isinstance(text, str) and text.startswith(SEED_001["prompt"]) and len(text) > len(SEED_001["prompt"])
    streamed = httpx.post(url, headers=host, json={**SEED_001, "stream": True}, timeout=60)
    # truss streams a generator's chunks as application/octet-stream (truss_server.py, _execute_request).
    assert streamed.status_code == 200 and streamed.headers["content-type"] == "application/octet-stream"
    assert streamed.text.startswith(SEED_001["prompt"]) and len(streamed.text) > len(SEED_001["prompt"])
    too_many = httpx.post(url, headers=host, json={**SEED_001, "max_new_tokens": 4097}, timeout=10)
    assert too_many.status_code == 400 and "above this deployment's maximum of 4096" in too_many.json()["error"]
    chat = httpx.post(f"{baseten.inference}/deployment/{dep_id}/sync/v1/chat/completions", headers=host, timeout=10,
                      json={"model": "tgi", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 8})
    assert chat.status_code == 200 and chat.json()["usage"]["completion_tokens"] <= 8
    # The model class's TGI runs inside the replica and goes with it.
    [server] = [psutil.Process(p["pid"]) for p in baseten.status()["processes"]]
    [tgi] = server.children()
    assert "emulator.replica" in tgi.cmdline()
    assert (baseten.state_dir / "trusses" / dep_id / "model" / "model.py").is_file()  # the unpacked truss
    assert sdk(baseten).api.delete_models(model_id=model_id).deleted
    baseten.wait_empty()
    assert not tgi.is_running() or tgi.status() == psutil.STATUS_ZOMBIE
    assert not (baseten.state_dir / "trusses" / dep_id).exists()


def test_a_tgi_truss_whose_model_does_not_fit_fails_with_tgis_oom_in_the_logs(baseten: BasetenEmulator) -> None:
    # Mixtral 8x22B in fp16 on the stack's one 24 GB A10G: TGI's start-up runs out of memory, the model class's
    # load() fails, truss's server exits, and the deployment ends DEPLOY_FAILED.
    config = mistral_truss()
    args = config["model_metadata"]["tgi"]["launcher_args"]
    args[args.index("--model-id") + 1] = "mistralai/Mixtral-8x22B-Instruct-v0.1"
    model_id, dep_id = push(baseten, "too-big-tgi", config)
    seen = statuses_until(baseten, model_id, dep_id, lambda s: s not in ("BUILDING", "DEPLOYING", "LOADING_MODEL"),
                          timeout=60)
    assert seen[-1] == "DEPLOY_FAILED"
    messages = [line.message for line in sdk(baseten).api.get_models_deployments_logs(
        model_id=model_id, deployment_id=dep_id).logs]
    assert any("CUDA out of memory" in m for m in messages), messages[-10:]
    assert any("text-generation-launcher exited with status" in m for m in messages), messages[-10:]
    assert processes(baseten) == 0


def test_a_truss_without_its_model_class_fails_to_build(baseten: BasetenEmulator) -> None:
    config = mistral_truss()
    bare = io.BytesIO()
    with tarfile.open(fileobj=bare, mode="w") as tar:
        data = truss_archive(config)
        with tarfile.open(fileobj=io.BytesIO(data)) as full:
            member = full.getmember("config.yaml")
            tar.addfile(member, full.extractfile(member))
    model_id, dep_id = push(baseten, "no-model-class", config, archive=bare.getvalue())
    assert statuses_until(baseten, model_id, dep_id, lambda s: s != "BUILDING")[-1] == "BUILD_FAILED"
    logs = httpx.get(f"{baseten.base_url}/v1/models/{model_id}/deployments/{dep_id}/logs",
                     params={"min_level": "ERROR"}, headers=baseten.headers).json()["logs"]
    assert "the uploaded archive has no model/model.py" in logs[-1]["message"]


@pytest.mark.parametrize("header", ["Api-Key", "Bearer"])
def test_both_auth_schemes_and_the_error_shape(baseten: BasetenEmulator, header: str) -> None:
    ok = httpx.get(f"{baseten.base_url}/v1/models", headers={"Authorization": f"{header} {KEY}"})
    assert ok.status_code == 200 and ok.json() == {"models": []}
    for headers in ({}, {"Authorization": f"{header} wrong"}):
        r = httpx.get(f"{baseten.base_url}/v1/models", headers=headers)
        assert r.status_code == 401 and r.json()["error"] == "UNAUTHENTICATED" and "Api-Key" in r.json()["message"]
    missing = httpx.get(f"{baseten.base_url}/v1/models/nope123", headers=baseten.headers)
    assert missing.status_code == 404 and missing.json() == {"error": "NOT_FOUND", "message": "Model nope123 not found"}
    unauthorized = httpx.post(f"{baseten.inference}/production/predict", headers={"Host": "model-nope123.x"})
    assert unauthorized.status_code == 401


def test_invalid_requests_are_422_with_the_reason(baseten: BasetenEmulator) -> None:
    client = sdk(baseten)
    bad = mistral_truss()
    bad["resources"]["accelerator"] = "A10"
    with pytest.raises(ResponseError) as info:
        client.api.post_prepare_model_upload(request=PrepareModelUploadRequest(
            name="x", deployment=DeploymentArchivePayload(config=bad)))
    assert info.value.status_code == 422 and "Unsupported accelerator 'A10'" in info.value.body
    r = httpx.post(f"{baseten.base_url}/v1/secrets", headers=baseten.headers, json={"name": "x"})
    assert r.status_code == 422 and r.json()["error"] == "INVALID_ARGUMENT" and "value" in r.json()["message"]
    unissued = httpx.post(f"{baseten.base_url}/v1/models", headers=baseten.headers, json={"source": {
        "kind": "model_archive", "name": "x", "deployment": {"config": mistral_truss()}, "s3_key": "made/up"}})
    assert unissued.status_code == 422 and "was not issued by prepare_model_upload" in unissued.json()["message"]


def test_deployment_labels_are_kept_as_pushed_within_basetens_limits(baseten: BasetenEmulator) -> None:
    # https://docs.baseten.co/deployment/manage/labels: "A label object can be up to 2 KB after JSON serialization.
    # Label keys and string values can contain printable ASCII characters except spaces." and "Published deployment
    # labels remain fixed after creation." (what tgi-fleet's ownership label relies on, issue #27 item 3)
    client = sdk(baseten)
    for labels, why in (({"owner": "a b"}, "printable ASCII characters without spaces"),
                        ({"k": "x" * 2100}, "exceed 2048 bytes")):
        with pytest.raises(ResponseError) as info:
            client.api.post_prepare_model_upload(request=PrepareModelUploadRequest(
                name="x", deployment=DeploymentArchivePayload(config=mistral_truss(), labels=labels)))
        assert info.value.status_code == 422 and why in info.value.body
    labels = {"tgi-fleet-owner": "tgi-fleet/baseten-mistral", "n": 3}
    payload = DeploymentArchivePayload(config=mistral_truss(), labels=labels)
    prepared = client.api.post_prepare_model_upload(request=PrepareModelUploadRequest(name="l", deployment=payload))
    upload(baseten, prepared, truss_archive(mistral_truss()))
    created = client.api.post_models(request=CreateModelRequest(source=ModelArchiveSource(
        name="l", deployment=payload, s3_key=prepared.s3_key)))
    [listed] = client.api.get_models_deployments(model_id=created.model.id).deployments
    assert created.deployment.labels == listed.labels == labels


def test_injected_429_carries_retry_after(baseten: BasetenEmulator) -> None:
    baseten.faults({"op": "list_models", "status": 429, "retry_after": "1"})
    r = httpx.get(f"{baseten.base_url}/v1/models", headers=baseten.headers)
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    assert r.json() == {"error": "TOO_MANY_REQUESTS", "message": "injected fault on list_models"}


def test_build_fails_on_a_build_fault_and_on_an_archive_that_is_not_the_config(baseten: BasetenEmulator) -> None:
    faulty = mistral_truss(extra_env={"BASETEN_SIM_FAULTS": "build_failed"})
    model_id, dep_id = push(baseten, "faulty", faulty)
    assert statuses_until(baseten, model_id, dep_id, lambda s: s != "BUILDING")[-1] == "BUILD_FAILED"
    other = truss_archive({**mistral_truss(), "model_name": "someone-else"})
    model2, dep2 = push(baseten, "mismatch", mistral_truss(), archive=other)
    assert statuses_until(baseten, model2, dep2, lambda s: s != "BUILDING")[-1] == "BUILD_FAILED"
    logs = httpx.get(f"{baseten.base_url}/v1/models/{model2}/deployments/{dep2}/logs",
                     params={"min_level": "ERROR"}, headers=baseten.headers).json()["logs"]
    assert "config.yaml differs" in logs[-1]["message"] and logs[-1]["level"] == "ERROR"
    assert processes(baseten) == 0


def test_a_plan_that_does_not_fit_refuses_to_load(baseten: BasetenEmulator) -> None:
    cfg, settings, plan = load("baseten-mixtral", gpu={"classes": ["A100_40GB:4"]}, serving={"num_shard": 2})
    model_id, dep_id = push(baseten, "too-big", truss_config(cfg, plan, settings, with_token=True))
    seen = statuses_until(baseten, model_id, dep_id, lambda s: s not in ("BUILDING", "DEPLOYING", "LOADING_MODEL"))
    assert seen[-1] == "DEPLOY_FAILED"
    messages = [line.message for line in sdk(baseten).api.get_models_deployments_logs(
        model_id=model_id, deployment_id=dep_id).logs]
    assert any("CUDA out of memory" in m and "the GPU has 40.00 GiB" in m for m in messages)


# Seed 004's config.yaml (truss-examples mistral/mixtral-8x22b-trt-int8-weights-only, commit
# fa6fb838b1b5473570d6b7289b1ab83b67988761): model_metadata.example_model_input.
SEED_004_EXAMPLE = {"max_tokens": 512, "messages": [
    {"content": "What is your favourite condiment?", "role": "user"},
    {"content": "Well, I'm quite partial to a good squeeze of fresh lemon juice. It adds just the right amount of "
                "zesty flavour to whatever I'm cooking up in the kitchen!", "role": "assistant"},
    {"content": "Do you have mayonnaise recipes?", "role": "user"}]}


def test_trt_llm_truss_serves_the_seeds_predict_and_openai(baseten: BasetenEmulator) -> None:
    cfg, settings, plan = load("baseten-mixtral")
    model_id, dep_id = push(baseten, "mixtral", truss_config(cfg, plan, settings, with_token=True))
    statuses_until(baseten, model_id, dep_id, lambda s: s == "ACTIVE")
    host = baseten.host_headers(model_id)
    knobs = {"messages": [{"role": "user", "content": "What is Deep Learning?"}], "max_tokens": 50,
             "temperature": 0.7, "top_p": 0.7, "top_k": 50, "beam_width": 1, "bad_words_list": [],
             "stop_words_list": [], "repetition_penalty": 1.0}
    streamed = httpx.post(f"{baseten.inference}/deployment/{dep_id}/predict", headers=host, json=knobs, timeout=10)
    assert streamed.status_code == 200 and streamed.headers["content-type"].startswith("text/plain")
    assert len(streamed.text.split()) > 3
    # Seed 004's model.py (truss-examples mistral/mixtral-8x22b-trt-int8-weights-only/model/model.py, commit
    # 07776f98c86fac2e4879b5da13f67443d7a194b4): stream defaults to True; not streamed, an openai-compatible
    # truss returns "".join(generate()), the text as a JSON string.
    whole = httpx.post(f"{baseten.inference}/deployment/{dep_id}/predict", headers=host, timeout=10,
                       json={**knobs, "stream": False})
    assert whole.status_code == 200 and whole.headers["content-type"] == "application/json"
    assert isinstance(whole.json(), str) and len(whole.json().split()) > 3
    # ... and its config.yaml's example_model_input, as given (three messages, max_tokens 512, streamed).
    example = httpx.post(f"{baseten.inference}/deployment/{dep_id}/predict", headers=host, timeout=30,
                         json=SEED_004_EXAMPLE)
    assert example.status_code == 200 and example.headers["content-type"].startswith("text/plain")
    assert example.text.strip()
    beams = httpx.post(f"{baseten.inference}/deployment/{dep_id}/predict", headers=host, timeout=10,
                       json={**knobs, "beam_width": 2})
    assert beams.status_code == 400 and "beam_width must be 1" in beams.json()["error"]
    generate = httpx.post(f"{baseten.inference}/deployment/{dep_id}/sync/generate", headers=host, timeout=10,
                          json={"inputs": "hi"})
    assert generate.status_code == 404  # TensorRT-LLM is no TGI


def test_replicas_follow_the_autoscaling_settings(baseten: BasetenEmulator) -> None:
    model_id, dep_id = push(baseten, "scaled", mistral_truss(), autoscaling={"min_replica": 1, "max_replica": 3,
                                                                              "scale_down_delay": 0})
    statuses_until(baseten, model_id, dep_id, lambda s: s == "ACTIVE")
    client = sdk(baseten)
    answer = client.api.patch_models_deployments_autoscaling_settings(
        model_id=model_id, deployment_id=dep_id, request=UpdateAutoscalingSettings(min_replica=2))
    assert answer.status == "ACCEPTED"
    wait_for(lambda: client.api.get_models_deployments_deployment_id(
        model_id=model_id, deployment_id=dep_id).active_replica_count == 2)
    assert processes(baseten) == 2
    same = client.api.patch_models_deployments_autoscaling_settings(
        model_id=model_id, deployment_id=dep_id, request=UpdateAutoscalingSettings(min_replica=2))
    assert same.status == "UNCHANGED"
    client.api.patch_models_deployments_autoscaling_settings(
        model_id=model_id, deployment_id=dep_id, request=UpdateAutoscalingSettings(min_replica=1))
    wait_for(lambda: processes(baseten) == 1)
    deactivated = client.api.post_models_deployments_deactivate(model_id=model_id, deployment_id=dep_id)
    assert deactivated.success and not deactivated.no_op
    assert statuses_until(baseten, model_id, dep_id, lambda s: s == "INACTIVE")[-1] == "INACTIVE"
    assert processes(baseten) == 0


def test_state_survives_a_restart(baseten: BasetenEmulator) -> None:
    model_id, dep_id = push(baseten, "durable", mistral_truss())
    statuses_until(baseten, model_id, dep_id, lambda s: s == "ACTIVE")
    baseten.stop()
    saved = json.loads((baseten.state_dir / "baseten.json").read_text())
    assert [m["doc"]["id"] for m in saved["models"]] == [model_id]
    baseten.start()
    client = sdk(baseten)
    assert client.api.get_models_model_id(model_id=model_id).name == "durable"
    assert statuses_until(baseten, model_id, dep_id, lambda s: s == "ACTIVE")[-1] == "ACTIVE"
    assert [s.name for s in client.api.get_secrets().secrets] == ["hf_access_token"]


def test_truss_archive_is_what_truss_push_uploads() -> None:
    archive = truss_archive(mistral_truss())
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        assert tar.getnames() == ["config.yaml", "model/model.py"]  # truss's layout: config + model class
    cfg, settings, plan = load("baseten-mixtral")
    with tarfile.open(fileobj=io.BytesIO(truss_archive(truss_config(cfg, plan, settings, with_token=True)))) as tar:
        assert tar.getnames() == ["config.yaml"]  # the TensorRT-LLM engine builder needs no model class


def test_the_emulator_listens_on_loopback_only(baseten: BasetenEmulator) -> None:
    """Its three servers (management API, inference host, S3) bind 127.0.0.1, as the process's own sockets show."""
    assert baseten.proc is not None
    proc = psutil.Process(baseten.proc.pid)
    listening = {c.laddr for p in (proc, *proc.children(recursive=True)) for c in p.net_connections("inet")
                 if c.status == psutil.CONN_LISTEN}
    ports = {baseten.port, baseten.inference_port, baseten.s3_port}
    assert ports <= {addr.port for addr in listening}, listening
    assert {addr.ip for addr in listening} == {"127.0.0.1"}, listening


def test_the_official_openai_client_talks_to_the_openai_route(baseten: BasetenEmulator) -> None:
    from openai import OpenAI

    model_id, dep_id = push(baseten, "openai-route", mistral_truss())
    statuses_until(baseten, model_id, dep_id, lambda s: s == "ACTIVE")
    sdk(baseten).api.post_models_deployments_promote(model_id=model_id, deployment_id=dep_id,
                                                     request=PromoteRequest())
    client = OpenAI(base_url=f"{baseten.inference}/environments/production/sync/v1", api_key="unused",
                    default_headers={"Authorization": f"Api-Key {KEY}", "Host": f"model-{model_id}.api.baseten.co"})
    answer = client.chat.completions.create(model="tgi", max_tokens=8,
                                            messages=[{"role": "user", "content": "What is Deep Learning?"}])
    assert answer.choices[0].message.content and answer.usage is not None and answer.usage.completion_tokens <= 8
    chunks = list(client.chat.completions.create(model="tgi", max_tokens=8, stream=True,
                                                 messages=[{"role": "user", "content": "hi"}]))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def test_malformed_fault_requests_are_400_or_422_not_500(baseten: BasetenEmulator) -> None:
    # Issue #27 item 11: the emulator's own control answers as the SaladCloud emulator's does.
    url = f"{baseten.base_url}/_emulator/faults"
    deep = httpx.post(url, content=b"[" * 100_000, headers={**baseten.headers, "Content-Type": "application/json"},
                      timeout=5)
    assert deep.status_code == 400, deep.text
    for raw in (b"{not json", b"\xff\xfe"):
        r = httpx.post(url, content=raw, headers={**baseten.headers, "Content-Type": "application/json"}, timeout=5)
        assert r.status_code == 400, r.text
    for bad in ({"status": "x"}, [{"op": "*", "times": 1}, {"times": "many"}], "not a fault"):
        r = httpx.post(url, json=bad, headers=baseten.headers, timeout=5)
        assert r.status_code == 422 and "Invalid fault" in r.text, r.text
    ok = httpx.post(url, json=[], headers=baseten.headers, timeout=5)
    assert ok.status_code == 200 and ok.json()["pending"] == []  # the bad lists added nothing


def test_the_emulators_log_carries_no_api_key(baseten: BasetenEmulator) -> None:
    """A log is read by whoever debugs a run: the key that opens the API stays out of it (#27.2)."""
    assert "Baseten API on" in baseten.log() and KEY not in baseten.log()
