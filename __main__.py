"""tgi-fleet: load the stack's config, size the plan, build the provider's components, export the outputs."""

import os
import signal

import pulumi

from components.deploy import deploy
from components.errors import UserError
from components.shutdown import freeze_loaded_objects

# When the deployment stops early (a resource's check failed at preview, an update failed) the engine interrupts
# the program while it still waits on outputs: that error is the engine's to report, and the KeyboardInterrupt
# traceback CPython would print here buries it. Exit quietly instead.
signal.signal(signal.SIGINT, lambda *_: os._exit(1))

try:
    deploy()
except UserError as exc:
    # A config or access mistake is the user's to fix: Pulumi prints a RunError's message without a traceback.
    raise pulumi.RunError(str(exc)) from None
# Everything the program built lives until it exits; the engine waits for that exit.
freeze_loaded_objects()
