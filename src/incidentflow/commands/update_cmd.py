"""`incident update [ID] TEXT`: a stakeholder update, logged; `--render` makes it pasteable."""

from __future__ import annotations

from pathlib import Path

import click

from incidentflow.commands._complete import first_of_id_and_text
from incidentflow.commands._shared import at_option, event_time, now, open_workspace
from incidentflow.model.history import AUDIENCES, Update, timeline_entries, updates
from incidentflow.model.metadata import Metadata
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
@at_option("it was posted")
@click.option("--author", help="Who posted it; default: your git user.name.")
def command(
    args: tuple[str, ...],
    next_in: str | None,
    audience: str,
    form: str | None,
    at: str | None,
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
    if form is not None and len(args) == 1 and _names_an_incident(args[0], workspace.ids()):
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
            at=event_time(workspace, chosen, at, clock=clock),
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
    stale = _overtaken(report.meta, updates(entries))
    if stale:
        click.echo(stale, err=True)


def _names_an_incident(word: str, known: list[str]) -> bool:
    """Whether ``word`` reads as an id as `[ID]` arguments match (in full, by prefix or by
    substring): one word, no spaces. With --render an id needs no text, so `update 2017-01-31
    --render slack` renders that incident's latest update instead of posting "2017-01-31"."""
    return bool(word) and not any(ch.isspace() for ch in word) and any(word in i for i in known)


def _overtaken(meta: Metadata, posted: list[Update]) -> str | None:
    """A warning when the incident was contained or resolved after the latest update: its
    text may say what is no longer true ("restore is 50% done")."""
    if not posted:
        return None
    latest = posted[-1]
    for milestone, verb in (("resolved_at", "resolved"), ("contained_at", "contained")):
        moment = meta.time(milestone)
        if moment is not None and moment > latest.time:
            return (
                f"warning: the latest update ({latest.time.isoformat()}) was posted before the "
                f"incident was {verb} ({moment.isoformat()}); post a current one: "
                'incident update "TEXT"'
            )
    return None
