"""components/providers/dstack/client.py, status.py and readiness.py against a real dstack server with no fleet."""

from __future__ import annotations

import json
import time

import pytest

from components.providers.dstack.client import ApiTarget, DstackApi, DstackApiError
from components.providers.dstack.component import readiness_spec
from components.providers.dstack.offers import describe_plan
from components.providers.dstack.readiness import DstackReplicas, DstackRunFailed, readiness_from
from components.providers.dstack.rules import classify
from components.providers.dstack.status import run_state
from components.smoke.resource import _healthy
from tests.dstack_cases import RETRY, api_for, service_conf, wait_for
from tests.dstack_fixture import DstackProject, DstackServer


def test_secret_set_update_delete(dstack_project: DstackProject) -> None:
    api = api_for(dstack_project)
    api.set_secret("hf_token", "hf_first")
    api.set_secret("hf_token", "hf_second")  # create_or_update
    assert api.secret_names() == {"hf_token"}
    listed = api.client.client.secrets.list(dstack_project.name)
    assert [s.value for s in listed] == [None]  # the list never shows values
    assert api.client.client.secrets.get(dstack_project.name, "hf_token").value == "hf_second"
    assert api.delete_secret("hf_token") is True
    assert api.delete_secret("hf_token") is False and api.secret_names() == set()


def test_no_fleet_plan_has_no_offers_and_the_run_fails_with_dstacks_reason(dstack_project: DstackProject) -> None:
    api = api_for(dstack_project)
    api.set_secret("hf_token", "hf_x")
    conf = service_conf()
    plan = api.plan(conf)
    assert plan.action.value == "create" and plan.job_plans[0].total_offers == 0
    assert describe_plan(plan) == ["no offers: no fleet or backend of the project has this GPU (within max_price)"]
    run = api.apply(plan)
    state = run_state(run, api.target.server_url)
    name = conf["name"]
    assert state.status == "submitted" and state.failure is None
    assert state.service_url == f"{dstack_project.server.url}/proxy/services/{dstack_project.name}/{name}/"
    assert state.model_url == f"{dstack_project.server.url}/proxy/models/{dstack_project.name}/"
    assert state.model_name == "mistralai/Mistral-7B-Instruct-v0.1"
    source = DstackReplicas(api, name)
    began = time.monotonic()

    def failed() -> str | None:
        try:
            source.count()
        except DstackRunFailed as exc:
            return str(exc)
        return None

    msg = wait_for("the no-capacity failure", failed)
    # Raised as soon as dstack ends the run (job_failed), not after a readiness timeout.
    assert time.monotonic() - began < 60
    assert f"dstack run {name!r} failed (failed_to_start_due_to_no_capacity: No matching fleet found" in msg
    assert "Fix: give the project capacity for this GPU: create a fleet" in msg and "max_price" in msg
    # The smoke stage's health check (its diff) sees the ended run as unhealthy rather than failing the preview.
    spec = {"provider": "dstack", **readiness_spec(
        {"server_url": api.target.server_url, "project": api.target.project, "timeout_s": 30}, api.target.token, name)}
    assert _healthy({"readiness": spec, "min_ready": 1}) is False


def test_retry_keeps_the_run_pending_until_stopped_then_nothing_is_left(dstack_project: DstackProject) -> None:
    api = api_for(dstack_project)
    conf = service_conf(retry=RETRY)
    api.apply(api.plan(conf))
    name = conf["name"]
    source = readiness_from(readiness_spec(
        {"server_url": api.target.server_url, "project": api.target.project, "timeout_s": 30}, api.target.token, name))
    pending = wait_for("a pending (retrying) run", lambda: api.get(name).status.value == "pending")
    assert pending
    count = source.count()  # retrying is not a failure: readiness keeps waiting
    assert count.ready == 0 and "run pending" in count.detail and "failed_to_start_due_to_no_capacity" in count.detail
    time.sleep(5)
    assert not api.get(name).status.is_finished()
    assert api.stop_and_delete(name, timeout_s=60) is True
    assert api.get(name) is None and api.live_runs() == [] and dstack_project.live_runs() == []
    assert api.stop_and_delete(name, timeout_s=60) is False  # already gone: nothing to do
    with pytest.raises(DstackRunFailed, match="no longer exists"):
        source.count()


def test_a_run_deleted_out_of_band_is_seen_as_gone(dstack_project: DstackProject) -> None:
    api = api_for(dstack_project)
    conf = service_conf(retry=RETRY)
    api.apply(api.plan(conf))
    name = conf["name"]
    dstack = dstack_project.client()  # someone else, with dstack's own client
    dstack.runs.get(name).stop(abort=True)
    wait_for("the stopped run to finish", lambda: dstack.runs.get(name).status.is_finished())
    dstack.client.runs.delete(dstack_project.name, [name])
    assert api.get(name) is None


