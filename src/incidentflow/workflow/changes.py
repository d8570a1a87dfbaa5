"""Which incidents a branch changed: the set `incident check --changed` validates on a pull request.

The comparison point is the merge base of the base branch and HEAD, as a pull request's diff
shows it, so incidents changed only on the base branch since the fork are left alone. Files
are compared with the working tree, so uncommitted and untracked edits count too.
"""

from __future__ import annotations

from incidentflow.errors import IncidentError
from incidentflow.git.repo import Git
from incidentflow.model.config import Config
from incidentflow.model.gate import incidents_touched
from incidentflow.records import Record

SHALLOW_HINT = (
    "this is a shallow clone; fetch the base branch with enough history "
    "(git fetch --unshallow, or actions/checkout with fetch-depth: 0)"
)


class ChangeBase(Record):
    """What changes are measured against: the ref the user named and the merge-base commit."""

    __slots__ = ("commit", "ref")

    def __init__(self, *, ref: str, commit: str) -> None:
        self.ref = ref
        self.commit = commit

    @property
    def label(self) -> str:
        """`main (merge base 1a2b3c4)`, for messages."""
        return f"{self.ref} (merge base {self.commit[:7]})"


def find_base(git: Git, *, ref: str | None) -> ChangeBase:
    """The merge base of ``ref`` (default: the default branch) and HEAD; clear errors if absent."""
    shallow = git.is_shallow()
    if ref is None:
        ref = git.default_branch()
        if ref is None:
            why = f"; {SHALLOW_HINT}" if shallow else ""
            raise IncidentError(
                "cannot tell which branch to compare with: there is no origin/HEAD, main or "
                f"master here{why}; name it with --base, e.g. --base origin/main"
            )
    base_commit = git.commit_of(ref)
    if base_commit is None:
        why = SHALLOW_HINT if shallow else "check the name, or fetch it"
        raise IncidentError(
            f"the base {ref!r} is not in this clone; {why} (e.g. git fetch origin main)"
        )
    head = git.head()
    if head is None:
        raise IncidentError(
            "HEAD has no commits yet, so nothing is changed relative to "
            f"{ref!r}; commit first, or use incident check --all"
        )
    common = git.merge_base(base_commit, head)
    if common is None:
        if shallow:
            raise IncidentError(f"{ref!r} and HEAD share no history in this clone; {SHALLOW_HINT}")
        raise IncidentError(
            f"{ref!r} and HEAD share no history; name the branch this one started from with --base"
        )
    return ChangeBase(ref=ref, commit=common)


def changed_incident_ids(
    git: Git, config: Config, *, base: ChangeBase, known: list[str]
) -> list[str]:
    """Ids of the incidents in ``known`` with a file that differs from ``base``.

    Incidents deleted since the base are not in ``known`` and so are left out.
    """
    pathspec = config.incidents_dir.rstrip("/") or "."
    touched = incidents_touched(
        config.incidents_dir, git.paths_changed_since(base.commit, pathspec)
    )
    present = set(known)
    return [incident_id for incident_id in touched if incident_id in present]
