"""What every command does the same way: find the repository, read the clock, print JSON."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import click

from incidentflow.model.workspace import Workspace

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


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def shown_path(path: Path) -> str:
    """A path as the user can paste it: relative to the current directory."""
    return os.path.relpath(path, Path.cwd())
