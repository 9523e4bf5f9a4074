"""DstackRunProvider (the pulumi.dynamic provider) driven directly against a real dstack server with no fleet."""

from __future__ import annotations

import pickle
from typing import Any

from components.providers.dstack.resource import DstackRunProvider, token_digest
from tests.dstack_cases import RETRY, api_for, service_conf
from tests.dstack_fixture import DstackProject


def props_for(project: DstackProject, conf: dict[str, Any], hf_token: str = "hf_secret_value") -> dict[str, Any]:
    return {"api": {"server_url": project.server.url, "project": project.name, "timeout_s": 30.0,
                    "stop_timeout_s": 60.0},
            "token": project.server.token, "conf": conf, "secret_name": "hf_token", "hf_token": hf_token}


def test_the_pickled_provider_holds_no_state() -> None:
    # Pulumi keeps the pickled provider in state in plain text: secrets travel only as (secret) inputs.
    provider = DstackRunProvider()
    assert vars(provider) == {} and len(pickle.dumps(provider)) < 200


def test_check_names_the_key_before_anything_is_created(dstack_project: DstackProject) -> None:
    provider = DstackRunProvider()
    conf = service_conf()
    bad = {**conf, "resources": {**conf["resources"], "gpu": "24XB"}}
    failures = provider.check({}, props_for(dstack_project, bad)).failures
    assert [f.property for f in failures] == [""]  # the engine then prints the reason alone
    assert "tgi-fleet:gpu (dstack: resources.gpu.memory.min = '24XB')" in failures[0].reason
    unresolved = {**conf, "env": {**conf["env"], "X": "${{ secrets.missing }}"}}
    failures = provider.check({}, props_for(dstack_project, unresolved)).failures
    assert "tgi-fleet:extra_env.X" in failures[0].reason and "never resolved" in failures[0].reason
    failures = provider.check({}, props_for(dstack_project, {**conf, "gateway": True})).failures
    assert "tgi-fleet:dstack.gateway = true but project" in failures[0].reason
    assert provider.check({}, props_for(dstack_project, conf)).failures == []
    assert dstack_project.live_runs() == [] and api_for(dstack_project).secret_names() == set()


def test_create_read_update_delete(dstack_project: DstackProject) -> None:
    provider = DstackRunProvider()
    api = api_for(dstack_project)
    conf = service_conf(retry=RETRY)
    props = props_for(dstack_project, conf)
    created = provider.create(props)
    name = conf["name"]
    outs = created.outs
    assert created.id == name and outs["status"] == "submitted" and outs["deployment_num"] == 0
    assert outs["service_url"] == f"{dstack_project.server.url}/proxy/services/{dstack_project.name}/{name}/"
    assert outs["model_url"] == f"{dstack_project.server.url}/proxy/models/{dstack_project.name}/"
    assert outs["offers"] == ["no offers: no fleet or backend of the project has this GPU (within max_price)"]
    assert outs["hf_token_digest"] == token_digest("hf_secret_value") and "hf_secret_value" not in str(
        {k: v for k, v in outs.items() if k != "hf_token"})
    assert api.client.client.secrets.get(dstack_project.name, "hf_token").value == "hf_secret_value"
    assert provider.read(name, outs).id == name

    scaled = {**props, "conf": {**conf, "replicas": 2}}
    diff = provider.diff(name, outs, scaled)
    assert diff.changes and diff.replaces == []
    updated = provider.update(name, outs, scaled).outs
    assert (updated["run_id"], updated["deployment_num"]) == (outs["run_id"], 1)  # in place: the same run

    spot = {**scaled, "conf": {**scaled["conf"], "spot_policy": "spot"}}
    diff = provider.diff(name, updated, spot)
    assert diff.replaces == ["conf.spot_policy"] and diff.delete_before_replace
    assert not provider.diff(name, updated, {**scaled, "hf_token": "hf_secret_value"}).changes
    assert provider.diff(name, updated, {**scaled, "hf_token": "hf_rotated"}).changes

    provider.delete(name, updated)
    assert dstack_project.live_runs() == [] and api.secret_names() == set()
    assert provider.read(name, updated).id == ""  # refresh drops a run that is gone
    provider.delete(name, updated)  # deleting what is gone is a no-op


