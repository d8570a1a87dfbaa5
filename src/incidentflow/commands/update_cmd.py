"""`incident update [ID] TEXT`: a stakeholder update, logged; `--render` makes it pasteable."""

from __future__ import annotations

from pathlib import Path

import click

from incidentflow.commands._complete import first_of_id_and_text
from incidentflow.commands._shared import now, open_workspace
from incidentflow.model.history import AUDIENCES, timeline_entries
from incidentflow.reports.stakeholder import FORMATS, render_update
from incidentflow.workflow.updates import post_update, update_due


@click.command("update")
@click.argument("args", nargs=-1, metavar="[ID] [TEXT]", shell_complete=first_of_id_and_text)
@click.option(
    "--next",
    "next_in",
    metavar="SPAN",
    help="When the next update comes: 30m, 2h. Default: the severity's cadence.",
)
@click.option("--audience", type=click.Choice(AUDIENCES), default="internal", show_default=True)
@click.option(
    "--render",
    "form",
    type=click.Choice(FORMATS),
    help="Print the latest update with the incident's facts, ready to paste.",
)
@click.option("--author", help="Who posted it; default: your git user.name.")
def command(
    args: tuple[str, ...],
    next_in: str | None,
    audience: str,
    form: str | None,
    author: str | None,
) -> None:
    """Log a stakeholder update in timeline.md; `show` and `list` say when the next is due.

    Cadences come from the severity (`severities: … updates: 30m` in .incident.yaml;
    default SEV1 every 30 minutes, SEV2 every hour, none for SEV3 and SEV4); --next
    overrides it for this update. With --render slack|statuspage|email, the latest update
    is printed wrapped in the current severity, status, impact and next update time, ready
    to paste: nothing is sent anywhere. Without TEXT, --render prints the latest one.

    \b
    Examples:
      incident update "Restoring from the 6-hour-old backup; ETA 18:00" --audience external
      incident update "Root cause found: rm on db1" --next 1h
      incident update --render slack
    """
    if len(args) > 2:
        raise click.UsageError('quote the update text: incident update [ID] "TEXT"')
    if not args and form is None:
        raise click.UsageError('give the update text: incident update "TEXT"')
    workspace = open_workspace()
    query, text = (args[0], args[1]) if len(args) == 2 else (None, args[0] if args else None)
    if form is not None and len(args) == 1 and args[0] in workspace.ids():
        query, text = args[0], None  # `update ID --render slack`: show that one's latest
    if text is None and (next_in is not None or audience != "internal"):
        raise click.UsageError("--next and --audience describe a new update: give its TEXT")
    chosen = workspace.resolve_id(query, cwd=Path.cwd())
    clock = now()
    if text is not None:
        lines = post_update(
            workspace,
            chosen,
            text,
            audience=audience,
            next_in=next_in,
            author=author or workspace.git.user_name(),
            at=clock,
        )
        if form is None:
            for line in lines:
                click.echo(line)
            return
    report = workspace.report(chosen, with_refs=False)
    entries = timeline_entries(workspace.tree, report.directory)
    due = update_due(workspace.config, report, entries, now=clock)
    click.echo(
        render_update(report, entries, form=form or "slack", due=due, tz=workspace.config.tz()),
        nl=False,
    )
