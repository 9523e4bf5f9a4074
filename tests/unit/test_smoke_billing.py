"""The sentence a failed smoke test ends with (components/smoke/billing.py): keep, stop, and a provider that cannot."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from components.errors import ApiError
from components.providers import registry
from components.providers.base import Provider
from components.smoke.billing import after_failure, billing_spec


class Stoppable(Provider[Any]):
    def __init__(self, answer: str | None = None, fails: bool = False) -> None:
        self.answer, self.fails = answer, fails
        self.asked: list[Mapping[str, Any]] = []

    def stop(self, spec: Mapping[str, Any]) -> str | None:
        self.asked.append(spec)
        if self.fails:
            raise ApiError("stop", 503, "unavailable")
        return self.answer


def test_keep_says_what_runs_its_cost_and_the_stop_command() -> None:
    text = after_failure(billing_spec("salad", "salad-dev", 3, "RTX 4090 (24 GB)", 0.96, "keep"), {"x": 1})
    assert "Still running and billing: the salad deployment (3 replica(s) on RTX 4090 (24 GB)), about $0.96/h" in text
    assert "`make destroy STACK=salad-dev` (or `pulumi destroy --stack salad-dev`)" in text
    assert "tgi-fleet:smoke.on_failure: stop" in text


def test_no_price_is_said_as_such() -> None:
    assert "no price known" in after_failure(billing_spec("docker", "d", 1, None, None, "keep"), None)


@pytest.mark.parametrize("provider,expected", [
    (Stoppable("group 'g' stopped"), "tgi-fleet:smoke.on_failure is stop: group 'g' stopped."),
    (Stoppable(None), "the fake provider cannot stop a deployment from here"),
    (Stoppable(fails=True), "but stopping failed (the provider API stop failed (HTTP 503): unavailable)"),
])
def test_stop_goes_through_the_provider(monkeypatch: pytest.MonkeyPatch, provider: Stoppable, expected: str) -> None:
    monkeypatch.setattr(registry, "provider", lambda name: provider)
    spec = {"provider": "fake", "group": "g"}
    text = after_failure(billing_spec("fake", "dev", 2, "L4", 1.5, "stop"), spec)
    assert expected in text and provider.asked == [spec]
    assert ("still running and billing" in text) == (provider.answer is None)


def test_nothing_to_say_without_a_billing_input() -> None:
    assert after_failure(None, {"provider": "local"}) == ""  # a smoke resource created before the input existed
