"""The error every user-fixable problem raises: the program prints its message alone, no traceback."""


class UserError(Exception):
    """Bad config, a missing secret, a model the token cannot read: the message says what to fix."""
