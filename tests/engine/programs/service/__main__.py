"""A TgiService built by the real config, plan and contract code, with no provider resources under it."""

import pulumi

from components.config import from_pulumi
from components.plan import build_plan
from components.service import TgiService
from components.shutdown import exit_quietly_when_the_engine_stops
from components.tgi import HF_TOKEN_ENV, launcher_env, service_contract

exit_quietly_when_the_engine_stops()
cfg = from_pulumi()
plan = build_plan(cfg)
env = launcher_env(cfg, plan)
extra_plain = pulumi.Config("probe").get_object("plain_env") or {}
contract = service_contract(cfg, plan, plain_env={**env, **extra_plain}, secret_env=[HF_TOKEN_ENV])
TgiService(cfg.name, contract)
pulumi.export("min_vram_bytes", contract.min_vram_bytes)
