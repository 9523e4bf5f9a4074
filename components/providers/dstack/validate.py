"""Checks of a service configuration with dstack's own code: its configuration models and its interpolator.

Problems come back as ServiceConfigError lines naming the stack key, the dstack key and dstack's own message.
dstack's models load lazily (~0.4 s): only the dynamic provider and the render script pay for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from components.providers.dstack.service_config import ServiceConfigError, source_key


def dstack_problem(path: str, message: str, value: Any = None) -> str:
    """One line: the stack key, the dstack key (and value) and what dstack says."""
    shown = f" = {value!r}" if value is not None and not isinstance(value, dict | list) else ""
    return f"{source_key(path)} (dstack: {path or 'service'}{shown}): {message}"


def parse(conf: dict[str, Any]) -> Any:
    """The configuration as dstack's ServiceConfiguration; ServiceConfigError naming each key dstack refuses."""
    from dstack._internal.core.models.configurations import RunConfiguration
    from pydantic import ValidationError

    try:
        return RunConfiguration.model_validate(conf).root
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            if loc[:1] == ["service"]:  # the discriminator's tag
                loc = loc[1:]
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(dstack_problem(".".join(loc), msg, err.get("input")))
        raise ServiceConfigError("dstack refuses the service configuration:\n  " + "\n  ".join(lines)) from None


def unresolved_env(conf: dict[str, Any], secrets: Iterable[str]) -> list[str]:
    """Env entries dstack would leave as written: no value, or a ${{ }} other than a project secret that exists.

    The server substitutes only ${{ secrets.NAME }} (when it places the job) and fails with HTTP 500 on an entry
    without a value.
    """
    from dstack._internal.utils.interpolator import InterpolatorError, VariablesInterpolator

    interpolator = VariablesInterpolator({"secrets": dict.fromkeys(secrets, "")})
    problems = []
    for key, value in (conf.get("env") or {}).items():
        if value is None:
            problems.append(dstack_problem(f"env.{key}", "has no value: the dstack server fails on it. Fix: set one."))
            continue
        try:
            _, missing = interpolator.interpolate(str(value), return_missing=True)
        except InterpolatorError as exc:
            problems.append(dstack_problem(f"env.{key}", f"{exc}. Fix: close the ${{{{ ... }}}} or write $$ for $."))
            continue
        for ref in missing:
            problems.append(dstack_problem(
                f"env.{key}", f"${{{{ {ref} }}}} is never resolved: dstack substitutes only the project's secrets "
                f"(${{{{ secrets.NAME }}}}). Fix: create the secret (`dstack secret set NAME <value>`) or use a "
                f"plain value."))
    return problems


def check(conf: dict[str, Any], secrets: Iterable[str]) -> Any:
    """parse() plus unresolved_env(); returns dstack's ServiceConfiguration."""
    parsed = parse(conf)
    problems = unresolved_env(conf, secrets)
    if problems:
        raise ServiceConfigError("dstack would not resolve the service's env:\n  " + "\n  ".join(problems))
    return parsed
