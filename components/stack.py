"""Loading the stack: the `tgi-fleet:*` map validated against the config schema and the named provider's section.

The one config module that resolves a provider by name (its settings model and secret keys come from it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from components.config import (
    INTERNAL_FIELDS,
    NAMESPACE,
    SECRET_KEYS,
    ConfigError,
    FleetConfig,
    Settings,
    format_errors,
)
from components.engines import registry as engines
from components.providers import registry


def _fail(lines: list[str]) -> ConfigError:
    return ConfigError("invalid stack config:\n  " + "\n  ".join(lines))


def parse_config(raw: Mapping[str, str], secret_keys: frozenset[str] = frozenset()) -> FleetConfig:
    """Validate a flat {'tgi-fleet:key': 'value'} map (values as Pulumi stores them: JSON or plain strings).

    secret_keys names the keys that are Pulumi secrets; a secret value given in plain config is refused. The
    provider's own section (`tgi-fleet:<section>`) is validated by that provider's settings model alone; another
    provider's section is an error.
    """
    data: dict[str, Any] = {}
    for full_key, text in raw.items():
        ns, _, key = full_key.partition(":")
        if ns != NAMESPACE or not key:
            continue
        data[key] = _decode(text)
    name = data.get("provider")
    if not isinstance(name, str) or name not in registry.PROVIDERS:
        shown = "" if name is None else f" = {json.dumps(name)}"
        raise _fail([f"{NAMESPACE}:provider{shown}: {registry.unknown_message(name) if name else 'required'}."])
    provider = registry.provider(name)
    section = registry.section_of(name)
    secrets = (*SECRET_KEYS, *provider.secret_keys)
    problems = [
        f"{NAMESPACE}:{key} is set in plain text. Fix: `pulumi config set --secret {key} <value>` "
        f"(it must be a Pulumi secret)."
        for key in secrets
        if key in data and f"{NAMESPACE}:{key}" not in secret_keys
    ]
    for other in registry.sections():
        if other != section and other in data:
            problems.append(f"{NAMESPACE}:{other}: settings of the {other} provider, but tgi-fleet:provider is "
                            f"{name!r}. Fix: remove tgi-fleet:{other}, or set tgi-fleet:provider to {other}.")
    for key in INTERNAL_FIELDS:
        if key in data:
            problems.append(f"{NAMESPACE}:{key}: unknown key. Fix: remove it.")
    if problems:
        raise _fail(problems)
    settings: Settings | None = None
    try:
        settings = provider.settings_model.model_validate(data.pop(section, {}))
    except ValidationError as exc:
        problems += format_errors(exc, provider.settings_model, (section,))
    data["provider_secrets"] = {key: data.pop(key) for key in provider.secret_keys if key in data}
    data["settings"] = settings or Settings()
    try:
        cfg = FleetConfig.model_validate(data)
    except ValidationError as exc:
        problems += format_errors(exc, secret_keys=frozenset(secrets), top_keys=(section, *provider.secret_keys))
    if not problems:
        if cfg.engine not in engines.ENGINES:
            problems.append(f"{NAMESPACE}:engine = {json.dumps(cfg.engine)}: {engines.unknown_message(cfg.engine)}.")
        elif engine_problem := provider.engine_problem(name, cfg.engine):
            problems.append(engine_problem)
    if problems:
        raise _fail(problems)
    return cfg


def _decode(text: str) -> Any:
    """Pulumi keeps structured values as JSON text; plain strings stay strings."""
    stripped = text.strip()
    if stripped[:1] in ("{", "[") or stripped in ("true", "false") or re.fullmatch(r"-?\d+(\.\d+)?", stripped):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError:
            return text
    return text


def from_pulumi() -> FleetConfig:
    """Read and validate this stack's `tgi-fleet:*` config from the running Pulumi program."""
    from pulumi.runtime import config as runtime_config

    every = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    raw = {k: str(v) for k, v in every.items() if k.startswith(f"{NAMESPACE}:")}
    secret = frozenset(k for k in raw if runtime_config.is_config_secret(k))
    return parse_config(raw, secret)
