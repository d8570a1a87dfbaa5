"""The Click command group: one `add_command` per command module; no logic lives here."""

from __future__ import annotations

import click

from incidentflow import __version__
from incidentflow.commands import (
    changelog_cmd,
    check_cmd,
    hook_cmd,
    init_cmd,
    list_cmd,
    new_cmd,
    next_cmd,
    prompt_cmd,
    show_cmd,
)
from incidentflow.errors import ExitCode


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="incident")
def cli() -> None:
    """Work a production incident in the right order: triage, diagnosis, summary, postmortem.

    Each incident is a directory of markdown files in your repository. Add --debug to any
    command to see the traceback of an unexpected error.
    """


for module in (
    new_cmd,
    list_cmd,
    show_cmd,
    check_cmd,
    next_cmd,
    prompt_cmd,
    init_cmd,
    changelog_cmd,
    hook_cmd,
):
    cli.add_command(module.command)


def invoke(args: list[str]) -> int:
    """Run the group without Click's own exit handling, so errors meet the one boundary."""
    try:
        result = cli.main(args, prog_name="incident", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        raise KeyboardInterrupt from None
    except click.ClickException as exc:
        exc.show()
        return int(ExitCode.USAGE) if isinstance(exc, click.UsageError) else exc.exit_code
    return int(result or 0)
