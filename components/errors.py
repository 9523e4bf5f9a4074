"""The error every user-fixable problem raises: the program prints its message alone, no traceback."""


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
