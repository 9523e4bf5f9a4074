"""DstackService (the dstack provider's TgiService) under Pulumi mocks: its child, which inputs are secret, the
outputs the smoke stage gets, and the policy contract it carries."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.providers import registry
from components.providers.dstack.readiness import DstackReplicas
from components.providers.dstack.settings import DstackSettings
from policies.rules import evaluate
from tests.program.harness import Recorder, build_service, is_secret, stack_config, unwrap

HF, TOKEN = "hf_dstack_component_token", "dstack-component-token"
SERVER = "http://127.0.0.1:3000"
DEV: dict[str, Any] = {"provider": "dstack", "name": "tgi-d", "model": {"id": "mistralai/Mistral-7B-Instruct-v0.1"},
                       "gpu": {"min_vram_gb": 24}, "gateway": {"auth": True, "port": 80}, "environment": "dev",
                       "dstack": {"server_url": SERVER, "project": "llm"}}
RUN_OUTPUTS = {"run_name": "tgi-d", "run_id": "5f0c", "status": "submitted", "deployment_num": 0,
               "service_url": f"{SERVER}/proxy/services/llm/tgi-d/", "model_url": f"{SERVER}/proxy/models/llm/",
               "model_name": "mistralai/Mistral-7B-Instruct-v0.1", "offers": []}


@pytest.fixture
def recorder() -> Recorder:
    rec = Recorder({"pulumi-python:dynamic:Resource": RUN_OUTPUTS})
    pulumi.runtime.set_mocks(rec, project="tgi-fleet", stack="test", preview=False)
    return rec


@pulumi.runtime.test
def test_the_run_is_a_child_with_secret_inputs(recorder: Recorder) -> Any:
    service = build_service(stack_config(DEV, {"dstack_token": TOKEN, "hf_token": HF}))
    out = service.outputs

    def check(args: list[Any]) -> None:
        endpoint, headers, readiness = args
        assert [(t, n) for t, n, _ in recorder.resources] == [("tgi-fleet:index:TgiService", "tgi-d"),
                                                              ("pulumi-python:dynamic:Resource", "tgi-d")]
        run = recorder.resources[1][2]
        assert is_secret(run["token"]) and unwrap(run["token"]) == TOKEN
        assert is_secret(run["hf_token"]) and unwrap(run["hf_token"]) == HF
        assert run["secret_name"] == "hf_token" and run["conf"]["env"]["HF_TOKEN"] == "${{ secrets.hf_token }}"
        assert HF not in str(run["conf"]) and TOKEN not in str(run["conf"]) and TOKEN not in str(run["api"])
        assert run["api"] == {"server_url": SERVER, "project": "llm", "timeout_s": 30.0, "stop_timeout_s": 300.0}
        # TGI's /v1/chat/completions through dstack's service proxy, with the dstack token as bearer.
        assert endpoint == f"{SERVER}/proxy/services/llm/tgi-d"
        assert headers == {"Authorization": f"Bearer {TOKEN}"}
        assert readiness == {"provider": "dstack", "server_url": SERVER, "project": "llm", "token": TOKEN,
                             "timeout_s": 30.0, "run": "tgi-d"}
        contract = recorder.resources[0][2]
        assert contract["provider"] == "dstack" and contract["secret_env"] == ["HF_TOKEN"]
        assert "HF_TOKEN" not in contract["plain_env"] and contract["interruptible"] is False
        assert contract["gpu_vram_bytes"] >= contract["min_vram_bytes"]
        assert all(not v for v in evaluate(contract).values())  # the pack holds on dstack

    assert out.endpoint is not None and out.readiness is not None
    return pulumi.Output.all(out.endpoint, out.headers, out.readiness).apply(check)


@pulumi.runtime.test
def test_spot_is_interruptible_and_a_public_model_sets_no_secret(recorder: Recorder) -> Any:
    cfg = stack_config({**DEV, "dstack": {**DEV["dstack"], "spot_policy": "auto"},
                        "secrets": {"hf_token_source": "none"}}, {"dstack_token": TOKEN})
    out = build_service(cfg).outputs

    def check(_: Any) -> None:
        contract, run = recorder.resources[0][2], recorder.resources[1][2]
        assert contract["interruptible"] is True and contract["secret_env"] == []
        assert run.get("secret_name") is None and run.get("hf_token") is None and "HF_TOKEN" not in run["conf"]["env"]

    return out.trigger.apply(check)


def test_the_provider_is_registered_with_its_section_and_readiness() -> None:
    provider = registry.provider("dstack")
    assert provider.settings_model is DstackSettings and provider.secret_keys == ("dstack_token",)
    assert provider.catalog(DstackSettings()) == "dstack" and not provider.renders_only(DstackSettings())
    assert provider.renders_only(DstackSettings(render_dir="/tmp/x"))
    source = provider.readiness({"provider": "dstack", "server_url": SERVER, "project": "p", "token": "t",
                                 "timeout_s": 5, "run": "r"})
    assert isinstance(source, DstackReplicas) and source.run_name == "r"


def test_gateway_flag_given_as_text() -> None:
    assert DstackSettings(gateway="true").gateway is True and DstackSettings(gateway="False").gateway is False
    assert DstackSettings(gateway="my-gw").gateway == "my-gw"


def test_the_program_and_unpickling_the_provider_skip_dstack_and_http() -> None:
    # What a preview's program loads for a dstack stack (building the component) and what the dynamic-provider
    # process loads to unpickle DstackRunProvider: neither dstack's client and models (~1 s) nor httpx.
    from tests.unit.test_preview_imports import loaded_modules

    code = ("import json, sys\nimport components.providers.dstack.component, components.providers.dstack.resource\n"
            "print(json.dumps(sorted(sys.modules)))")
    loaded = loaded_modules(code)
    assert "components.providers.dstack.component" in loaded
    assert not {m for m in loaded if m.split(".")[0] in ("dstack", "httpx", "requests")}


def dstack_offer(backend: str, price: float, spot: bool, gpus: int = 1) -> Any:
    """An offer as dstack's server sends it (dstack's own model)."""
    from dstack._internal.core.models.backends.base import BackendType
    from dstack._internal.core.models.instances import (
        Disk,
        Gpu,
        InstanceAvailability,
        InstanceOfferWithAvailability,
        InstanceType,
        Resources,
    )

    resources = Resources(cpus=4, memory_mib=16384, gpus=[Gpu(name="A10G", memory_mib=24576)] * gpus, spot=spot,
                          disk=Disk(size_mib=100 * 1024))
    return InstanceOfferWithAvailability(backend=BackendType(backend), region="us-east-1", price=price,
                                         availability=InstanceAvailability.AVAILABLE,
                                         instance=InstanceType(name="g5.xlarge", resources=resources))


def run_plan(offers: list[Any], total: int) -> Any:
    from types import SimpleNamespace as NS

    return NS(job_plans=[NS(offers=offers, total_offers=total)])


def test_the_update_log_lists_dstacks_offers_with_their_prices() -> None:
    """Where the server has offers (a fleet or a backend), the update's log lists them, cheapest first."""
    from components.providers.dstack.offers import MAX_OFFERS_SHOWN, describe_plan

    offers = [dstack_offer("aws", 0.3018, True), dstack_offer("aws", 1.006, False)]
    offers += [dstack_offer("gcp", 2.0, False)] * 10
    lines = describe_plan(run_plan(offers, len(offers) + 5))
    assert lines[0] == "aws us-east-1 g5.xlarge: $0.3018/h (spot), available"
    assert lines[1] == "aws us-east-1 g5.xlarge: $1.006/h, available"
    assert len(lines) == MAX_OFFERS_SHOWN + 1
    assert lines[-1] == f"... and {len(offers) + 5 - MAX_OFFERS_SHOWN} more offers"


