"""The dstack API, through dstack's own Python client: project secrets, run plans, apply, get, stop, delete.

Every failure becomes a DstackApiError whose message names the operation, the stack key and the fix, with the
server's own words (its 400 messages, its 422 field errors) carried through instead of a traceback. dstack's
client sends requests without a timeout: one transport seam here gives each a timeout and turns 422/5xx answers
into those errors before dstack's generic handling flattens them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from components.errors import UserError
from components.providers.dstack.service_config import source_key
from components.providers.dstack.validate import dstack_problem, parse

if TYPE_CHECKING:
    from dstack.api import Client

SERVER_KEY = "tgi-fleet:dstack.server_url"
TOKEN_FIX = "Fix: `pulumi config set --secret dstack_token <token>` (the server's admin token or your user token)."
# The 400 messages of the dstack server that belong to a stack key the user can change.
MESSAGE_KEYS = (  # first match wins
    ("Auto-scaling", "tgi-fleet:dstack.autoscaling"),
    ("gateway", "tgi-fleet:dstack.gateway"),
    ("https", "tgi-fleet:dstack.gateway"),
    ("Secret", "tgi-fleet:dstack.hf_token_secret"),
    ("project", "tgi-fleet:dstack.project"),
    ("fleet", "tgi-fleet:dstack.fleets"),
)


class DstackApiError(UserError, RuntimeError):
    """A dstack API call failed; the message says which, why (dstack's words) and the fix."""


def _key_of(message: str, fields: list[list[str]] | None) -> str:
    if fields:
        return source_key(".".join(fields[0]))
    return next((key for needle, key in MESSAGE_KEYS if needle in message), "tgi-fleet:dstack")


def _on_response(response: Any, *args: Any, **kwargs: Any) -> None:
    """A requests hook: 422 and 5xx answers become DstackApiError with the server's own details."""
    path = response.request.path_url
    if response.status_code == 422:
        try:
            detail = response.json().get("detail") or []
        except ValueError:
            detail = []
        lines = []
        for err in detail if isinstance(detail, list) else []:
            loc = [str(p) for p in err.get("loc", []) if p not in ("body", "plan", "run_spec", "configuration")]
            loc = loc[1:] if loc[:1] == ["service"] else loc
            lines.append(dstack_problem(".".join(loc), str(err.get("msg", "")).removeprefix("Value error, ")))
        raise DstackApiError(f"the dstack server refused {path} (HTTP 422):\n  " + "\n  ".join(
            lines or [response.text[:500]]))
    if response.status_code >= 500:
        raise DstackApiError(
            f"the dstack server failed on {path} (HTTP {response.status_code}): its log says why. A common cause "
            f"is an env entry without a value (tgi-fleet:extra_env).")


@dataclass
class ApiTarget:
    """Where the API calls go: server, project, token (a secret) and the request timeout."""

    server_url: str
    project: str
    token: str
    timeout_s: float = 30.0


def api_from(api: Mapping[str, Any], token: str) -> DstackApi:
    """The client of a plain API description (settings.api(), the resource's `api` input, the readiness spec)."""
    return DstackApi(ApiTarget(api["server_url"], api["project"], token, float(api.get("timeout_s", 30.0))))


class DstackApi:
    """One dstack project on one server."""

    def __init__(self, target: ApiTarget) -> None:
        from dstack.api import Client

        self.target = target
        self.client: Client = Client.from_config(
            project_name=target.project, server_url=target.server_url, user_token=target.token)
        session = self.client.client._s  # dstack's requests session: the one transport seam
        session.request = _with_timeout(session.request, target.timeout_s)
        session.hooks["response"].append(_on_response)

    def call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one dstack client call; its errors become DstackApiError naming `what`, the key and the fix."""
        import requests
        from dstack._internal.core.errors import ClientError, ServerClientError

        url = self.target.server_url
        try:
            return fn(*args, **kwargs)
        except DstackApiError as exc:
            raise DstackApiError(f"dstack {what}: {exc}") from None
        except ServerClientError as exc:
            msg = exc.msg or str(exc)
            raise DstackApiError(f"dstack {what}: {_key_of(msg, exc.fields)}: the dstack server says: {msg}") from None
        except requests.Timeout:
            raise DstackApiError(
                f"dstack {what}: {url} did not answer within {self.target.timeout_s:g} s. Fix: check the server, or "
                f"raise tgi-fleet:dstack.request_timeout_s.") from None
        except ClientError as exc:
            text = str(exc)
            if text.startswith("Failed to connect"):
                raise DstackApiError(
                    f"dstack {what}: cannot reach the dstack server at {url}. Fix: start it (`make dstack-server` "
                    f"for a local one) or set {SERVER_KEY}.") from None
            if "denied" in text or "401" in text:
                raise DstackApiError(f"dstack {what}: {url} refused the token of project "
                                     f"{self.target.project!r}. {TOKEN_FIX}") from None
            if text.startswith("Status code 404"):
                raise DstackApiError(f"dstack {what}: {url} has no such API (HTTP 404): is it a dstack server? "
                                     f"Fix: check {SERVER_KEY}.") from None
            raise DstackApiError(f"dstack {what}: {text}") from None

    # Project secrets ------------------------------------------------------------------------------------------
    def set_secret(self, name: str, value: str) -> None:
        """Create or update a project secret (its value never appears in errors)."""
        p = self.target.project
        self.call(f"set secret {name!r}", self.client.client.secrets.create_or_update, p, name, value)

    def delete_secret(self, name: str) -> bool:
        """Delete a project secret; False when it was already gone."""
        gone = self.call(f"delete secret {name!r}", _or_none(self.client.client.secrets.delete),
                         self.target.project, [name])
        return gone is not None

    def secret_names(self) -> set[str]:
        secrets = self.call("list secrets", self.client.client.secrets.list, self.target.project)
        return {s.name for s in secrets}

    def gateway_problem(self, gateway: bool | str) -> str | None:
        """Why the service's gateway setting cannot work on this project, or None (checked before apply)."""
        if gateway is False:
            return None
        gateways = self.call("list gateways", self.client.client.gateways.list, self.target.project)
        if gateway is True and not any(g.default for g in gateways):
            return (f"tgi-fleet:dstack.gateway = true but project {self.target.project!r} has no default gateway. "
                    f"Fix: create one (`dstack apply -f gateway.dstack.yml`, it needs a cloud backend), name one, "
                    f"or set tgi-fleet:dstack.gateway: false.")
        names = [g.name for g in gateways]
        if isinstance(gateway, str) and gateway not in names:
            return (f"tgi-fleet:dstack.gateway = {gateway!r}: project {self.target.project!r} has no such gateway "
                    f"(it has: {', '.join(names) or 'none'}). Fix: name an existing gateway or set it to false.")
        return None

    # Runs -----------------------------------------------------------------------------------------------------
    def plan(self, conf: dict[str, Any]) -> Any:
        """dstack's run plan for a service configuration (offers, and whether it creates or updates a run)."""
        return self.call(f"plan run {conf.get('name')!r}", self.client.runs.get_run_plan, parse(conf))

    def apply(self, plan: Any) -> Any:
        """Apply a plan; returns dstack's Run model."""
        name = plan.run_spec.run_name
        run = self.call(f"apply run {name!r}", self.client.runs.apply_plan, plan, reserve_ports=False)
        return run._run

    def get(self, name: str) -> Any | None:
        """dstack's Run model, or None when there is no such run (or it was deleted)."""
        run = self.call(f"get run {name!r}", _or_none(self.client.client.runs.get), self.target.project, name)
        return None if run is None or run.deleted else run

    def live_runs(self) -> list[str]:
        """Names of the project's runs that are not deleted (dstack lists deleted ones too)."""
        runs = self.call("list runs", self.client.client.runs.list, self.target.project, repo_id=None, limit=100)
        return [r.run_spec.run_name for r in runs if not r.deleted]

    def stop(self, name: str, abort: bool = False) -> None:
        self.call(f"stop run {name!r}", self.client.client.runs.stop, self.target.project, [name], abort)

    def wait_finished(self, name: str, timeout_s: float, poll_s: float = 1.0) -> Any | None:
        """Poll until the run is finished (or gone); DstackApiError after timeout_s."""
        from components.http import wait_until

        last: list[Any] = []

        def finished() -> bool:
            last[:] = [self.get(name)]
            return last[0] is None or last[0].status.is_finished()

        if not wait_until(finished, timeout_s, poll_s):
            raise DstackApiError(
                f"dstack run {name!r} is still {last[0].status.value} {timeout_s:.0f} s after stop. Fix: check it "
                f"with `dstack ps`, or raise tgi-fleet:dstack.stop_timeout_s.")
        return last[0]

    def delete(self, name: str) -> None:
        self.call(f"delete run {name!r}", self.client.client.runs.delete, self.target.project, [name])

    def stop_and_delete(self, name: str, timeout_s: float) -> bool:
        """Stop, wait until finished, delete (dstack refuses to delete an active run); False if already gone."""
        run = self.get(name)
        if run is None:
            return False
        if not run.status.is_finished():
            self.stop(name)
            if self.wait_finished(name, timeout_s) is None:
                return True
        self.delete(name)
        return True


def _with_timeout(request: Any, timeout_s: float) -> Any:
    def send(method: str, url: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", timeout_s)
        return request(method, url, **kwargs)

    return send


def _or_none(fn: Any) -> Any:
    """fn, answering None (and for a call without result, not None) instead of dstack's not-found error."""
    from dstack._internal.core.errors import ResourceNotExistsError

    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            result = fn(*args, **kwargs)
        except ResourceNotExistsError:
            return None
        return True if result is None else result

    return call
