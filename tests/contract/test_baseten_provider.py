"""The BasetenModel dynamic provider's create/read/diff/update/delete against the Baseten emulator (in-process,
without the engine): faults, lost answers, failed deployments, updates in place and by a new deployment."""

from __future__ import annotations

from typing import Any

import pytest

from components.providers.baseten.client import BasetenApiError, DeploymentFailed
from components.providers.baseten.resource import BasetenModelProvider
from components.providers.baseten.truss import truss_config
from tests.baseten_cases import load
from tests.baseten_fixture import KEY, BasetenEmulator

PROVIDER = BasetenModelProvider()


def props(emu: BasetenEmulator, stack: str = "baseten-mistral", scaling: dict[str, int] | None = None,
          timeout_s: float = 10, **override: Any) -> dict[str, Any]:
    cfg, settings, plan = load(stack, **override)
    api = {"base_url": emu.base_url, "timeout_s": timeout_s, "s3_endpoint_url": emu.s3, "poll_s": 0.1,
           "deploy_timeout_s": 60, "inference_domain": "api.baseten.co", "inference_scheme": "http"}
    return {"name": cfg.name, "api": api, "api_key": KEY, "truss": truss_config(cfg, plan, settings, with_token=True),
            "autoscaling": scaling or {"min_replica": 1, "max_replica": 2, "concurrency_target": 32},
            "hf_token": "hf_granted"}


def deployments(emu: BasetenEmulator) -> list[tuple[str, str]]:
    return [(d["id"], d["status"]) for m in emu.status()["models"] for d in m["deployments"]]


def test_create_promotes_an_active_deployment_and_delete_leaves_nothing(baseten: BasetenEmulator) -> None:
    created = PROVIDER.create(props(baseten))
    outs = created.outs
    assert outs["status"] == "ACTIVE" and outs["active_replica_count"] == 1
    assert outs["predict_url"] == f"http://model-{created.id}.api.baseten.co/production/predict"
    assert outs["openai_base_url"] == f"http://model-{created.id}.api.baseten.co/environments/production/sync/v1"
    [model] = baseten.status()["models"]
    assert model["production"] == outs["deployment_id"] and baseten.status()["secrets"] == ["hf_access_token"]
    read = PROVIDER.read(created.id, outs)
    assert read.id == created.id and read.outs["status"] == "ACTIVE"
    PROVIDER.delete(created.id, outs)
    assert baseten.wait_empty()["models"] == [] and baseten.status()["processes"] == []


def test_autoscaling_change_is_in_place_and_a_new_truss_is_a_new_deployment(baseten: BasetenEmulator) -> None:
    old = props(baseten)
    created = PROVIDER.create(old)
    scaled = {**old, "autoscaling": {"min_replica": 2, "max_replica": 3, "concurrency_target": 32}}
    diff = PROVIDER.diff(created.id, created.outs, scaled)
    assert diff.changes and not diff.replaces
    in_place = PROVIDER.update(created.id, created.outs, scaled)
    assert in_place.outs["deployment_id"] == created.outs["deployment_id"]
    assert deployments(baseten) == [(created.outs["deployment_id"], "ACTIVE")]
    assert baseten.status()["models"][0]["deployments"][0]["autoscaling"]["min_replica"] == 2

    newer = {**props(baseten, serving={"max_total_tokens": 2048}), "autoscaling": scaled["autoscaling"]}
    assert PROVIDER.diff(created.id, in_place.outs, newer).changes
    updated = PROVIDER.update(created.id, in_place.outs, newer)
    new_id = updated.outs["deployment_id"]
    assert new_id != created.outs["deployment_id"] and updated.outs["status"] == "ACTIVE"
    assert baseten.status()["models"][0]["production"] == new_id
    statuses = dict(deployments(baseten))
    assert statuses[created.outs["deployment_id"]] in ("DEACTIVATING", "INACTIVE")
    PROVIDER.delete(created.id, updated.outs)