def test_updates_follow_dstacks_rules(dstack_project: DstackProject) -> None:
    api = api_for(dstack_project)
    conf = service_conf(retry=RETRY)
    first = api.apply(api.plan(conf))
    name = conf["name"]

    in_place = {**conf, "replicas": 2}
    assert classify(conf, in_place).kind == "in-place"
    plan = api.plan(in_place)
    assert plan.action.value == "update"
    run = api.apply(plan)
    assert (run.id, run.deployment_num) == (first.id, first.deployment_num + 1)
    assert run.run_spec.configuration.replicas.min == 2

    rolling = {**in_place, "env": {**conf["env"], "MAX_CONCURRENT_REQUESTS": "64"}}
    assert classify(in_place, rolling).kind == "rolling"
    run = api.apply(api.plan(rolling))
    assert (run.id, run.deployment_num) == (first.id, first.deployment_num + 2)

    restart = {**rolling, "spot_policy": "auto"}
    assert classify(rolling, restart).kind == "restart"
    plan = api.plan(restart)
    assert plan.action.value == "create"  # dstack agrees: it cannot update the active run
    with pytest.raises(DstackApiError) as info:
        api.apply(plan)
    assert f"dstack apply run {name!r}" in str(info.value)
    assert "the dstack server says: Cannot override active run. Stop the run first." in str(info.value)
    api.stop_and_delete(name, timeout_s=60)
    again = api.apply(api.plan(restart))  # stop, wait, re-apply: a new run of the same name
    assert again.id != first.id and again.run_spec.configuration.spot_policy.value == "auto"


def test_server_refusals_are_carried_through_naming_the_key(dstack_project: DstackProject) -> None:
    api = api_for(dstack_project)
    conf = service_conf()
    autoscaled = {**conf, "replicas": "1..2", "scaling": {"metric": "rps", "target": 5}}
    with pytest.raises(DstackApiError) as info:
        api.apply(api.plan(autoscaled))
    assert "tgi-fleet:dstack.autoscaling: the dstack server says: Auto-scaling is not supported" in str(info.value)

    assert "has no default gateway" in (api.gateway_problem(True) or "")
    assert "no such gateway (it has: none)" in (api.gateway_problem("gw") or "")
    with pytest.raises(DstackApiError) as info:
        api.apply(api.plan({**conf, "gateway": True}))
    assert "tgi-fleet:dstack.gateway: the dstack server says: The service requires a gateway" in str(info.value)

    # A configuration dstack's client would refuse, sent as is: the server's 422 names the key.
    spec = {"run_spec": {"configuration": {**conf, "resources": {**conf["resources"], "gpu": "24XB"}}}}
    path = f"/api/project/{dstack_project.name}/runs/get_plan"
    with pytest.raises(DstackApiError) as info:
        api.call("plan", api.client.client._request, path, body=json.dumps(spec))
    assert "HTTP 422" in str(info.value) and "tgi-fleet:gpu (dstack: resources.gpu" in str(info.value)

    with pytest.raises(DstackApiError) as info:  # an env entry without a value: the server answers 500
        api.plan({**conf, "env": ["MODEL_ID=x", "HF_TOKEN"]})
    assert "HTTP 500" in str(info.value) and "tgi-fleet:extra_env" in str(info.value)
    assert dstack_project.live_runs() == []


def test_bad_token_and_unreachable_server_say_the_fix(dstack_server: DstackServer) -> None:
    bad = DstackApi(ApiTarget(dstack_server.url, "main", "not-the-token", timeout_s=10))
    with pytest.raises(DstackApiError) as info:
        bad.secret_names()
    assert "refused the token" in str(info.value) and "pulumi config set --secret dstack_token" in str(info.value)
    from emulator.procs import free_port

    down = DstackApi(ApiTarget(f"http://127.0.0.1:{free_port()}", "main", "t", timeout_s=5))
    with pytest.raises(DstackApiError) as info:
        down.secret_names()
    assert "cannot reach the dstack server at http://127.0.0.1:" in str(info.value)
    assert "make dstack-server" in str(info.value) and "tgi-fleet:dstack.server_url" in str(info.value)


def test_the_sizing_table_asks_the_server_for_its_offers(dstack_project: DstackProject) -> None:
    """The program asks the real server for the plan's offers (none here: no fleet); where the server cannot be asked,
    the catalog's estimate stays and the run's check reports why."""
    from components.providers.base import BuildContext
    from components.providers.dstack import PROVIDER, TOKEN_KEY
    from components.secrets import ResolvedSecrets
    from tests.dstack_cases import stack_cfg
    from tests.plans import plan_for

    server = dstack_project.server

    def ctx(url: str, token: str) -> BuildContext:  # type: ignore[type-arg]
        cfg = stack_cfg(server_url=url, project=dstack_project.name)
        return BuildContext(provider=PROVIDER, cfg=cfg, settings=cfg.settings, plan=plan_for(cfg),
                            secrets=ResolvedSecrets(hf_token="hf_x", provider={TOKEN_KEY: token}))

    live = PROVIDER.live_offers(ctx(server.url, server.token))
    assert live is not None and live.offers == [] and live.total == 0
    assert live.source == f"dstack server {server.url}, project {dstack_project.name!r}"
    assert PROVIDER.live_offers(ctx(server.url, "not-the-token")) is None
    assert dstack_project.live_runs() == []  # asking for a plan creates nothing