def test_dstacks_offers_price_the_plan_in_the_sizing_table() -> None:
    """The server's cheapest offer replaces the catalog's dstack row and the plan's cost; the table lists them."""
    from components.providers.dstack.offers import offers_of
    from components.sizing.recommend import with_live_offers
    from components.sizing.report import explain
    from tests.dstack_cases import stack_cfg
    from tests.plans import plan_for

    cfg = stack_cfg().model_copy(update={"replicas": 2})
    plan = plan_for(cfg)
    catalog = {q.provider: q for q in plan.quotes}["dstack"]
    live = offers_of(run_plan([dstack_offer("aws", 0.3018, True), dstack_offer("gcp", 2.5, False, gpus=2)], 9),
                     "dstack", "dstack server http://127.0.0.1:3000, project 'main'")
    assert [(o.gpu, o.gpus, o.spot) for o in live.offers] == [("A10G", 1, True), ("A10G", 2, False)]
    priced = with_live_offers(plan, live)
    row = {q.provider: q for q in priced.quotes}["dstack"]
    assert (row.offering, row.gpu, row.price_per_hour) == ("aws us-east-1 g5.xlarge (live)", "A10G", 0.3018)
    assert priced.hourly_cost == row.hourly_cost == round(2 * 0.3018, 4) != catalog.hourly_cost
    assert [q.hourly_cost for q in priced.quotes] == sorted(q.hourly_cost for q in priced.quotes)
    table = explain(priced)
    assert "offers of the dstack server http://127.0.0.1:3000, project 'main' (cheapest first, 2 replica(s)):" in table
    assert "aws us-east-1 g5.xlarge" in table and "$     0.60/h spot, available" in table
    assert "gcp us-east-1 g5.xlarge             2x A10G      $     5.00/h, available" in table
    assert "... and 7 more" in table
    assert "    dstack    aws us-east-1 g5.xlarge (live) num_shard=1  $     0.60/h" in table.splitlines()

    none = with_live_offers(plan, offers_of(run_plan([], 0), "dstack", "dstack server X"))
    assert none.quotes == plan.quotes and none.hourly_cost == plan.hourly_cost
    assert ("dstack server X: no offers: no fleet or backend of the project has this GPU (within max_price); the "
            "dstack price above is the catalog's estimate, not an offer") in explain(none)
