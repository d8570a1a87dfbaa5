"""`incidents/README.md`: a table of every incident, newest first, that the hook keeps current.

The table sits between two marker comments; text around them is the repository's own and
is never touched. Each row is rendered from the incident's files alone, so refreshing the
rows of the incidents a commit touches (the hook's fast path, which does not read the other
incidents) gives exactly what a full rebuild gives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from incidentflow.errors import IncidentError
from incidentflow.files.atomic import write_in_tree
from incidentflow.files.repo_paths import checked
from incidentflow.files.textfile import decode
from incidentflow.git.snapshot import Snapshot, WorkingTree
from incidentflow.model import ids
from incidentflow.model.config import Config
from incidentflow.model.incidents import evaluate, incident_dir
from incidentflow.model.stages import POSTMORTEM, STAGES
from incidentflow.records import Record

INDEX_NAME = "README.md"
START = "<!-- incident-index:start (written by `incident index`; edits inside are replaced) -->"
END = "<!-- incident-index:end -->"
INTRO = (
    "# Incidents\n\n"
    "Every incident in this repository, newest first. Status and stage are derived from each\n"
    "incident's files. `incident index` writes the table; the pre-commit hook keeps it current.\n"
)
_ROW_ID = re.compile(r"^\| \[(?P<id>[^\]]+)\]\(")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


class IndexRow(Record):
    """One incident in the index."""

    __slots__ = ("id", "severity", "stage", "started", "status", "title")

    def __init__(
        self,
        *,
        id: str,
        started: str,
        severity: str,
        status: str,
        stage: str,
        title: str,
    ) -> None:
        self.id = id
        self.started = started
        self.severity = severity
        self.status = status
        self.stage = stage
        self.title = title

    def render(self) -> str:
        """The row as a markdown table line; the id links to the incident's directory."""
        cells = [
            f"[{self.id}]({self.id}/)",
            self.started,
            self.severity,
            self.status,
            self.stage,
            _escape(self.title) or "?",
        ]
        return "| " + " | ".join(cells) + " |"


def index_path(config: Config) -> Path:
    """Where the index lives: `README.md` in the incidents directory."""
    return config.incidents_path / INDEX_NAME


def index_row(snapshot: Snapshot, config: Config, incident_id: str) -> IndexRow | None:
    """The row of one incident, or None when its directory holds no incident any more."""
    directory = incident_dir(config, incident_id)
    stage_paths = [(stage.key, f"{directory}/{stage.filename}") for stage in STAGES]
    present = [key for key, path in stage_paths if snapshot.read(path) is not None]
    report = evaluate(snapshot, config, incident_id, only=[POSTMORTEM])
    if not report.meta_text and not present:
        return None
    started = report.meta.time("started_at")
    return IndexRow(
        id=incident_id,
        started=started.astimezone(config.tz()).strftime("%Y-%m-%d %H:%M")
        if started
        else incident_id[:10],
        severity=report.meta.severity or "?",
        status=report.status,
        stage=present[-1] if present else "-",
        title=report.meta.title or "?",
    )


def render_table(rows: Iterable[str], *, config: Config) -> str:
    """The marked block: header, then the row lines sorted newest first."""
    ordered = sorted(rows, key=_sort_key, reverse=True)
    header = (
        f"| Incident | Started ({config.timezone}) | Severity | Status | Stage | Title |\n"
        "| --- | --- | --- | --- | --- | --- |\n"
    )
    return f"{START}\n{header}" + "".join(f"{row}\n" for row in ordered) + f"{END}\n"


def build_index(config: Config, *, snapshot: Snapshot | None = None) -> str:
    """The whole file as `incident index` writes it: the current text with a fresh table."""
    tree = snapshot or WorkingTree(config.root)
    rows = [index_row(tree, config, incident_id) for incident_id in _all_ids(config)]
    table = render_table([row.render() for row in rows if row is not None], config=config)
    return _with_table(_read(config), table)


