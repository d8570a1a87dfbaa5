"""Action items out to a tracker: one CSV for the CSV importers of Jira and GitHub, and a
script of `gh issue create` commands.

Only items that are not done and record no ticket yet are exported, so once a row's
`Ticket` column (or its Status) holds the issue (`#123`, `PROJ-45`, a URL), no later export
proposes it again.
"""

from __future__ import annotations

import csv
import io
import re
import shlex

from incidentflow.reports.actions import ActionItem

# Jira's importer maps columns by their header and requires Summary; a field with several
# values (Labels) is repeated, one value a column. GitHub has no CSV importer of its own:
# the tools that import issues from CSV (github-csv-tools and the like) read `title` and
# `body`, and take `Assignee` and the first `Labels` whatever their case. Jira's wizard
# leaves the two columns it has no field for unmapped.
JIRA_HEADER = ("Summary", "Description", "Assignee", "Due date", "Labels", "Labels", "Issue Type")
GITHUB_HEADER = ("title", "body")
CSV_HEADER = JIRA_HEADER + GITHUB_HEADER
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LOGIN = re.compile(r"@([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})")
_LABEL_CHARS = re.compile(r"[^\w.-]+")
_GITHUB = re.compile(
    r"^(?:https://|git@|ssh://git@)github\.com[:/](?P<repo>[\w.-]+/[\w.-]+?)(?:\.git)?/?$"
)


def to_export(items: list[ActionItem]) -> list[ActionItem]:
    """The items a tracker should get: not done, no ticket recorded yet."""
    return [item for item in items if not item.done and not item.ticket]


def source_link(item: ActionItem, *, remote: str | None) -> str:
    """Where the row lives: a GitHub permalink-style URL when the remote is on GitHub, else
    `path:line`."""
    match = _GITHUB.match(remote or "")
    if match is None:
        return f"{item.path}:{item.line}"
    return f"https://github.com/{match.group('repo')}/blob/HEAD/{item.path}#L{item.line}"


def description(item: ActionItem, *, remote: str | None) -> str:
    """The issue's body: what, for which incident, and a link back to the postmortem."""
    title = item.incident_title
    lines = [
        item.action,
        "",
        f"Action item of incident {item.incident}" + (f" ({title})" if title else "") + ".",
        f"Postmortem: {source_link(item, remote=remote)}",
        f"Owner: {item.owner or '-'}; due {item.due or '-'}; type {item.type or '-'}"
        + (f"; status: {item.status}" if item.status else ""),
        "",
        "Record this issue in the row's Ticket column so it is not exported again.",
    ]
    return "\n".join(lines)


def labels(item: ActionItem) -> list[str]:
    """`incident` and the item's type, as labels (no spaces: Jira's labels have none)."""
    found = ["incident"]
    kind = _LABEL_CHARS.sub("-", item.type.strip().casefold()).strip("-")
    if kind and kind not in found:
        found.append(kind)
    return found


def login(owner: str) -> str | None:
    """The GitHub login an owner names as `@login`; None for a plain name."""
    match = _LOGIN.fullmatch(owner.strip())
    return match.group(1) if match else None


def tracker_csv(items: list[ActionItem], *, remote: str | None) -> str:
    """A CSV the importers read: the header above, one row per item, quoted as RFC 4180
    says (newlines and commas inside quotes). Assignee is the owner's GitHub login when it
    is written as one (`@ana`; a plain name fails GitHub's import, and Jira's wizard maps
    its own users), Due date only a YYYY-MM-DD date; the description says both as written.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_HEADER)
    for item in to_export(items):
        summary = _one_line(item.action)
        body = description(item, remote=remote)
        found = [*labels(item), ""]
        due = item.due.strip() if _DATE.fullmatch(item.due.strip()) else ""
        writer.writerow(
            [summary, body, login(item.owner) or "", due, found[0], found[1], "Task", summary, body]
        )
    return out.getvalue()


def gh_script(items: list[ActionItem], *, remote: str | None) -> str:
    """A bash script of `gh issue create` commands, one per item, every argument quoted
    with `shlex.quote` (so it reaches `gh` byte for byte); each prints `path:line: <issue
    URL>` for the row's Ticket column. The labels are created first, as `gh` refuses
    unknown ones."""
    chosen = to_export(items)
    used = list(dict.fromkeys(label for item in chosen for label in labels(item)))
    lines = [
        "#!/usr/bin/env bash",
        "# Issues for the action items of postmortems that have no ticket yet, written by",
        "# `incident actions --export gh`. Run it in the repository; then write each issue",
        "# printed into its row's Ticket column, so the next export leaves the item out.",
        "set -euo pipefail",
        "",
    ]
    for label in used:
        lines.append(f"gh label create {shlex.quote(label)} >/dev/null 2>&1 || true")
    if used:
        lines.append("")
    for item in chosen:
        # `--flag=value`: a value starting with `-` stays a value.
        command = [
            "gh",
            "issue",
            "create",
            f"--title={item.action}",
            f"--body={description(item, remote=remote)}",
        ]
        command += [f"--label={label}" for label in labels(item)]
        who = login(item.owner)
        if who is not None:
            command.append(f"--assignee={who}")
        where = shlex.quote(f"{item.path}:{item.line}")
        lines.append(f"url=$({' '.join(shlex.quote(part) for part in command)})")
        lines.append(f"printf '%s: %s\\n' {where} \"$url\"")
    if not chosen:
        lines.append("# Nothing to create: every open action item records its ticket.")
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())
