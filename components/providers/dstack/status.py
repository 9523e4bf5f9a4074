"""A dstack run's state in plain terms: status, replicas ready, URLs, and why dstack ended it with the fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

# Run termination reasons after which dstack will not start the run again (RunTerminationReason).
FAILED_RUN_REASONS = ("job_failed", "retry_limit_exceeded", "server_error", "gateway_error")
NO_CAPACITY = "failed_to_start_due_to_no_capacity"
FIXES = {
    NO_CAPACITY: (
        "Fix: give the project capacity for this GPU: create a fleet that has it (`dstack apply -f fleet.dstack.yml`, "
        "an SSH fleet for your own hosts or a cloud fleet) or add a backend to the project; if offers exist above "
        "your limit, raise tgi-fleet:dstack.max_price; to wait for capacity instead, set tgi-fleet:dstack.retry."),
    "interrupted_by_no_capacity": (
        "Fix: the spot instance was reclaimed: set tgi-fleet:dstack.spot_policy: on-demand, or add 'interruption' "
        "to tgi-fleet:dstack.retry.on_events."),
    "container_exited_with_error": "Fix: read TGI's log: `dstack logs <run>` (a gated model without access, OOM, ...).",
    "creating_container_error": "Fix: check tgi-fleet:image (does it exist, is it pullable?) and `dstack logs <run>`.",
    "executor_error": "Fix: check tgi-fleet:image and `dstack logs <run>`.",
    "waiting_instance_limit_exceeded": "Fix: check the fleet's instances (`dstack fleet`): none became ready in time.",
    "volume_error": "Fix: check the run's volumes (`dstack volume`).",
    "gateway_error": "Fix: check tgi-fleet:dstack.gateway (`dstack gateway`).",
}


@dataclass(frozen=True)
class RunState:
    """What readiness, refresh and the outputs need from dstack's Run model."""

    name: str
    run_id: str
    status: str
    termination_reason: str | None
    deployment_num: int
    ready: int
    replicas: int
    detail: str
    failure: str | None  # dstack ended the run (or will not start it): its reason and the fix
    service_url: str | None
    model_url: str | None
    model_name: str | None


def _job_line(job: Any) -> tuple[str, bool, str | None, str | None]:
    """(status, serving, termination reason, dstack's message) of a job's latest submission."""
    sub = job.job_submissions[-1]
    probes_ok = all(p.success_streak >= spec.ready_after for p, spec in zip(sub.probes, job.job_spec.probes,
                                                                              strict=False))
    serving = sub.status.value == "running" and len(sub.probes) >= len(job.job_spec.probes) and probes_ok
    return sub.status.value, serving, sub.termination_reason, sub.termination_reason_message


def failure_text(name: str, reason: str | None, message: str | None, run_reason: str | None) -> str:
    """dstack's reason for ending the run, in one message with the fix."""
    said = f"{reason}: {message}" if message else (reason or run_reason or "unknown reason")
    fix = FIXES.get(reason or "", f"Fix: see `dstack logs {name}` and the dstack server's log.")
    return f"dstack run {name!r} failed ({said}). {fix.replace('<run>', name)}"


def run_state(run: Any, server_url: str) -> RunState:
    """RunState of a dstack Run model (dstack.api's `Run._run` or the API client's answer)."""
    name = run.run_spec.run_name
    jobs = [_job_line(j) for j in run.jobs if j.job_submissions]
    counts: dict[str, int] = {}
    for status, serving, _, _ in jobs:
        label = "serving" if serving else status
        counts[label] = counts.get(label, 0) + 1
    last = run.latest_job_submission or (run.jobs[-1].job_submissions[-1] if jobs else None)
    reason = last.termination_reason if last else None
    message = last.termination_reason_message if last else None
    status = run.status.value
    detail = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no replicas yet"
    detail = f"run {status}: {detail}"
    if status == "pending" and reason:
        detail += f" (retrying after {reason}: {message or ''})".replace(": )", ")")
    ended = run.termination_reason in FAILED_RUN_REASONS or status == "failed"
    service = run.service
    return RunState(
        name=name,
        run_id=str(run.id),
        status=status,
        termination_reason=run.termination_reason,
        deployment_num=run.deployment_num,
        ready=sum(1 for _, serving, _, _ in jobs if serving),
        replicas=len(jobs),
        detail=detail,
        failure=failure_text(name, reason, message, run.termination_reason) if ended else None,
        service_url=urljoin(server_url + "/", service.url) if service else None,
        model_url=urljoin(server_url + "/", service.model.base_url) if service and service.model else None,
        model_name=service.model.name if service and service.model else None,
    )
