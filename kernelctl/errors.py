"""The CLI's one user-facing error type, and the exit codes every command uses.

Exit codes (README, "The kernelctl CLI"):
  0  success
  1  invalid Resources, a compile error, a failed program run or a mandatory policy violation
  2  invalid stack config or usage: a missing path, an empty folder, an unknown stack, a bad option
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


class Fail(Exception):
    """A user-facing failure: its message is printed as one `error: ...` line, then the process exits with
    `code`."""

    def __init__(self, message: str, code: int = EXIT_INVALID):
        super().__init__(message)
        self.code = code
