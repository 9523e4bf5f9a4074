"""SaladCloud readiness: an instance serves when its state is running and it reports ready."""

from __future__ import annotations

from components.salad.client import SaladClient
from components.smoke.readiness import ReadyCount


class SaladInstances:
    """Counts a container group's ready instances through the instance API."""

    def __init__(self, client: SaladClient, group: str) -> None:
        self.client, self.group = client, group

    def count(self) -> ReadyCount:
        instances = self.client.list_instances(self.group)
        states: dict[str, int] = {}
        for inst in instances:
            states[inst.state] = states.get(inst.state, 0) + 1
        ready = sum(1 for i in instances if i.state == "running" and i.ready)
        detail = ", ".join(f"{n} {s}" for s, n in sorted(states.items())) or "no instances yet"
        return ReadyCount(ready, len(instances), detail)
