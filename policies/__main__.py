"""The tgi-fleet CrossGuard pack: `pulumi preview --policy-pack policies [--policy-pack-config cfg.json]`."""

from __future__ import annotations

import sys
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)
from pydantic import ValidationError

from components.contract import SERVICE_TYPE, ServiceContract
from components.shutdown import freeze_loaded_objects, watch_engine
from policies.rules import RULES, Rule


def _validator(rule: Rule) -> Any:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type != SERVICE_TYPE:
            return
        try:
            contract = ServiceContract.model_validate(args.props)
        except ValidationError as exc:
            report_violation(f"{SERVICE_TYPE} inputs do not match the tgi-fleet contract: {exc}", None)
            return
        for message in rule.check(contract, args.get_config() or {}):
            report_violation(message, None)

    return validate


def _policy(rule: Rule) -> ResourceValidationPolicy:
    schema = PolicyConfigSchema(properties=dict(rule.config_schema)) if rule.config_schema else None
    return ResourceValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=_validator(rule),
        enforcement_level=EnforcementLevel.MANDATORY if rule.mandatory else EnforcementLevel.ADVISORY,
        config_schema=schema,
    )


policies: list[Policy] = [_policy(r) for r in RULES]
# PolicyPack serves until the engine interrupts it, and the engine waits for the analyzer to exit. An engine that
# was killed (kill -9, a crashed CI runner) interrupts nobody: the watch ends the pack then. The engine starts it
# as `python -u -m pulumi.policy ENGINE_ADDRESS PACK_DIR` (pulumi-analyzer-policy-python), so argv has the address.
freeze_loaded_objects()
watch_engine(sys.argv)
PolicyPack(name="tgi-fleet", policies=policies)
