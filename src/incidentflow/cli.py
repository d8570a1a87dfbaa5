"""The Click command group: one `add_command` per command module; no logic lives here."""

from __future__ import annotations

from typing import Any

import click

from incidentflow import __version__
from incidentflow.commands import (
    actions_cmd,
    changelog_cmd,
    check_cmd,
    draft_cmd,
    hook_cmd,
    index_cmd,
    init_cmd,
    list_cmd,
    log_cmd,
    new_cmd,
    next_cmd,
    pr_body_cmd,
    prompt_cmd,
    report_cmd,
    show_cmd,
    stats_cmd,
    timeline_cmd,
)
from incidentflow.error_handler import debug_enabled, report_failure


class _Group(click.Group):
    """Turns every failure of a command into one line and an exit code (see error_handler)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except (Exception, KeyboardInterrupt) as exc:
            ctx.exit(report_failure(exc, debug=debug_enabled() or ctx.params.get("debug", False)))


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="incident")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
def cli(debug: bool) -> None:
    """Work a production incident in the right order: triage, diagnosis, summary, postmortem.

    Each incident is a directory of markdown files in your repository; each stage starts
    only when the one before meets its goal. Exit codes: 0 success, 1 a check or goal
    failed, 2 usage error or bad input, 70 a bug in incidentflow.
    """


for _module in (
    new_cmd,
    list_cmd,
    show_cmd,
    check_cmd,
    next_cmd,
    prompt_cmd,
    draft_cmd,
    log_cmd,
    timeline_cmd,
    actions_cmd,
    stats_cmd,
    init_cmd,
    changelog_cmd,
    index_cmd,
    report_cmd,
    pr_body_cmd,
    hook_cmd,
):
    cli.add_command(_module.command)


def run_cli(args: list[str]) -> int:
    """Run the group; a usage error is one line naming the command's --help."""
    try:
        result = cli.main(args, prog_name="incident", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        return report_failure(KeyboardInterrupt(), debug=False)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "incident"
        click.echo(f"error: {exc.format_message()} (see: {where} --help)", err=True)
        return int(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        return int(exc.exit_code)
    return int(result) if isinstance(result, int) else 0
