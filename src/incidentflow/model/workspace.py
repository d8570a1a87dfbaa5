"""The repository a command works in: its root, configuration, git access and incidents."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from incidentflow.errors import IncidentError
from incidentflow.git.repo import Git, find_root
from incidentflow.git.snapshot import WorkingTree
from incidentflow.model import ids
from incidentflow.model.config import Config, load_config
from incidentflow.model.grounding import Resolver, head_resolver
from incidentflow.model.incidents import IncidentReport, evaluate
from incidentflow.model.stages import POSTMORTEM


class Workspace:
    """A working tree with its `.incident.yaml` loaded, and its door to git."""

    __slots__ = ("config", "git", "root")

    def __init__(self, *, root: Path, config: Config) -> None:
        self.root = root
        self.config = config
        self.git = Git(root)

    @classmethod
    def open(cls, cwd: Path) -> Workspace:
        """Find the repository containing ``cwd`` and load its configuration."""
        root = find_root(cwd)
        return cls(root=root, config=load_config(root))

    @contextlib.contextmanager
    def lock(self, incident_id: str) -> Iterator[None]:
        """Hold an exclusive lock for one incident's files (a file under .git, never
        committed), so that writers who re-read before they write lose nothing."""
        lock_path = self.git.git_path(f"incidentflow-{incident_id}.lock")
        with open(lock_path, "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    @property
    def tree(self) -> WorkingTree:
        """The working tree as a snapshot."""
        return WorkingTree(self.root)

    def ids(self) -> list[str]:
        """Every incident id in the incidents directory."""
        return ids.list_ids(self.config.incidents_path)

    def head_resolver(self) -> Resolver:
        """Judges code references as `incident check` does (see `grounding`)."""
        return head_resolver(self.git)

    def report(self, incident_id: str, *, with_refs: bool = True) -> IncidentReport:
        """Evaluate one incident in the working tree."""
        resolver = self.head_resolver() if with_refs else None
        return evaluate(self.tree, self.config, incident_id, resolver=resolver)

    def resolve_id(self, query: str | None, *, cwd: Path) -> str:
        """The incident ``query`` names; else the one around ``cwd``, or of the `incident/<id>`
        branch, or the only open one, or the only one."""
        known = self.ids()
        if query:
            return ids.match_id(query, known)
        here = ids.id_from_cwd(cwd, self.config.incidents_path)
        if here and here in known:
            return here
        branch = self.git.current_branch() or ""
        if branch.startswith("incident/") and branch.removeprefix("incident/") in known:
            return branch.removeprefix("incident/")  # the branch `incident new --branch` made
        open_ids = [
            i for i in known if evaluate(self.tree, self.config, i, only=[POSTMORTEM]).is_open
        ]
        if len(open_ids) == 1:
            return open_ids[0]
        if not known:
            raise IncidentError("there are no incidents yet; start one with: incident new TITLE")
        if len(known) == 1:
            return known[0]
        if not open_ids:
            recent = ", ".join(reversed(known[-5:]))
            raise IncidentError(f"no incident is open; name one, e.g. the latest: {recent}")
        shown = ", ".join(open_ids[:10]) + (" …" if len(open_ids) > 10 else "")
        raise IncidentError(f"{len(open_ids)} incidents are open; name one: {shown}")
