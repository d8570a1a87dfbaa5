"""What every command does the same way: find the repository, read the clock, print JSON."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import click

from incidentflow.model.workspace import Workspace


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
