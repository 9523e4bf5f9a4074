"""DstackRun: a pulumi.dynamic resource for one dstack service run (check, create, read, diff, update, delete).

Secrets (the dstack token, the HF token) travel as inputs marked secret, never as attributes of the provider object:
Pulumi stores the pickled provider in state in plain text. dstack's client and models load only inside the methods.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from components.providers.dstack.offers import describe_plan
from components.shutdown import prepare_provider_process

if TYPE_CHECKING:
    from components.providers.dstack.client import DstackApi

# The engine's dynamic-provider process loads this module to unpickle the provider, after the SDK and
# gRPC: freezing them here spares that process's exit, which every preview and update waits for; a watchdog ends
# the process if the engine is killed (it would otherwise run on, orphaned).
prepare_provider_process()

# The token digest too: a plain hash of an HF token lets anyone with the state test guesses.
SECRET_OUTPUTS = ["token", "hf_token", "hf_token_digest"]
OUTPUT_KEYS = ("run_name", "run_id", "status", "deployment_num", "service_url", "model_url", "model_name",
               "offers", "hf_token_digest")
REPLACE_API_KEYS = ("server_url", "project")
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # what a dynamic provider sees for a value not known in preview
# How dstack says a user ended a run (RunTerminationReason): stopped outside Pulumi, which `up` repairs. A run dstack
# itself ended (no capacity, a failed job) stays as it is: readiness reports dstack's reason and the fix.
STOPPED_BY_USER = frozenset({"stopped_by_user", "aborted_by_user"})


def _api(props: dict[str, Any]) -> DstackApi:
    from components.providers.dstack.client import api_from

    return api_from(props["api"], props["token"])


def token_digest(value: str | None) -> str | None:
    """A digest of the HF token, to see a change without storing the value."""
    return hashlib.sha256(value.encode()).hexdigest()[:16] if value else None


def _outputs(props: dict[str, Any], run: Any, offers: list[str] | None = None) -> dict[str, Any]:
    from components.providers.dstack.status import run_state

    state = run_state(run, props["api"]["server_url"])
    return {
        **props,
        "run_name": state.name,
        "run_id": state.run_id,
        "status": state.status,
        "deployment_num": state.deployment_num,
        "service_url": state.service_url,
        "model_url": state.model_url,
        "model_name": state.model_name,
        "offers": offers if offers is not None else props.get("offers") or [],
        "hf_token_digest": token_digest(props.get("hf_token")),
    }


def _set_secret(api: DstackApi, props: dict[str, Any]) -> None:
    if props.get("secret_name") and props.get("hf_token"):
        api.set_secret(props["secret_name"], props["hf_token"])


def _plan_and_apply(api: DstackApi, props: dict[str, Any]) -> tuple[Any, list[str]]:
    """Plan (logging dstack's offers and prices), then apply; returns the run and the offer lines."""
    conf = props["conf"]
    plan = api.plan(conf)
    offers = describe_plan(plan)
    pulumi.log.info(f"dstack plan for run {conf['name']!r} ({plan.action.value}):\n  " + "\n  ".join(offers))
    return api.apply(plan), offers


def _drift(id_: str, props: dict[str, Any]) -> str | None:
    """'deleted' or 'stopped' when the run is gone or a user stopped it outside Pulumi (seen live, with or without
    --refresh); None otherwise, or when the server cannot tell us now (a preview only misses drift then)."""
    from components.providers.dstack.client import DstackApiError

    token = props.get("token")
    if not isinstance(token, str) or token == UNKNOWN:
        return None
    try:
        return _drift_of(_api(props).get(id_))
    except DstackApiError:
        return None


def _drift_of(run: Any | None) -> str | None:
    """'deleted' for no run, 'stopped' for a run a user ended, else None."""
    if run is None:
        return "deleted"
    reason = getattr(run.termination_reason, "value", run.termination_reason)
    return "stopped" if run.status.is_finished() and reason in STOPPED_BY_USER else None


class DstackRunProvider(ResourceProvider):
    """CRUD of one dstack service run and the project secret its env refers to."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """dstack's models on the configuration; with a server at hand, its secrets, gateways and plan too."""
        from components.providers.dstack.client import DstackApiError
        from components.providers.dstack.service_config import ServiceConfigError
        from components.providers.dstack.validate import check, parse

        conf = news["conf"]
        try:
            parse(conf)
        except ServiceConfigError as exc:
            return CheckResult(news, [CheckFailure("", str(exc))])
        token = news.get("token")
        if not isinstance(token, str) or token == UNKNOWN:
            return CheckResult(news, [])
        try:
            api = _api(news)
            check(conf, api.secret_names() | {news.get("secret_name") or ""})
            problem = api.gateway_problem(conf.get("gateway", False))
            if problem:
                return CheckResult(news, [CheckFailure("", problem)])
            # The server's own 422/400 answers, before anything is created (the program's sizing table shows the
            # offers of this plan).
            api.plan(conf)
        except (DstackApiError, ServiceConfigError) as exc:
            return CheckResult(news, [CheckFailure("", str(exc))])
        return CheckResult(news, [])

    def create(self, props: dict[str, Any]) -> CreateResult:
        api = _api(props)
        _set_secret(api, props)
        run, offers = _plan_and_apply(api, props)
        return CreateResult(id_=run.run_spec.run_name, outs=_outputs(props, run, offers))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        run = _api(props).get(id_)
        if run is None:
            return ReadResult(id_="", outs={})  # deleted out of band: refresh drops it
        return ReadResult(id_=id_, outs=_outputs(props, run))

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        from components.providers.dstack.rules import classify

        replaces = [f"api.{k}" for k in REPLACE_API_KEYS if olds["api"].get(k) != news["api"].get(k)]
        change = classify(olds.get("conf") or {}, news["conf"])
        if change.kind == "restart":  # dstack: "Cannot override active run. Stop the run first."
            replaces += [f"conf.{f}" for f in change.fields]
        changed = change.kind != "none" or any(olds.get(k) != news.get(k) for k in ("token", "secret_name", "api"))
        changed = changed or olds.get("hf_token_digest") != token_digest(news.get("hf_token"))
        if not replaces and _drift(id_, news):
            changed = True  # update applies the run again; the smoke test follows its new run id
        return DiffResult(changes=bool(changed or replaces), replaces=replaces,
                          delete_before_replace=True)  # the run name is the id: the old run must go first

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        from components.providers.dstack.rules import classify

        api = _api(news)
        if olds.get("secret_name") and olds.get("secret_name") != news.get("secret_name"):
            api.delete_secret(olds["secret_name"])
        _set_secret(api, news)
        change = classify(olds.get("conf") or {}, news["conf"])
        if change.kind == "none":
            run = api.get(id_)
            drift = _drift_of(run)
            if drift is None:
                return UpdateResult(outs=_outputs(news, run))
            # dstack applies a run name that is gone or finished as a new run.
            pulumi.log.info(f"dstack run {id_!r} was {drift} outside Pulumi: applying it again")
        else:
            if change.kind == "restart":  # diff replaces these; kept for a state written by another version
                api.stop_and_delete(id_, float(news["api"]["stop_timeout_s"]))
            pulumi.log.info(f"dstack run {id_!r}: {change.kind} change of {', '.join(change.fields)}")
        run, offers = _plan_and_apply(api, news)
        return UpdateResult(outs=_outputs(news, run, offers))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        api = _api(props)
        api.stop_and_delete(id_, float(props["api"]["stop_timeout_s"]))
        if props.get("secret_name") and props.get("hf_token"):
            api.delete_secret(props["secret_name"])


class DstackRun(Resource):
    """A dstack service run; outputs: run_name, status, service_url, model_url (OpenAI), model_name, offers."""

    run_name: pulumi.Output[str]
    run_id: pulumi.Output[str]
    status: pulumi.Output[str]
    deployment_num: pulumi.Output[int]
    service_url: pulumi.Output[str | None]
    model_url: pulumi.Output[str | None]
    model_name: pulumi.Output[str | None]
    offers: pulumi.Output[list[str]]

    def __init__(
        self,
        name: str,
        *,
        api: dict[str, Any],
        token: pulumi.Input[str],
        conf: dict[str, Any],
        secret_name: str | None,
        hf_token: pulumi.Input[str] | None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {"api": api, "token": token, "conf": conf, "secret_name": secret_name, "hf_token": hf_token,
                 **dict.fromkeys(OUTPUT_KEYS)}
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS))
        super().__init__(DstackRunProvider(), name, props, opts)
