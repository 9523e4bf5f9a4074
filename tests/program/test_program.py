"""The whole program (components.deploy) under Pulumi mocks: the provider seam, secrets resolved once."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.config import ConfigError
from components.deploy import deploy
from components.plan import PlanError
from components.providers import registry
from tests.program.harness import Recorder, set_stack_config, settle

MISTRAL = {"id": "mistralai/Mistral-7B-Instruct-v0.3"}


@pytest.fixture
def exports(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The stack outputs deploy() exports."""
    found: dict[str, Any] = {}
    monkeypatch.setattr(pulumi, "export", lambda key, value: found.__setitem__(key, value))
    return found


@pytest.fixture
def throwaway(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """A provider registered for this test only: one registry line, nothing else anywhere."""
    monkeypatch.setitem(registry.PROVIDERS, "throwaway", "tests.program.throwaway")
    rec = Recorder()
    pulumi.runtime.set_mocks(rec, project="tgi-fleet", stack="throwaway", preview=True)
    return rec


THROWAWAY = {"provider": "throwaway", "name": "tgi-box", "model": MISTRAL, "gpu": {"classes": ["A10G"]},
             "replicas": 2, "throwaway": {"region": "moon"}}


@pulumi.runtime.test
def test_a_registered_module_is_a_whole_provider(throwaway: Recorder, exports: dict[str, Any]) -> Any:
    set_stack_config(THROWAWAY, {"throwaway_key": "k", "hf_token": "hf_x"})
    deploy()

    def check(_: Any) -> None:
        service, box, smoke = throwaway.resources[:3]
        assert (service[0], service[1]) == ("tgi-fleet:index:TgiService", "tgi-box")
        contract = service[2]
        # The catalog key, prices and the interruptible flag come from the provider module.
        assert contract["provider"] == "throwaway" and contract["gpu_class"] == "A10G"
        assert contract["hourly_cost"] == pytest.approx(2 * 1.21) and contract["interruptible"] is False
        assert (box[0], box[2]["region"]) == ("throwaway:index:Box", "moon")
        assert smoke[0].startswith("pulumi-python:dynamic:Resource") and smoke[1] == "tgi-box-smoke"
        assert exports["region"] == "moon" and exports["provider"] == "throwaway"

    # The smoke test's outputs exist once every resource is registered.
    return exports["curl_example"].apply(check)


@pulumi.runtime.test
def test_a_providers_live_offers_price_the_plan(throwaway: Recorder, exports: dict[str, Any],
                                                monkeypatch: pytest.MonkeyPatch) -> Any:
    """Where the provider's API quotes the plan, its cheapest offer is the plan's cost everywhere: the table, the
    outputs and the policy contract (the hourly-cost ceiling judges what the provider would charge)."""
    from components.sizing.recommend import LiveOffer, LiveOffers
    from tests.program.throwaway import ThrowawayProvider

    asked: list[int] = []

    def live_offers(self: ThrowawayProvider, ctx: Any) -> LiveOffers:
        asked.append(ctx.plan.num_shard)
        offers = [LiveOffer(offering=f"moon-{i}", gpu="A10G", gpus=1, price_per_hour=p, spot=False,
                            availability="available") for i, p in enumerate((0.5, 0.9))]
        return LiveOffers(provider="throwaway", source="moon's API", offers=offers, total=2)

    monkeypatch.setattr(ThrowawayProvider, "live_offers", live_offers)
    set_stack_config(THROWAWAY, {"throwaway_key": "k", "hf_token": "hf_x"})
    deploy()

    def check(_: Any) -> None:
        assert asked == [1]  # once per run
        assert exports["hourly_cost_usd"] == pytest.approx(2 * 0.5)
        assert exports["cost_by_provider"]["throwaway"] == {"offering": "moon-0 (live)", "usd_per_hour": 1.0}
        assert "offers of the moon's API (cheapest first, 2 replica(s)):" in exports["sizing"]
        assert throwaway.resources[0][2]["hourly_cost"] == pytest.approx(1.0)

    return exports["curl_example"].apply(check)


def test_the_provider_section_is_validated_by_the_provider(throwaway: Recorder) -> None:
    set_stack_config({**THROWAWAY, "throwaway": {"regoin": "moon"}}, {"throwaway_key": "k"})
    with pytest.raises(ConfigError, match=r"tgi-fleet:throwaway.regoin: unknown key. Fix: remove it \(did you mean "
                                          r"'region'\?\)"):
        deploy()


def test_the_provider_declares_its_secret_keys(throwaway: Recorder) -> None:
    set_stack_config(THROWAWAY, {"hf_token": "hf_x"})
    with pytest.raises(Exception, match=r"tgi-fleet:throwaway_key is not set\. Fix: `pulumi config set --secret "
                                        r"throwaway_key <value>`"):
        deploy()


@pulumi.runtime.test
def test_secrets_are_resolved_once_and_reach_sizing(monkeypatch: pytest.MonkeyPatch, exports: dict[str, Any]) -> Any:
    import components.plan
    import components.secrets

    reads: list[str] = []
    monkeypatch.setattr(components.secrets, "aws_secret",
                        lambda cfg, secret_id, hint: reads.append(secret_id) or f"value-of-{secret_id}")
    monkeypatch.setattr(components.secrets, "check_model_access", lambda cfg, token: reads.append(f"check:{token}"))
    monkeypatch.setattr("components.deploy.check_model_access", components.secrets.check_model_access)
    hub: list[tuple[Any, ...]] = []
    real = components.plan.load_model
    monkeypatch.setattr(components.plan, "load_model", lambda *a, **kw: hub.append((*a, kw)) or real(MISTRAL["id"]))
    rec = Recorder()
    pulumi.runtime.set_mocks(rec, project="tgi-fleet", stack="salad-aws", preview=False)
    set_stack_config({"provider": "salad", "name": "tgi-aws", "model": {"id": "acme/unshipped-7b"},
                      "gpu": {"classes": ["RTX 4090 (24 GB)"]},
                      "secrets": {"hf_token_source": "aws", "hf_token_aws_secret_id": "hf-arn",
                                  "hf_endpoint": "https://hub.mirror.example"},
                      "salad": {"api_key_aws_secret_id": "salad-arn"}}, {})
    deploy()

    def check(_: Any) -> None:
        # One Secrets Manager read per secret for the whole run; the model access check gets the same token.
        assert reads == ["hf-arn", "salad-arn", "check:value-of-hf-arn"]
        # Sizing reads an unshipped model's config from the configured Hub with the resolved token.
        assert hub == [("acme/unshipped-7b", "value-of-hf-arn", None, {"endpoint": "https://hub.mirror.example"})]

    return exports["curl_example"].apply(check)


K8S_SMOKE = {"provider": "kubernetes", "name": "tgi-k", "model": MISTRAL, "gpu": {"name": "L4"}, "replicas": 3}


def test_one_endpoint_cannot_count_several_replicas(monkeypatch: pytest.MonkeyPatch) -> None:
    pulumi.runtime.set_mocks(Recorder(), project="tgi-fleet", stack="k", preview=True)
    set_stack_config({**K8S_SMOKE, "smoke": {"min_ready_replicas": 2}}, {"hf_token": "hf_x"})
    with pytest.raises(PlanError, match=r"tgi-fleet:smoke.min_ready_replicas = 2: the kubernetes provider's "
                                        r"readiness check sees one endpoint"):
        deploy()


def test_a_skipped_smoke_stage_says_why(monkeypatch: pytest.MonkeyPatch, exports: dict[str, Any]) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda msg, *a, **kw: warnings.append(msg))
    rec = Recorder()
    pulumi.runtime.set_mocks(rec, project="tgi-fleet", stack="k", preview=True)
    set_stack_config(K8S_SMOKE, {"hf_token": "hf_x"})  # no ingress host, no smoke.endpoint
    settle(deploy)
    assert "smoke" not in exports and not any(t.startswith("pulumi-python:dynamic") for t, _, _ in rec.resources)
    assert warnings == ["smoke: skipped: the kubernetes deployment has no endpoint reachable from here (no gateway, "
                        "render mode, or no public host). Fix: set tgi-fleet:smoke.endpoint to a URL that reaches "
                        "it, or tgi-fleet:smoke.enabled: false to silence this."]
