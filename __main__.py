"""tgi-fleet: load the stack's config, size the plan, build the provider's components, export the outputs."""

import sys

import pulumi

from components.deploy import deploy
from components.errors import UserError

try:
    deploy()
except UserError as exc:
    # A config or access mistake is the user's to fix: one clear message, no traceback.
    pulumi.log.error(str(exc))
    sys.exit(1)
