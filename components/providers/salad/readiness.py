"""SaladCloud readiness: an instance of the group's current version serves when it is running and reports ready."""

from __future__ import annotations

from components.providers.salad.client import SaladApiError, SaladClient
from components.readiness import ReadyCount


class SaladInstances:
    """Counts a container group's ready instances of one version through the instance API.

    After an update, instances of the previous version may still answer for a while; only the version the update
    made proves the update (instances report the container group version they run).

    An instance whose container exits goes back to `creating` on its node: seen between two polls as
    running -> creating, or as creating again with a newer update_time. Those restarts, and the group's latest
    system events, tell a crash loop (CUDA out of memory, a bad launcher argument) from a slow download.
    """

    def __init__(self, client: SaladClient, group: str, version: int) -> None:
        self.client, self.group, self.version = client, group, version
        self.seen: dict[str, tuple[str, str]] = {}  # instance id -> (state, update_time) at the last poll
        self.restarts = 0
        self.events: list[str] = []  # the system events crashes() read, newest last

    def count(self) -> ReadyCount:
        instances = self.client.list_instances(self.group)
        current = [i for i in instances if i.version == self.version]
        states: dict[str, int] = {}
        for inst in current:
            states[inst.state] = states.get(inst.state, 0) + 1
            now = (inst.state, str(inst.update_time))
            before = self.seen.get(str(inst.id))
            if before and inst.state == "creating" and before[0] in ("creating", "running") and before != now:
                self.restarts += 1
            self.seen[str(inst.id)] = now
        ready = sum(1 for i in current if i.state == "running" and i.ready)
        detail = ", ".join(f"{n} {s}" for s, n in sorted(states.items())) or "no instances yet"
        if len(current) < len(instances):
            detail += f"; {len(instances) - len(current)} of an older version"
        return ReadyCount(ready, len(current), detail)

    def api_contact(self) -> tuple[str, str]:
        """Where the API is, and what to check when it stops answering the readiness queries."""
        return self.client.base_url, ("Fix: check that the SaladCloud API answers from here (tgi-fleet:salad.base_url; "
                                      "each query waits up to tgi-fleet:salad.request_timeout_s), then run "
                                      "`pulumi up` again: it waits for the replicas again.")

    def status(self) -> str:
        """The group's status as the API reports it now (running, deploying, stopped, ...)."""
        return self.client.group_status(self.group)

    def crashes(self) -> str | None:
        """Evidence that the replicas keep exiting (restarts seen while waiting, the latest exit event), or None."""
        if not self.restarts:
            return None
        try:
            logs = sorted(self.client.system_logs(self.group), key=lambda e: e.event_time)
        except SaladApiError:
            logs = []  # the restarts alone say enough
        events = self.events = [e.event_name for e in logs]
        exits = [e for e in events if "exit" in e.lower() or "crash" in e.lower()] or events
        latest = f"; latest system event: {exits[-1]!r}" if exits else ""
        return f"the replicas' containers keep exiting ({self.restarts} restart(s) seen{latest})"

    def crash_lines(self) -> list[str]:
        """The system events crashes() read, newest first (an exit event carries the container's last words)."""
        return self.events[::-1]
