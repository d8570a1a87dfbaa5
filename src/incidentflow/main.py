"""Entry point of the `incident` command: argument dispatch and the one error boundary.

`incident hook` is dispatched without importing Click, because it runs in every commit.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from incidentflow.errors import CheckFailed, ExitCode, IncidentError

BUG_REPORT = "https://github.com/incidentflow/incidentflow/issues"


def main(argv: list[str] | None = None) -> None:
    """Run the command line and exit with the documented code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or bool(os.environ.get("INCIDENTFLOW_DEBUG"))
    args = [arg for arg in args if arg != "--debug"]
    sys.exit(run(args, debug=debug))


def run(args: list[str], *, debug: bool = False) -> int:
    """Run ``args`` and return the exit code; expected failures print one line on stderr."""
    return guarded(lambda: _dispatch(args), debug=debug)


def guarded(action: Callable[[], int], *, debug: bool) -> int:
    """Call ``action``, turning every failure into a message and an exit code."""
    try:
        return action()
    except CheckFailed as exc:
        _err(exc.message)
        for line in exc.problems:
            _err(line)
        return int(exc.code)
    except IncidentError as exc:
        _err(f"error: {exc.message}")
        return int(exc.code)
    except KeyboardInterrupt:
        _err("interrupted; no file was left half-written")
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error worth a message.
        _quiet_stdout()
        return int(ExitCode.OK)
    except Exception as exc:
        if debug:
            raise
        where = _origin(exc)
        _err(
            f"internal error: {type(exc).__name__}: {exc} ({where}). "
            "This is a bug in incidentflow; rerun with --debug for the traceback "
            f"and report it at {BUG_REPORT}"
        )
        return int(ExitCode.BUG)


def _dispatch(args: list[str]) -> int:
    if args[:1] == ["hook"] and not {"--help", "-h"} & set(args):
        from incidentflow.hook import run_hook_command

        return run_hook_command(args[1:])
    from incidentflow.cli import invoke

    return invoke(args)


def _err(message: str) -> None:
    print(" ".join(message.splitlines()) if "\n" in message else message, file=sys.stderr)


def _quiet_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


def _origin(exc: BaseException) -> str:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return "unknown location"
    return f"{os.path.basename(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno}"
