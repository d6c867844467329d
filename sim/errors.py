"""Errors a user can fix: bad arguments, one line each, exit code 2 on the command line."""

from __future__ import annotations

__all__ = ["UsageError"]


class UsageError(ValueError):
    """A bad argument to a command or a public function (not a scenario file).

    Its message is one line naming the option and what is wrong, e.g.
    ``--workers: must be at least 1 (got -1)``. The command line prints it
    and exits with code 2, before any work starts.

    Parameters
    ----------
    option : str
        The flag or parameter, as the user wrote it (``--workers``, ``workers``).
    message : str
        What is wrong and, where it helps, what is allowed.
    """

    def __init__(self, option: str, message: str) -> None:
        self.option = option
        self.message = message
        super().__init__(f"{option}: {message}")