def update_index(
    config: Config,
    *,
    incident_ids: Iterable[str] | None = None,
    create: bool = True,
    snapshot: Snapshot | None = None,
) -> bool:
    """Bring `incidents/README.md` up to date; return True if the file was (re)written.

    With ``incident_ids``, only those incidents' rows are refreshed (see `_with_rows`), so
    the cost does not grow with the number of incidents; a file without a current table is
    rebuilt in full. With ``create=False`` a missing file stays missing, and a README without
    the index markers is left alone.
    """
    current = _read(config)
    if not create and (current is None or START not in current):
        return False
    tree = snapshot or WorkingTree(config.root)
    updated = None
    if incident_ids is not None and current is not None:
        updated = _with_rows(current, _fresh_rows(tree, config, incident_ids), config=config)
    if updated is None:
        updated = build_index(config, snapshot=tree)
    if updated == current:
        return False
    path = index_path(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_in_tree(config.root, path, updated)
    return True


def refresh_for_commit(
    config: Config, *, incident_ids: Iterable[str], staged: bytes | None
) -> str | None:
    """What the pre-commit hook does with the index: refresh the committed incidents' rows.

    ``staged`` is the index file as staged (None if it is not in the git index). Returns the
    line the hook prints before failing when the commit would carry a stale table (the
    file was just updated, or was updated earlier and not staged); None when all is well.
    Only an existing index with its markers is maintained; the hook never creates one.
    Only the committed incidents' rows are looked at, in the working file and in the staged
    one: a commit that changes one row costs the same with ten rows as with ten thousand.
    """
    ids = list(incident_ids)
    current = _read(config)
    if current is None or START not in current:
        return None
    path = index_relpath(config)
    rows = _fresh_rows(WorkingTree(config.root), config, ids)
    updated = _with_rows(current, rows, config=config)
    if updated is None:  # no current table to refresh in place: rebuilt whole
        updated = build_index(config)
    if updated != current:
        index_file = index_path(config)
        write_in_tree(config.root, index_file, updated)
        return f"incident-check: updated {path}; review it, `git add {path}` and commit again"
    staged_text = staged.decode("utf-8", "replace") if staged is not None else None
    if staged_text is None or _table_text(staged_text) is None:
        return (
            f"incident-check: {path} is updated but not staged; `git add {path}` and commit again"
        )
    if any(_row_line(staged_text, i) != _row_line(current, i) for i in ids):
        return (
            f"incident-check: {path} is updated but not staged; `git add {path}` and commit again"
        )
    return None


def _fresh_rows(snapshot: Snapshot, config: Config, ids: Iterable[str]) -> dict[str, str | None]:
    """Each incident's row as it should be now (None for an incident no longer there)."""
    found: dict[str, str | None] = {}
    for incident_id in ids:
        row = index_row(snapshot, config, incident_id)
        found[incident_id] = row.render() if row is not None else None
    return found


def _row_line(text: str, incident_id: str) -> str | None:
    """The table line of ``incident_id`` in ``text`` (found by its link, not by parsing every
    row), or None."""
    at = text.find(f"\n| [{incident_id}](")
    if at == -1:
        return None
    end = text.find("\n", at + 1)
    return text[at + 1 : len(text) if end == -1 else end]


def _with_rows(current: str, rows: dict[str, str | None], *, config: Config) -> str | None:
    """``current`` with the given rows replaced, added at their place (newest first) or
    taken out, every other byte kept; None when the file has no current table (another
    layout or timezone), which is then rebuilt whole.

    A row that is already right costs a substring search; one that changed rewrites its own
    line; a new one (most often the newest) is put where its start time places it.
    """
    start = current.find(START)
    end = current.find(END, start)
    if start == -1 or end == -1:
        return None
    header = render_table([], config=config).split("\n")[1:3]
    head_end = current.find("\n", start) + 1
    if current[head_end : head_end + len(header[0]) + len(header[1]) + 2] != (
        f"{header[0]}\n{header[1]}\n"
    ):
        return None
    table_start = head_end + len(header[0]) + len(header[1]) + 2
    text = current
    for incident_id, row in rows.items():
        line = _row_line(text[: text.find(END, start)], incident_id)
        if line == row:
            continue
        if line is not None:
            at = text.index(f"\n{line}\n", start) + 1
            if row is not None and _sort_key(line) == _sort_key(row):
                text = text[:at] + row + text[at + len(line) :]  # same place, new cells
                continue
            text = text[:at] + text[at + len(line) + 1 :]
        if row is not None:
            at = _place(text, row, table_start, text.find(END, start))
            text = text[:at] + row + "\n" + text[at:]
    return text


def _place(text: str, row: str, first: int, end: int) -> int:
    """Where ``row`` goes among the rows between ``first`` and ``end`` (sorted newest first):
    before the first row that sorts below it."""
    key = _sort_key(row)
    at = first
    while at < end:
        line_end = text.find("\n", at, end)
        line_end = end if line_end == -1 else line_end
        if _sort_key(text[at:line_end]) < key:
            return at
        at = line_end + 1
    return end


def index_is_current(config: Config) -> bool:
    """True when the file exists and matches what `incident index` would write."""
    current = _read(config)
    return current is not None and current == build_index(config)


def _all_ids(config: Config) -> list[str]:
    return ids.list_ids(config.incidents_path)


def _read(config: Config) -> str | None:
    path = checked(config.root, index_path(config))
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IncidentError(f"{index_relpath(config)}: cannot read: {exc.strerror}") from None
    return decode(data, path=index_relpath(config))


def index_relpath(config: Config) -> str:
    """The index's repository-relative path, e.g. `incidents/README.md`."""
    return f"{config.incidents_dir}/{INDEX_NAME}" if config.incidents_dir != "." else INDEX_NAME


def _table_text(text: str | None) -> str | None:
    """The marked block of ``text``, or None when it has none."""
    if text is None:
        return None
    start = text.find(START)
    end = text.find(END, start)
    return text[start : end + len(END)] if start != -1 and end != -1 else None


def _with_table(current: str | None, table: str) -> str:
    """``current`` with its marked block replaced by ``table`` (appended if it has none)."""
    if current is None:
        return f"{INTRO}\n{table}"
    start = current.find(START)
    end = current.find(END, start)
    if start == -1 or end == -1:
        return current.rstrip("\n") + "\n\n" + table
    after = current[end + len(END) :]
    return current[:start] + table + after.removeprefix("\n")


def _sort_key(row: str) -> tuple[str, str]:
    """Newest first: by the Started cell, then by id (rows are sorted in reverse)."""
    match = _ROW_ID.match(row)
    cells = row.split(" | ")
    return (cells[1] if len(cells) > 1 else "", match.group("id") if match else row)


def _escape(text: str) -> str:
    """Keep a title literal inside a table cell: no markup, no HTML, no cell breaks."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))
