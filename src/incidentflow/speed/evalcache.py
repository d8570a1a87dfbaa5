"""A cache of per-incident results, keyed by the git blob ids of the files they came from.

`incident list` and `incident check --all` over thousands of incidents would otherwise parse
every stage file on every run. Results are stored under the content of their inputs: the blob
ids git already records for clean tracked files. A file that is modified, deleted or untracked
in the working tree has no trustworthy id, so its incident is evaluated afresh and not cached;
so is an incident with a file git was told not to look at (assume-unchanged, skip-worktree),
a symlink (its blob is the link, not what it points at), or its own `.gitattributes`. git's
own stat checks (including its "racily clean" handling) decide what is clean, so the cache
stays correct across checkout, rebase and merge by construction: the same bytes give the same
answer, and a result is never reused for bytes it was not computed from. When git cannot say
(it could not read a directory), nothing is taken from the cache. A result computed from a
file (or a directory listing) that changed after git looked is not kept: its bytes may not
be the ones the key names.

The key also covers what turns a blob into the bytes on disk (the `.gitattributes` files that
apply and git's end-of-line, encoding and filter settings), `.incident.yaml`, and the code
that computes the results.

The git queries run while the results are computed, so a run without a usable cache (a fresh
clone) costs little more than the evaluation itself.

The cache lives in the git directory (never committed); a missing, corrupt or unwritable cache
only costs speed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from incidentflow import __version__
from incidentflow.git.repo import Git, Started
from incidentflow.git.snapshot import WorkingTree
from incidentflow.model.config import CONFIG_NAME
from incidentflow.model.incidents import TIMELINE_NAME
from incidentflow.model.metadata import METADATA_NAME
from incidentflow.model.stages import STAGES
from incidentflow.speed.parallel import map_in_processes

CACHE_NAME = "incidentflow-cache.json"
# A result read from a file changed this recently before a run began is not kept either.
SETTLE_NS = 1_000_000_000
# Every file a result is computed from (a postmortem's generated timeline is judged against
# timeline.md).
RELEVANT = (METADATA_NAME, TIMELINE_NAME, *(stage.filename for stage in STAGES))
_RELEVANT_NAMES = frozenset(RELEVANT)
# How `ls-files -v --stage` begins the record of a file git checks (tag H) with a regular
# file's mode; a symlink's blob is its target's name, not the content read through it.
_CLEAN_REGULAR_FILE = ("H 100644 ", "H 100755 ")


class ContentCache:
    """Results by content for one run; load once, look up per incident, save at the end."""

    def __init__(self, git: Git, root: Path, incidents_dir: str) -> None:
        self.root = root
        self.entries: dict[str, Any] = {}
        self.fresh: dict[str, Any] = {}
        self._kinds: set[str] = set()  # looked up in this run
        self._new = False  # whether this run computed an entry the cache lacked
        specs = _pathspecs(incidents_dir)
        # What changed after this moment may have changed after git looked: results read
        # from it are not kept. (File times come from a coarse clock, on some file systems
        # in whole seconds, hence the margin.)
        self._settled = time.time_ns() - SETTLE_NS
        # Started now, read when the keys are first needed.
        self._staged: Started | None = git.start_index_listing(specs)
        self._changed: Started | None = git.start_unstaged_listing(specs)
        self._signatures: dict[str, list[str] | None] = {}
        self._trusted = True  # whether git's view of the working tree is complete
        settings = git.start_config_matching(_CONVERSION_SETTINGS)
        self.path, info_attributes = git.git_path(CACHE_NAME), git.git_path("info/attributes")
        conversion = settings.output(check=False)
        attributes = _attribute_files(root, incidents_dir, info_attributes, conversion)
        self.salt = _salt(root, conversion, attributes)
        self._load()

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

    def _scan(self) -> None:
        """Each directory's index records of its tracked relevant files (mode, blob id,
        name); None for a directory with a file whose blob id git does not vouch for (see
        above). This reads a record for every file under the incidents directory: it is
        kept to string methods."""
        if self._staged is None or self._changed is None:
            return
        staged, self._staged = self._staged.output(), None
        changing, self._changed = self._changed, None
        changed = changing.output()
        if changing.stderr.strip():
            self._trusted = False  # e.g. a directory git could not read: it listed nothing
        files: dict[str, list[str]] = {}
        unstable = set()
        for record in staged.split("\0"):
            meta, _, path = record.partition("\t")
            directory, _, name = path.rpartition("/")
            if name not in _RELEVANT_NAMES:
                if name == ".gitattributes":
                    unstable.add(directory)  # it may change how this incident's blobs check out
                continue
            if not meta.startswith(_CLEAN_REGULAR_FILE) or not meta.endswith(" 0"):
                # Not looked at by git (assume-unchanged, skip-worktree: another tag), a
                # conflict (a stage but 0), or content that is not the blob's (a symlink).
                unstable.add(directory)
            found = files.get(directory)
            if found is None:
                files[directory] = [record]
            else:
                found.append(record)
        for path in changed.split("\0"):
            directory, _, name = path.rpartition("/")
            if name in _RELEVANT_NAMES:
                unstable.add(directory)
        self._signatures = {
            directory: None if directory in unstable else records
            for directory, records in files.items()
        }

    def key(self, kind: str, directory: str) -> str | None:
        """The content key of one incident directory's relevant files, or None if unstable."""
        self._scan()
        records = self._signatures.get(directory)
        if records is None or not self._trusted:
            return None  # nothing tracked (a new incident), or not clean
        if len(records) < len(RELEVANT) and self._untracked(directory, records):
            return None
        signature = "\0".join(records)  # each names its file, mode and blob id
        return f"{kind}:" + hashlib.sha1(signature.encode("utf-8", "surrogateescape")).hexdigest()

    def _untracked(self, directory: str, records: list[str]) -> bool:
        """Whether a relevant file the index does not track is on disk in ``directory``."""
        tracked = {record.partition("\t")[2].rpartition("/")[2] for record in records}
        return any(
            os.path.lexists(os.path.join(self.root, directory, name))
            for name in RELEVANT
            if name not in tracked
        )

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
            self._new = True

    def results(
        self,
        kind: str,
        directories: dict[str, str],
        compute: Callable[[str, WorkingTree], Any],
    ) -> dict[str, Any]:
        """Each id's cached value of ``kind``, computing the missing ones (in worker processes
        when there are many) and remembering them. ``directories`` maps id to directory;
        ``compute(id, tree)`` reads what it needs through ``tree``, a snapshot of the working
        tree that notes when what it read last changed.

        Without a usable cache, the keys are not needed before the computation, so they are
        worked out alongside it: the git queries behind them, the reading of their answers,
        and the keys themselves.
        """
        self._kinds.add(kind)
        found: dict[str, Any] = {}
        keys: dict[str, str | None] = {}
        if self.entries:
            keys = {name: self.key(kind, d) for name, d in directories.items()}
            found = {name: self.get(key) for name, key in keys.items()}
        missing = [name for name in directories if found.get(name) is None]

        def meanwhile() -> None:
            if not keys:
                keys.update((name, self.key(kind, directories[name])) for name in missing)

        root = os.fspath(self.root)

        def one(name: str) -> tuple[Any, int]:
            """One result, with the latest change to what it was read from: the files it
            read and its directory (whose own time changes when a file in it appears or
            goes)."""
            tree = WorkingTree(self.root)
            value = compute(name, tree)
            try:
                directory = os.stat(f"{root}/{directories[name]}").st_mtime_ns
            except OSError:
                directory = 0
            return value, max(tree.newest_change, directory)

        computed = map_in_processes(one, missing, meanwhile=meanwhile)
        for name, (value, changed) in zip(missing, computed, strict=True):
            found[name] = value
            if changed < self._settled:  # nothing it read changed once git had looked
                self.put(keys[name], value)
        return found

    def save(self) -> None:
        """Write the entries used in this run, atomically; never fail.

        Entries of the kinds looked up in this run but not used are dropped (stale content);
        entries of other kinds are kept for the commands that use them.
        """
        kept = len(self.fresh)
        for key, value in self.entries.items():
            if key.partition(":")[0] not in self._kinds:
                self.fresh[key] = value
                kept += 1
        if not self._new and kept == len(self.entries):
            return  # every entry was used or kept, and none added: nothing changed
        from incidentflow.files.atomic import atomic_write_text

        data = json.dumps({"salt": self.salt, "entries": self.fresh}, separators=(",", ":"))
        with contextlib.suppress(OSError):
            atomic_write_text(self.path, data, durable=False)  # losing it only costs time


