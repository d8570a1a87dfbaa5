"""Shell completion of incident ids, severities, types, roles and stage names, for any command.

Completion runs on every Tab: these read only the incidents directory's listing and
`.incident.yaml` (no git process), and answer nothing rather than an error, since a message
printed mid-line would land in the user's command line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from click.shell_completion import CompletionItem

from incidentflow.git.repo import find_root
from incidentflow.model import ids
from incidentflow.model.config import Config, load_config
from incidentflow.model.stages import STAGES


def incident_ids(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Ids starting with what was typed, else containing it (as `ID` arguments match),
    newest first; ids already given to a repeatable argument are left out."""
    config = _config()
    try:
        known = ids.list_ids(config.incidents_path) if config else []
    except OSError:  # an unreadable incidents directory
        return []
    given = ctx.params.get(param.name or "") or ()
    taken = set(given) if isinstance(given, tuple) else set()
    known = [incident_id for incident_id in reversed(known) if incident_id not in taken]
    matches = [i for i in known if i.startswith(incomplete)] or [
        i for i in known if incomplete in i
    ]
    return [CompletionItem(incident_id) for incident_id in matches]


def first_of_id_and_text(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """For `[ID] TEXT`: an id in the first place only; the text is the user's own."""
    if ctx.params.get(param.name or ""):
        return []
    return incident_ids(ctx, param, incomplete)


def severities(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The configured severity levels, most severe first, with their descriptions."""
    config = _config()
    if config is None:
        return []
    typed = incomplete.casefold()
    return [
        CompletionItem(severity.name, help=severity.description or None)
        for severity in config.severities
        if severity.name.casefold().startswith(typed)
    ]


def stage_names(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """The four stages in order, with their titles."""
    return [
        CompletionItem(stage.key, help=stage.title)
        for stage in STAGES
        if stage.key.startswith(incomplete.casefold())
    ]


def incident_types(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """The configured incident types, with their descriptions."""
    config = _config()
    if config is None:
        return []
    return [
        CompletionItem(name, help=kind.description or None)
        for name, kind in config.types.items()
        if name.startswith(incomplete.casefold())
    ]


def _config() -> Config | None:
    """The configuration of the repository around the current directory, or None."""
    try:
        return load_config(find_root(Path.cwd()))
    except Exception:  # any failure: no completions, never a traceback on the command line
        return None


def roles(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The configured roles (`commander`, `scribe`, …)."""
    config = _config()
    if config is None:
        return []
    return [CompletionItem(role) for role in config.roles if role.startswith(incomplete)]


def id_or(
    words: tuple[str, ...] | None = None, *, roles_first: bool = False
) -> Callable[[click.Context, click.Parameter, str], list[CompletionItem]]:
    """For `[ID] WORD …`: the first place takes an id or one of ``words`` (the configured
    roles, with ``roles_first``); later places complete nothing."""

    def complete(
        ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        given = ctx.params.get(param.name or "") or ()
        if len(given) > 1:
            return []
        config = _config()
        known = config.roles if roles_first and config else (words or ())
        if given and given[0] not in known:  # an id came first: now the word
            return [CompletionItem(w) for w in known if w.startswith(incomplete)]
        if given:
            return []
        return [CompletionItem(w) for w in known if w.startswith(incomplete)] + incident_ids(
            ctx, param, incomplete
        )

    return complete
