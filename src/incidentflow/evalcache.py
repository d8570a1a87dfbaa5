"""A cache of per-incident results, keyed by the git blob ids of the files they came from.

`incident list` and `incident check --all` over thousands of incidents would otherwise parse
every stage file on every run. Results are stored under the content of their inputs: the blob
ids git already records for clean tracked files. A file that is modified, deleted or untracked
in the working tree has no trustworthy id, so its incident is evaluated afresh and not cached.
git's own stat checks (including its "racily clean" handling) decide what is clean, so the
cache stays correct across checkout, rebase and merge by construction: the same bytes give the
same answer, and a result is never reused for bytes it was not computed from. The key also
covers `.incident.yaml` and the code that computes the results.

The cache lives in the git directory (never committed); a missing, corrupt or unwritable cache
only costs speed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from incidentflow import __version__
from incidentflow.config import CONFIG_NAME
from incidentflow.gitrepo import Git
from incidentflow.metadata import METADATA_NAME
from incidentflow.parallel import map_in_processes
from incidentflow.stages import STAGES

CACHE_NAME = "incidentflow-cache.json"
RELEVANT = (METADATA_NAME, *(stage.filename for stage in STAGES))


class ContentCache:
    """Results by content for one run; load once, look up per incident, save at the end."""

    def __init__(self, git: Git, root: Path, incidents_dir: str) -> None:
        self.root = root
        self.prefix = "" if incidents_dir == "." else incidents_dir.rstrip("/") + "/"
        self.path = _cache_path(git)
        self.salt = _salt(root)
        self.entries: dict[str, Any] = {}
        self.fresh: dict[str, Any] = {}
        self.blobs: dict[str, str] = {}
        self.unstable: set[str] = set()
        self._load()
        self._scan(git, incidents_dir)

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if (
            isinstance(data, dict)
            and data.get("salt") == self.salt
            and isinstance(data.get("entries"), dict)
        ):
            self.entries = data["entries"]

    def _scan(self, git: Git, incidents_dir: str) -> None:
        spec = incidents_dir.rstrip("/") + "/" if incidents_dir != "." else "."
        for record in git.run("ls-files", "--stage", "-z", "--", spec).split("\0"):
            if record:
                meta, _, path = record.partition("\t")
                parts = meta.split()
                if len(parts) == 3 and parts[2] == "0":
                    self.blobs[path] = parts[1]
        changed = git.run("diff-files", "--name-only", "-z", "--", spec).split("\0")
        untracked = git.run("ls-files", "--others", "-z", "--", spec).split("\0")
        for path in (*changed, *untracked):
            if path:
                directory, _, name = path.rpartition("/")
                if name in RELEVANT:
                    self.unstable.add(directory)

    def key(self, kind: str, directory: str) -> str | None:
        """The content key of one incident directory's relevant files, or None if unstable."""
        if directory in self.unstable:
            return None
        parts = [directory]
        for name in RELEVANT:
            blob = self.blobs.get(f"{directory}/{name}")
            if blob is not None:
                parts.append(f"{name}={blob}")
        if len(parts) == 1:
            return None  # nothing tracked: new incident, evaluate it directly
        return f"{kind}:" + hashlib.sha1("|".join(parts).encode()).hexdigest()

    def get(self, key: str | None) -> Any:
        """A cached value, or None."""
        if key is None:
            return None
        value = self.entries.get(key)
        if value is not None:
            self.fresh[key] = value
        return value

    def put(self, key: str | None, value: Any) -> None:
        """Remember ``value`` for ``key`` (ignored when the key is None)."""
        if key is not None:
            self.fresh[key] = value

    def results(
        self, kind: str, directories: dict[str, str], compute: Callable[[str], Any]
    ) -> dict[str, Any]:
        """Each id's cached value of ``kind``, computing the missing ones (in worker processes
        when there are many) and remembering them. ``directories`` maps id to directory."""
        keys = {name: self.key(kind, directory) for name, directory in directories.items()}
        found = {name: self.get(key) for name, key in keys.items()}
        missing = [name for name, value in found.items() if value is None]
        for name, value in zip(missing, map_in_processes(compute, missing), strict=True):
            found[name] = value
            self.put(keys[name], value)
        return found

    def save(self) -> None:
        """Write the entries used in this run, atomically; never fail.

        Entries of the kinds looked up in this run but not used are dropped (stale content);
        entries of other kinds are kept for the commands that use them.
        """
        kinds = {key.split(":", 1)[0] for key in self.fresh}
        for key, value in self.entries.items():
            if key.split(":", 1)[0] not in kinds:
                self.fresh.setdefault(key, value)
        if self.fresh == self.entries:
            return
        from incidentflow.atomic import atomic_write_text

        with contextlib.suppress(OSError):
            atomic_write_text(self.path, json.dumps({"salt": self.salt, "entries": self.fresh}))


def _cache_path(git: Git) -> Path:
    path = Path(git.run("rev-parse", "--git-path", CACHE_NAME).strip())
    return path if path.is_absolute() else git.root / path


def _salt(root: Path) -> str:
    """What the results depend on besides the files: the configuration and the code.

    The code is hashed by content (every module of the package, a few hundred KB), so a
    cache restored on another machine or checkout, as CI caches are, stays valid exactly when
    the code that computed it is the same.
    """
    digest = hashlib.sha1(__version__.encode())
    try:
        digest.update((root / CONFIG_NAME).read_bytes())
    except OSError:
        digest.update(b"no config")
    here = Path(__file__).parent
    for module in sorted(here.glob("*.py")):
        digest.update(module.name.encode() + b"\0")
        with contextlib.suppress(OSError):
            digest.update(module.read_bytes())
    return digest.hexdigest()
