"""tgi-fleet: load the stack's config, size the plan, build the provider's components, export the outputs."""

import pulumi

from components.deploy import deploy
from components.errors import UserError
from components.shutdown import exit_quietly_when_the_engine_stops, freeze_loaded_objects

exit_quietly_when_the_engine_stops()
try:
    deploy()
except UserError as exc:
    # A config or access mistake is the user's to fix: Pulumi prints a RunError's message without a traceback.
    raise pulumi.RunError(str(exc)) from None
# Everything the program built lives until it exits; the engine waits for that exit.
freeze_loaded_objects()
