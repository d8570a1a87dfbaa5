"""The Click command group: one module per command, imported only when that command runs.

`incident list` must not pay for Jinja2 (which `prompt` needs) and so on; `--help` imports
them all to show their one-line summaries. No logic lives here.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from incidentflow import __version__
from incidentflow.error_handler import debug_enabled, report_failure

# Command name → module under incidentflow.commands.
COMMANDS = {
    "new": "new_cmd",
    "list": "list_cmd",
    "show": "show_cmd",
    "check": "check_cmd",
    "next": "next_cmd",
    "prompt": "prompt_cmd",
    "draft": "draft_cmd",
    "log": "log_cmd",
    "timeline": "timeline_cmd",
    "actions": "actions_cmd",
    "stats": "stats_cmd",
    "init": "init_cmd",
    "changelog": "changelog_cmd",
    "index": "index_cmd",
    "report": "report_cmd",
    "pr-body": "pr_body_cmd",
    "hook": "hook_cmd",
    "pin": "pin_cmd",
    "refresh": "refresh_cmd",
    "set": "set_cmd",
    "role": "role_cmd",
    "link": "link_cmd",
    "update": "update_cmd",
}


class _Group(click.Group):
    """Loads each command on first use, and turns every failure of a command into one line
    and an exit code (see error_handler)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        if name not in COMMANDS and not name.startswith("-") and not ctx.resilient_parsing:
            # Click suggests from the commands it holds; these are loaded only when run.
            from difflib import get_close_matches

            close = ", ".join(repr(c) for c in sorted(get_close_matches(name, COMMANDS)))
            hint = ""
            if close and "," not in close:
                hint = f" Did you mean {close}?"
            elif close:
                hint = f" (Did you mean one of: {close}?)"
            raise click.UsageError(f"No such command {name!r}.{hint}", ctx)
        return super().resolve_command(ctx, args)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        command = importlib.import_module(f"incidentflow.commands.{module}").command
        assert isinstance(command, click.Command) and command.name == cmd_name
        return command

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
