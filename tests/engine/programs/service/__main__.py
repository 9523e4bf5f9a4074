"""A TgiService built by the real config, plan and contract code, with no provider resources under it."""

import pulumi

from components.plan import build_plan
from components.providers import registry
from components.providers.base import BuildContext
from components.secrets import ResolvedSecrets
from components.service import TgiService
from components.shutdown import exit_quietly_when_the_engine_stops
from components.stack import from_pulumi
from components.tgi import HF_TOKEN_ENV, launcher_env

exit_quietly_when_the_engine_stops()
cfg = from_pulumi()
provider = registry.provider(cfg.provider)
plan = build_plan(cfg, provider.catalog(cfg.settings))
env = launcher_env(cfg, plan)
extra_plain = pulumi.Config("probe").get_object("plain_env") or {}
ctx = BuildContext(provider, cfg, cfg.settings, plan, ResolvedSecrets())
contract = ctx.contract(plain_env={**env, **extra_plain}, secret_env=[HF_TOKEN_ENV])
TgiService(cfg.name, contract)
pulumi.export("min_vram_bytes", contract.min_vram_bytes)
