"""Entry point of the `incident` command.

`incident hook` is dispatched without importing Click, because it runs in every commit.
"""

from __future__ import annotations

import contextlib
import os
import sys

from incidentflow.error_handler import debug_enabled, report_failure


def main(argv: list[str] | None = None) -> None:
    """Run the command line and exit with the documented code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "--debug" in args:
        os.environ["INCIDENTFLOW_DEBUG"] = "1"
        args.remove("--debug")
    if args[:1] == ["hook"] and not {"--help", "-h"} & set(args):
        code = _fast_hook(args[1:])
    else:
        try:
            from incidentflow.cli import run_cli
        except KeyboardInterrupt:  # Ctrl-C while starting: one line, as anywhere else
            code = report_failure(KeyboardInterrupt(), debug=False)
        else:
            code = run_cli(args)
    if argv is None and args[:1] in (["hook"], ["list"], ["check"]):
        _end_now(code)
    sys.exit(code)


def _end_now(code: int) -> None:
    """End the process without tearing the interpreter down.

    For the commands with speed targets, which write nothing but their output and files
    they already closed (the result cache, the hook's changelog entry), freeing every
    object at exit took a tenth of a run (of the hook, of a warm list). Nothing they use
    registers work for exit. Their output is flushed here first; output that cannot be
    written is an error, as it is at any other exit (a reader gone, as with `| head`, is
    not).
    """
    from incidentflow.errors import IncidentError

    for stream in (sys.stdout, sys.stderr):  # None where the descriptor was closed
        try:
            if stream is not None:
                stream.flush()
        except BrokenPipeError:
            pass
        except OSError as exc:
            failure = IncidentError(f"cannot write: {exc.strerror}")
            with contextlib.suppress(OSError):
                code = report_failure(failure, debug=False)
    os._exit(code)


def _fast_hook(args: list[str]) -> int:
    try:
        from incidentflow.workflow.hook import run_hook_command

        return run_hook_command(args)
    except (Exception, KeyboardInterrupt) as exc:
        return report_failure(exc, debug=debug_enabled())
