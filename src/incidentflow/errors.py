"""The one error type the core raises, and the exit codes the CLI maps it to."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Exit codes every command shares (see the README)."""

    OK = 0
    FAILED = 1  # a check or goal failed
    USAGE = 2  # usage error or bad input
    BUG = 70  # an unexpected exception: a bug in incidentflow (EX_SOFTWARE)
    INTERRUPTED = 130


class IncidentError(Exception):
    """An expected failure with a message a user can act on.

    The CLI prints ``message`` as one line on stderr and exits with ``code``.
    """

    def __init__(self, message: str, *, code: ExitCode = ExitCode.USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


class EnvironmentFailed(IncidentError):
    """The machine failed under the command (a git process killed, say): nothing can be
    judged from what was read, so the whole run stops here, exit 2."""


class CheckFailed(IncidentError):
    """A check or goal failed: a headline plus one ``path:line: message`` line per problem."""

    def __init__(self, headline: str, problems: list[str]) -> None:
        super().__init__(headline, code=ExitCode.FAILED)
        self.problems = problems
