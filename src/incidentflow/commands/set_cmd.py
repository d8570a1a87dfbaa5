"""`incident set [ID] FIELD VALUE... --reason TEXT`: change a fact, on the record."""

from __future__ import annotations

from pathlib import Path

import click

from incidentflow.commands._complete import id_or
from incidentflow.commands._shared import at_option, event_time, now, open_workspace
from incidentflow.workflow.amend import FIELDS, set_field


@click.command("set")
@click.argument(
    "args", nargs=-1, required=True, metavar="[ID] FIELD VALUE...", shell_complete=id_or(FIELDS)
)
@click.option("--reason", required=True, help="Why it changed; logged with the change.")
@click.option("--add", "mode", flag_value="add", help="services: add these to the list.")
@click.option("--remove", "mode", flag_value="remove", help="services: take these off the list.")
@at_option("it changed")
@click.option("--author", help="Who changed it; default: your git user.name.")
def command(
    args: tuple[str, ...], reason: str, mode: str | None, at: str | None, author: str | None
) -> None:
    """Change the severity, title, commander or services, logging old, new and why.

    The change is written to incident.yaml (comments and layout kept) and to timeline.md as
    one line, so the history is in the record: `show --json` lists the severity's changes
    and `stats` the time spent at each level. A new title keeps the id and the directory
    and retitles every stage file's heading.

    \b
    Examples:
      incident set severity SEV1 --reason "all regions affected"
      incident set title "Checkout down in all regions" --reason "scope grew"
      incident set services --add billing --reason "invoices fail too"
      incident set 2026-11-25-checkout commander "Bo Li" --reason "handoff at shift end"
    """
    query, field, values = _split(args)
    workspace = open_workspace()
    chosen = workspace.resolve_id(query, cwd=Path.cwd())
    lines = set_field(
        workspace,
        chosen,
        field,
        values,
        reason=reason,
        author=author or workspace.git.user_name(),
        at=event_time(workspace, chosen, at, clock=now()),
        mode=mode or "replace",
    )
    for line in lines:
        click.echo(line)


def _split(args: tuple[str, ...]) -> tuple[str | None, str, list[str]]:
    """([ID], FIELD, VALUES): the id is there when the first word is not a field."""
    if args[0] in FIELDS:
        query, rest = None, list(args)
    else:
        query, rest = args[0], list(args[1:])
    if not rest or rest[0] not in FIELDS:
        from difflib import get_close_matches

        known = ", ".join(FIELDS)
        for typed in [*rest[:1], args[0]]:  # `set ID sevrity …` or `set sevrity …`
            close = get_close_matches(typed.casefold(), FIELDS, n=1)
            if close:
                raise click.UsageError(
                    f"unknown field {typed!r}; did you mean {close[0]}? ({known})"
                )
        raise click.UsageError(f"name the field to set: one of {known}")
    if len(rest) < 2:
        raise click.UsageError(f"give the new {rest[0]}")
    return query, rest[0], rest[1:]
