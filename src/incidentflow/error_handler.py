"""The one place an exception becomes a message on stderr and an exit code."""

from __future__ import annotations

import errno
import os
import sys

from incidentflow.errors import CheckFailed, ExitCode, IncidentError

BUG_REPORT = "https://github.com/incidentflow/incidentflow/issues"
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def debug_enabled() -> bool:
    """`--debug` on the command line or INCIDENTFLOW_DEBUG in the environment."""
    return bool(os.environ.get("INCIDENTFLOW_DEBUG"))


def report_failure(exc: BaseException, *, debug: bool) -> int:
    """Print ``exc`` as the user should see it and return the exit code for it."""
    if isinstance(exc, CheckFailed):
        _err(exc.message)
        for line in exc.problems:
            _err(line)
        return int(exc.code)
    if isinstance(exc, IncidentError):
        _err(f"error: {exc.message}")
        return int(exc.code)
    if isinstance(exc, KeyboardInterrupt):
        _err("interrupted; no file was left half-written")
        return int(ExitCode.INTERRUPTED)
    if isinstance(exc, BrokenPipeError):
        # The reader went away (e.g. `| head`): nothing worth saying.
        _silence_stdout()
        return int(ExitCode.OK)
    if isinstance(exc, OSError) and exc.errno in _NO_ROOM:
        # A full disk or quota is the machine's state, not a bug (often: the output's disk).
        where = f"{exc.filename}: " if exc.filename else ""
        _err(f"error: cannot write: {where}{exc.strerror}")
        return int(ExitCode.USAGE)
    if debug:
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    _err(
        f"internal error: {type(exc).__name__}: {exc} ({_origin(exc)}). "
        "This is a bug in incidentflow; "
        + ("" if debug else "rerun with --debug for the traceback and ")
        + f"report it at {BUG_REPORT}"
    )
    return int(ExitCode.BUG)


def _err(message: str) -> None:
    print(" ".join(message.splitlines()), file=sys.stderr)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _origin(exc: BaseException) -> str:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return "unknown location"
    return f"{os.path.basename(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno}"