def test_a_renamed_model_is_replaced(baseten: BasetenEmulator) -> None:
    old = props(baseten)
    diff = PROVIDER.diff("abc", {**old, "truss_digest": "x"}, {**old, "name": "other"})
    assert diff.replaces == ["name"] and diff.delete_before_replace


def test_model_deleted_out_of_band_is_found_by_read(baseten: BasetenEmulator) -> None:
    created = PROVIDER.create(props(baseten))
    from components.providers.baseten.client import client_from

    with client_from(created.outs["api"], KEY) as client:
        assert client.delete_model(created.id)
    assert PROVIDER.read(created.id, created.outs).id == ""
    PROVIDER.delete(created.id, created.outs)  # already gone: no error


def test_429_and_5xx_are_retried(baseten: BasetenEmulator) -> None:
    baseten.faults({"op": "prepare_model_upload", "status": 429, "retry_after": "1"},
                   {"op": "get_deployment", "status": 503, "times": 2})
    created = PROVIDER.create(props(baseten))
    assert created.outs["status"] == "ACTIVE" and len(baseten.status()["models"]) == 1
    PROVIDER.delete(created.id, created.outs)


def test_a_timeout_after_the_server_created_the_model_is_adopted(baseten: BasetenEmulator) -> None:
    # The create is applied, then its answer is held past the client's timeout: the retry must find it.
    baseten.faults({"op": "create_model", "commit_first": True, "delay_s": 3})
    created = PROVIDER.create(props(baseten, timeout_s=1))
    [model] = baseten.status()["models"]
    assert model["id"] == created.id and len(model["deployments"]) == 1
    PROVIDER.delete(created.id, created.outs)


def test_build_failed_fails_fast_with_the_status_and_cleans_up(baseten: BasetenEmulator) -> None:
    with pytest.raises(DeploymentFailed) as info:
        PROVIDER.create(props(baseten, extra_env={"BASETEN_SIM_FAULTS": "build_failed"}))
    message = str(info.value)
    assert "is BUILD_FAILED (Baseten's status)" in message and "BASETEN_SIM_FAULTS=build_failed" in message
    assert message.endswith("(tgi-mistral-baseten) was deleted")
    assert baseten.status()["models"] == []


def test_a_failed_new_deployment_leaves_production_serving(baseten: BasetenEmulator) -> None:
    created = PROVIDER.create(props(baseten))
    broken = props(baseten, extra_env={"BASETEN_SIM_FAULTS": "deploy_failed"})
    with pytest.raises(BasetenApiError, match=r"DEPLOY_FAILED .* still serves production"):
        PROVIDER.update(created.id, created.outs, broken)
    assert baseten.status()["models"][0]["production"] == created.outs["deployment_id"]
    PROVIDER.delete(created.id, created.outs)


OWNER = "tgi-fleet/baseten-mistral"  # "project/stack", what the component passes


def dead_run_made(emu: BasetenEmulator, owner: str | None) -> str:
    """A model as a run that died mid-create leaves it: pushed (labelled with its owner), never recorded."""
    from components.providers.baseten.client import client_from
    from components.providers.baseten.resource import _push

    p = {**props(emu), "owner": owner}
    with client_from(p["api"], KEY) as client:
        return _push(client, p, None).model.id


def test_a_model_this_stack_made_in_a_run_that_died_is_adopted(baseten: BasetenEmulator) -> None:
    # kill -9 during create (issue #27 item 3): the next create finds the model by name and its deployments'
    # owner label (Baseten keeps a deployment's labels as pushed: https://docs.baseten.co/deployment/manage/labels)
    # and takes it over, never a 409 and never a second model.
    made = dead_run_made(baseten, OWNER)
    created = PROVIDER.create({**props(baseten), "owner": OWNER})
    assert created.id == made and created.outs["status"] == "ACTIVE"
    [model] = baseten.status()["models"]
    assert model["production"] == created.outs["deployment_id"] and len(model["deployments"]) == 1
    PROVIDER.delete(created.id, created.outs)
    assert baseten.wait_empty()["models"] == []


