"""The error every user-fixable problem raises: the program prints its message alone, no traceback."""

import difflib
from collections.abc import Sequence


class UserError(Exception):
    """Bad config, a missing secret, a model the token cannot read: the message says what to fix."""


class ApiError(Exception):
    """A provider API call failed; the message names the service, the operation, the status and the detail."""

    service = "the provider API"

    def __init__(self, operation: str, status: int | None, detail: str) -> None:
        self.operation, self.status, self.detail = operation, status, detail
        super().__init__(self.render())

    def render(self) -> str:
        """The message, from the fields (a subclass words it its own way by overriding this)."""
        where = f"HTTP {self.status}" if self.status else "no response"
        return f"{self.service} {self.operation} failed ({where}): {self.detail}"


def unknown_name(what: str, name: object, known: Sequence[str]) -> str:
    """'unknown <what> X (did you mean Y?). Fix: use one of ...': a registry's answer to a name it lacks."""
    close = difflib.get_close_matches(str(name), list(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {what} {name!r}{hint}. Fix: use one of {', '.join(known)}"