# git settings that change the bytes a blob checks out as (end of lines, filters), and where
# more attributes may be kept.
_CONVERSION_SETTINGS = r"^(core\.(autocrlf|eol|attributesfile|checkroundtripencoding)|filter\.)"


_GLOB_SPECIAL = re.compile(r"([*?\[\\])")


def _pathspecs(incidents_dir: str) -> list[str]:
    """The files a key depends on, as git pathspecs: each incident's relevant files and any
    `.gitattributes` below the incidents directory (an incident's other files, such as
    attachments, are never read, so git is not asked about them)."""
    directory = incidents_dir.strip("/")
    prefix = "" if directory in ("", ".") else _GLOB_SPECIAL.sub(r"\\\1", directory) + "/"
    # glob magic: `*` does not match `/`, so only the incidents' own files match. (Where
    # GIT_LITERAL_PATHSPECS turns magic off, nothing matches: nothing is cached.)
    return [f":(glob){prefix}*/{name}" for name in RELEVANT] + [f":(glob){prefix}**/.gitattributes"]


def _attribute_files(root: Path, incidents_dir: str, info: Path, settings: str) -> list[Path]:
    """The attribute files that can apply to an incident's files, but those inside it."""
    found = [root / ".gitattributes"]
    here = root
    for part in Path(incidents_dir).parts:
        here = here / part
        found.append(here / ".gitattributes")
    found.append(info)
    found.append(Path("/etc/gitattributes"))  # the system's, where git is installed in /usr
    configured = [
        value
        for key, _, value in (entry.partition("\n") for entry in settings.split("\0"))
        if key.lower() == "core.attributesfile" and value
    ]
    if configured:
        found.append(Path(configured[-1]).expanduser())
    else:  # git's default for it
        config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
        found.append(Path(config_home) / "git" / "attributes")
    return found


def _salt(root: Path, conversion: str, attributes: list[Path]) -> str:
    """What the results depend on besides the files: how their blobs check out, the
    configuration, and the code.

    The code is hashed by content (every module of the package, a few hundred KB), so a
    cache restored on another machine or checkout, as CI caches are, stays valid exactly when
    the code that computed it is the same.
    """
    digest = hashlib.sha1(__version__.encode())
    digest.update(conversion.encode("utf-8", "surrogateescape") + b"\0")
    for number, path in enumerate((root / CONFIG_NAME, *attributes)):
        digest.update(b"\0%d\0" % number)  # not the path: a clone elsewhere has the same
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"\0absent\0")
    package = Path(__file__).parents[1]
    for module in sorted(package.rglob("*.py")):
        digest.update(module.relative_to(package).as_posix().encode() + b"\0")
        with contextlib.suppress(OSError):
            digest.update(module.read_bytes())
    return digest.hexdigest()