def test_an_adopted_model_of_another_truss_gets_this_truss_as_a_new_deployment(baseten: BasetenEmulator) -> None:
    made = dead_run_made(baseten, OWNER)
    newer = {**props(baseten, serving={"max_total_tokens": 2048}), "owner": OWNER}
    created = PROVIDER.create(newer)
    [model] = baseten.status()["models"]
    assert created.id == made and len(model["deployments"]) == 2 and model["production"] == created.outs[
        "deployment_id"]
    PROVIDER.delete(created.id, created.outs)


@pytest.mark.parametrize("theirs", [None, "someone/else"])
def test_a_same_named_model_this_stack_did_not_make_is_refused_naming_the_key(baseten: BasetenEmulator,
                                                                              theirs: str | None) -> None:
    made = dead_run_made(baseten, theirs)
    with pytest.raises(BasetenApiError) as info:
        PROVIDER.create({**props(baseten), "owner": OWNER})
    message = str(info.value)
    assert "tgi-fleet-owner" in message and f"this stack is {OWNER!r}" in message
    assert "Fix: choose another tgi-fleet:name, or delete that model on Baseten" in message
    [model] = baseten.status()["models"]
    assert model["id"] == made and len(model["deployments"]) == 1  # theirs, untouched


def test_diff_sees_a_model_deleted_out_of_band_and_replaces_it(baseten: BasetenEmulator) -> None:
    # issue #27 item 4: `up` without --refresh must see it (SaladCloud's diff does), not wait out the readiness.
    created = PROVIDER.create({**props(baseten), "owner": OWNER})
    same = {**props(baseten), "owner": OWNER}
    assert not PROVIDER.diff(created.id, created.outs, same).changes
    from components.providers.baseten.client import client_from

    with client_from(created.outs["api"], KEY) as client:
        assert client.delete_model(created.id)
    diff = PROVIDER.diff(created.id, created.outs, same)
    assert diff.changes and diff.replaces == ["model_id"] and diff.delete_before_replace
    PROVIDER.delete(created.id, created.outs)  # what the replace does first: gone already, no error
    again = PROVIDER.create(same)
    assert again.id != created.id and again.outs["status"] == "ACTIVE"
    PROVIDER.delete(again.id, again.outs)


def test_diff_without_the_api_still_diffs_the_config(baseten: BasetenEmulator) -> None:
    created = PROVIDER.create({**props(baseten), "owner": OWNER})
    baseten.faults({"op": "get_model", "status": 503, "times": 2})  # diff's two tries both fail
    same = {**props(baseten), "owner": OWNER}
    assert not PROVIDER.diff(created.id, created.outs, same).changes  # a preview only misses drift
    PROVIDER.delete(created.id, created.outs)


def test_destroy_fails_while_baseten_keeps_the_model(baseten: BasetenEmulator) -> None:
    created = PROVIDER.create({**props(baseten), "owner": OWNER})
    baseten.faults({"op": "delete_model", "status": 500, "times": 10})
    with pytest.raises(BasetenApiError, match=r"delete_model failed \(HTTP 500\)"):
        PROVIDER.delete(created.id, {**created.outs, "api": {**created.outs["api"], "timeout_s": 2}})
    assert [m["id"] for m in baseten.status()["models"]] == [created.id]
    PROVIDER.delete(created.id, created.outs)
    assert baseten.wait_empty()["models"] == []


def test_readiness_ends_at_once_on_a_model_deleted_out_of_band(baseten: BasetenEmulator) -> None:
    # Not a wait for the whole ready_timeout_s on "no production deployment" (issue #27 item 4).
    from components.providers import registry
    from components.providers.baseten.client import client_from
    from components.readiness import DeploymentEnded

    created = PROVIDER.create({**props(baseten), "owner": OWNER})
    source = registry.provider("baseten").readiness({"api": created.outs["api"], "api_key": KEY,
                                                     "model_id": created.id})
    assert source.count().ready == 1
    with client_from(created.outs["api"], KEY) as client:
        assert client.delete_model(created.id)
    with pytest.raises(DeploymentEnded, match=f"Baseten model {created.id} no longer exists .* `pulumi up` makes it"):
        source.count()