def test_up_repairs_a_run_deleted_or_stopped_out_of_band(dstack_project: DstackProject) -> None:
    # issue #27 item 4: `pulumi up` (no --refresh) sees it live in diff, and update applies the run again.
    from tests.dstack_cases import wait_for

    provider = DstackRunProvider()
    conf = service_conf(retry=RETRY)
    props = props_for(dstack_project, conf)
    name = conf["name"]
    outs = provider.create(props).outs
    assert not provider.diff(name, outs, props).changes
    dstack = dstack_project.client()  # someone else, with dstack's own client

    dstack.runs.get(name).stop(abort=True)
    wait_for("the stopped run to finish", lambda: dstack.runs.get(name).status.is_finished())
    diff = provider.diff(name, outs, props)
    assert diff.changes and diff.replaces == []
    again = provider.update(name, outs, props).outs
    assert again["run_id"] != outs["run_id"] and dstack_project.live_runs() == [name]
    assert not dstack.runs.get(name).status.is_finished()

    dstack.runs.get(name).stop(abort=True)
    wait_for("the stopped run to finish", lambda: dstack.runs.get(name).status.is_finished())
    dstack.client.runs.delete(dstack_project.name, [name])
    assert dstack_project.live_runs() == []
    diff = provider.diff(name, again, props)
    assert diff.changes and diff.replaces == []
    third = provider.update(name, again, props).outs
    assert third["run_id"] not in (outs["run_id"], again["run_id"]) and dstack_project.live_runs() == [name]
    assert not provider.diff(name, third, props).changes  # repaired: nothing more to do
    provider.delete(name, third)
    assert dstack_project.live_runs() == []


def test_provider_stop_stops_the_run_as_the_server_reports_it(dstack_project: DstackProject) -> None:
    """Issue #27 item 7's `smoke.on_failure: stop` on dstack: `Provider.stop`, reached as the smoke stage reaches it
    (the billing sentence, with the readiness spec the wait used), stops the run; the server then reports it
    finished, stopped by the user (dstack 0.22.5, `dstack/_internal/core/models/runs.py`: Run.termination_reason
    "stores `RunTerminationReason`", whose STOPPED_BY_USER is "stopped_by_user"), and the message says how it
    comes back (a plain `up` applies a stopped run again: test_up_repairs_a_run_deleted_or_stopped_out_of_band)."""
    from components.providers.dstack.component import readiness_spec
    from components.smoke.billing import after_failure, billing_spec
    from tests.dstack_cases import wait_for

    provider = DstackRunProvider()
    conf = service_conf(retry=RETRY)  # no fleet here: the run waits for capacity (pending), as a stuck one would
    name = conf["name"]
    outs = provider.create(props_for(dstack_project, conf)).outs
    dstack = dstack_project.client()
    assert not dstack.runs.get(name).status.is_finished()
    spec = {"provider": "dstack", **readiness_spec(outs["api"], dstack_project.server.token, name)}
    said = after_failure(billing_spec("dstack", "dstack-dev", 1, "A10G", 1.0, "stop"), spec)
    assert said == (f" tgi-fleet:smoke.on_failure is stop: dstack run {name!r} stopped; the next `pulumi up` applies "
                    f"it again. `make destroy STACK=dstack-dev` (or `pulumi destroy --stack dstack-dev`) removes it.")
    run = wait_for("the stopped run to finish", lambda: (r := dstack.runs.get(name)) and r.status.is_finished() and r)
    assert run.status.value == "terminated", run.status
    assert run._run.termination_reason == "stopped_by_user", run._run.termination_reason
    assert dstack_project.live_runs() == [name]  # stopped, not deleted: `pulumi up` applies it again
    provider.delete(name, outs)
    assert dstack_project.live_runs() == []
