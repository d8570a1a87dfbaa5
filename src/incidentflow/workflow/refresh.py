"""`incident refresh`: draw the postmortem's generated blocks again from the incident's files.

`incident log` does this on its own whenever it changes the facts a block is drawn from; this
is for edits made by hand to `timeline.md` or `incident.yaml` (see `model/generated`).
"""

from __future__ import annotations

from incidentflow.files.atomic import write_in_tree
from incidentflow.files.textfile import decode
from incidentflow.model.incidents import TIMELINE_NAME, evaluate, incident_dir
from incidentflow.model.stages import POSTMORTEM
from incidentflow.model.workspace import Workspace
from incidentflow.timeline.blocks import refreshed


def refresh_incident(workspace: Workspace, incident_id: str) -> str | None:
    """Redraw the incident's generated blocks; the path of the file changed, or None."""
    with workspace.lock(incident_id):
        return refresh_locked(workspace, incident_id)


def refresh_locked(workspace: Workspace, incident_id: str) -> str | None:
    """:func:`refresh_incident` for a caller that already holds the incident's lock."""
    directory = incident_dir(workspace.config, incident_id)
    relpath = f"{directory}/{POSTMORTEM.filename}"
    raw = workspace.tree.read(relpath)
    if raw is None:
        return None
    text = decode(raw, path=relpath)
    meta = evaluate(workspace.tree, workspace.config, incident_id, only=[]).meta
    timeline = workspace.tree.read(f"{directory}/{TIMELINE_NAME}")
    updated = refreshed(text, meta, timeline, timezone=workspace.config.timezone)
    if updated is None:
        return None
    write_in_tree(workspace.root, workspace.root / relpath, updated)
    return relpath
