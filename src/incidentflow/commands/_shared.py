"""What every command does the same way: find the repository, read the clock, print JSON."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from incidentflow.errors import IncidentError
from incidentflow.model.config import Config
from incidentflow.model.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])

# The forms every time option takes (--started-at, --detected-at, --at), as the README says.
TIME_FORMS = (
    "ISO-8601 (2026-11-25T14:02+01:00), relative (-15m, -2h), or HH:MM: the last time the "
    "clock showed HH:MM in the configured timezone, so 23:50 typed just after midnight is "
    "last night."
)


def open_workspace() -> Workspace:
    """The repository around the current directory, configuration loaded.

    Its git object reader (if one gets started) is closed when the command ends.
    """
    workspace = Workspace.open(Path.cwd())
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(workspace.git.close)
    return workspace


def now() -> dt.datetime:
    """The current time, timezone-aware (UTC); commands convert it to the configured zone."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def at_option(what: str) -> Callable[[F], F]:
    """The `--at TIME` option of a command that records something in the timeline, for a
    record kept after the fact (or a change made a few minutes before it was typed)."""
    return click.option("--at", "at", help=f"When {what}: {TIME_FORMS} Default: now.")


def event_time(
    workspace: Workspace, incident_id: str, at: str | None, *, clock: dt.datetime
) -> dt.datetime:
    """The time ``--at`` gives (``clock`` without it), read as every time option is; for an
    incident recorded after the fact a bare HH:MM is refused as ambiguous."""
    if not at:
        return clock
    from incidentflow.model.incidents import evaluate
    from incidentflow.model.times import parse_user_time

    started = evaluate(workspace.tree, workspace.config, incident_id, only=[]).meta.time(
        "started_at"
    )
    return parse_user_time(at, now=clock, tz=workspace.config.tz(), option="--at", started=started)


def level_names(config: Config, given: tuple[str, ...]) -> tuple[str, ...]:
    """The configured names of the severities ``given`` by name or alias, in any case (`sev1`,
    `P0`), as `new` and `set` take them; an unknown one is an error, never an empty answer."""
    names = []
    for value in given:
        level = config.severity(value)
        if level is None:
            known = ", ".join(config.severity_names)
            raise IncidentError(f"severity {value!r} is not one of {known}")
        names.append(level.name)
    return tuple(names)


def emit(text: str, output: Path | None) -> None:
    """``text`` on stdout, or written whole to ``output`` (atomically: a reader never sees
    half of it), printing where it went."""
    if output is None:
        click.echo(text, nl=False)
        return
    from incidentflow.files.atomic import atomic_write_text

    try:
        atomic_write_text(output, text)
    except OSError as exc:
        raise IncidentError(f"cannot write {output}: {exc.strerror}") from None
    click.echo(shown_path(output.resolve()))


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def shown_path(path: Path) -> str:
    """A path as the user can paste it: relative to the current directory."""
    return os.path.relpath(path, Path.cwd())
