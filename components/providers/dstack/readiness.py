"""Readiness of a dstack service from dstack's API: replicas serving (running, probes passed), or dstack's reason
for ending the run, raised at once with the fix (never a silent wait until the timeout)."""

from __future__ import annotations

from typing import Any

from components.errors import ApiError
from components.providers.dstack.client import DstackApi, DstackApiError, api_from
from components.providers.dstack.status import run_state
from components.readiness import DeploymentEnded, ReadyCount


class DstackRunFailed(DstackApiError, DeploymentEnded):
    """dstack ended the run (or it was stopped or deleted outside Pulumi): waiting longer cannot help."""


class DstackUnavailable(ApiError):
    """The dstack API did not answer the readiness poll: transient for the readiness wait."""

    service = "the dstack API"


class DstackReplicas:
    """Counts the replicas of one dstack run that serve."""

    def __init__(self, api: DstackApi, run_name: str) -> None:
        self.api, self.run_name = api, run_name

    def count(self) -> ReadyCount:
        try:
            run = self.api.get(self.run_name)
        except DstackApiError as exc:
            raise DstackUnavailable(f"get run {self.run_name!r}", None, str(exc)) from None
        if run is None:
            raise DstackRunFailed(f"dstack run {self.run_name!r} no longer exists (deleted outside Pulumi). Fix: "
                                  f"`pulumi up` applies it again.")
        state = run_state(run, self.api.target.server_url)
        if state.failure:
            raise DstackRunFailed(state.failure)
        if state.status in ("terminated", "done"):
            raise DstackRunFailed(f"dstack run {self.run_name!r} is {state.status} ({state.termination_reason}): it "
                                  f"was stopped outside Pulumi. Fix: `pulumi up` applies it again.")
        return ReadyCount(state.ready, max(state.replicas, 1), state.detail)

    def api_contact(self) -> tuple[str, str]:
        """Where the API is, and what to check when it stops answering the readiness queries."""
        return self.api.target.server_url, ("Fix: check that the dstack server answers from here "
                                            "(tgi-fleet:dstack.server_url), then run `pulumi up` again.")


def readiness_from(spec: dict[str, Any]) -> DstackReplicas:
    """A readiness source from the description component.readiness_spec() made."""
    return DstackReplicas(api_from(spec, spec["token"]), spec["run"])
