"""Container log shipping on SaladCloud: the API's `container.logging` block, with its credential kept secret.

The stack names one destination in the API's own shape (`tgi-fleet:salad.logging: {axiom: {host, dataset}}`);
the destination's credential is the secret `salad_log_secret` (or an AWS Secrets Manager reference) and joins the
block only in the request body, never in config, state or logs.
"""

from __future__ import annotations

from typing import Any

# The credential field of each destination (contracts/salad: ContainerLogging*); tcp has none, http's is optional.
SECRET_FIELD: dict[str, str | None] = {"axiom": "api_token", "datadog": "api_key", "http": "password",
                                       "new_relic": "ingestion_key", "splunk": "token", "tcp": None}
OPTIONAL_SECRET = frozenset({"http"})
SECRET_KEY = "salad_log_secret"
PLACEHOLDER = "x" * 8


def destination(logging: dict[str, Any]) -> str:
    """The one destination a logging block names."""
    return next(iter(logging))


def check(logging: dict[str, Any]) -> dict[str, Any]:
    """Validate a logging block (exactly one destination, the API's fields, no credential in plain config)."""
    if len(logging) != 1 or destination(logging) not in SECRET_FIELD:
        raise ValueError(f"name exactly one destination of {', '.join(SECRET_FIELD)}")
    kind = destination(logging)
    body = logging[kind]
    if not isinstance(body, dict):
        raise ValueError(f"{kind}: expected an object of the API's fields")
    field = SECRET_FIELD[kind]
    if field and field in body:
        raise ValueError(f"{kind}.{field} is a credential: remove it and set it with `pulumi config set --secret "
                         f"{SECRET_KEY} <value>` (or salad.log_secret_aws_secret_id)")
    # The generated API model validates the rest (only stacks that ship logs pay for loading it).
    from pydantic import ValidationError

    from components.providers.salad.api_models import CreateContainerLogging

    try:
        CreateContainerLogging.model_validate(with_secret(logging, PLACEHOLDER))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ValueError(problems) from None
    return logging


def needs_secret(logging: dict[str, Any] | None) -> bool:
    """Does this destination require a credential?"""
    if not logging:
        return False
    kind = destination(logging)
    return SECRET_FIELD[kind] is not None and kind not in OPTIONAL_SECRET


def with_secret(logging: dict[str, Any], secret: str | None) -> dict[str, Any]:
    """The block as the request body carries it: the credential in its destination's field."""
    kind = destination(logging)
    field = SECRET_FIELD[kind]
    if not field or not secret:
        return logging
    return {kind: {**logging[kind], field: secret}}
