"""Everything the tool asks of git, in one place: no other module builds a git command line.

Two ways in, each where it reads best:

- **Plain `git` processes**, for everything on a path with a speed target and for queries
  whose answer is a list to parse: what is staged (one `git ls-files`), objects (one
  long-lived `git cat-file --batch`, started with `posix_spawn`, without importing
  `subprocess`), blame, history (`git log` with `--numstat` gives the rollback suspects and
  their files in one process; `git show` their patches), the result cache's listings.
  GitPython would cost its import (a few tens of milliseconds) on every commit, and a
  process per commit for the same lists.
- **GitPython**, off the hot path, where an API reads better than a parsed command: the
  committer's name from git's layered configuration, creating the incident's branch.

Errors from either become :class:`IncidentError` with a message that says what to do; a git
process killed under us is :class:`EnvironmentFailed`, which stops the run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path

from incidentflow.errors import EnvironmentFailed, IncidentError
from incidentflow.records import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (commit path)
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Sequence
    from typing import Any, BinaryIO

_HEX = frozenset("0123456789abcdef")
NOT_A_REPO = "not inside a git repository — run this from your repo, or run `git init` first"


def find_root(start: Path) -> Path:
    """The top of the working tree containing ``start``."""
    env_tree = os.environ.get("GIT_WORK_TREE")
    if env_tree:
        return Path(env_tree).resolve()
    current = start.resolve()
    for candidate in (current, *current.parents):
        if _is_git_marker(candidate / ".git"):
            return candidate
        if _looks_bare(candidate):
            raise IncidentError(
                f"{candidate} is a bare git repository (no working tree); "
                "run this in a clone with a working tree"
            )
    raise IncidentError(NOT_A_REPO)


def _is_git_marker(dot_git: Path) -> bool:
    """A `.git` directory with a HEAD, or a `.git` file pointing at one (worktrees)."""
    if dot_git.is_dir():
        return (dot_git / "HEAD").is_file()
    if dot_git.is_file():
        try:
            return dot_git.read_text(encoding="utf-8", errors="replace").startswith("gitdir:")
        except OSError:
            return False
    return False


def _looks_bare(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir()


class FileChange(Record):
    """One file a commit touched, with its line counts (None for binary files)."""

    __slots__ = ("added", "deleted", "path")

    def __init__(self, path: str, added: int | None, deleted: int | None) -> None:
        self.path = path
        self.added = added
        self.deleted = deleted


class Commit(Record):
    """A commit as a rollback candidate: what changed, by whom, when."""

    __slots__ = ("author", "date", "files", "sha", "subject")

    def __init__(
        self, sha: str, author: str, date: str, subject: str, files: tuple[FileChange, ...] = ()
    ) -> None:
        self.sha = sha
        self.author = author
        self.date = date
        self.subject = subject
        self.files = files

    def without_files(self) -> Commit:
        """The same commit without its list of changed files (for a shorter prompt)."""
        return Commit(self.sha, self.author, self.date, self.subject)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for templates and JSON."""
        return {
            "sha": self.sha,
            "author": self.author,
            "date": self.date,
            "subject": self.subject,
            "files": [{"path": f.path, "added": f.added, "deleted": f.deleted} for f in self.files],
        }


class Staged(Record):
    """The index's answer for some paths: stage-0 blob ids, and paths left in conflict."""

    __slots__ = ("blobs", "conflicted")

    def __init__(self, blobs: dict[str, str], conflicted: frozenset[str]) -> None:
        self.blobs = blobs
        self.conflicted = conflicted


class Started:
    """A git command started by :meth:`Git.start`."""

    def __init__(
        self, process: subprocess.Popen[bytes], name: str, input: bytes | None = None
    ) -> None:
        self._process = process
        self._name = name
        self._input = input
        self.stderr = ""  # what it said on stderr, once ``output()`` has returned

    def output(self, *, check: bool = True) -> str:
        """Wait for the command; its stdout, or an error naming it when it failed."""
        stdout, stderr = self._process.communicate(self._input)
        self.stderr = stderr.decode("utf-8", "replace")
        return _answer(self._name, self._process.returncode, stdout, stderr, check=check)


def _answer(name: str, code: int, stdout: bytes, stderr: bytes, *, check: bool) -> str:
    """A finished git command's stdout; an error naming it when it failed (``check``) or was
    killed (always: its output says nothing then)."""
    if code < 0:
        raise EnvironmentFailed(
            f"git {name} was killed (signal {-code}) before it answered; run the command again"
        )
    if check and code != 0:
        lines = stderr.decode("utf-8", "replace").strip().splitlines()
        raise IncidentError(f"git {name} failed: {(lines or ['unknown error'])[-1]}")
    return stdout.decode("utf-8", "surrogateescape")


def _spawned(root: Path, args: tuple[str, ...], input: bytes | None) -> tuple[int, bytes, bytes]:
    """Run `git -C root ARGS`, feeding it ``input``; its exit code, stdout and stderr. All
    three pipes are served at once, so no amount of output blocks either side."""
    import select

    feed = b"" if input is None else input
    child_in, to_child = os.pipe()
    from_child, child_out = os.pipe()
    from_errors, child_errors = os.pipe()
    try:
        pid = os.posix_spawnp(
            "git",
            ["git", "-C", str(root), *args],
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, child_in, 0),
                (os.POSIX_SPAWN_DUP2, child_out, 1),
                (os.POSIX_SPAWN_DUP2, child_errors, 2),
            ],
        )
    except FileNotFoundError:
        for fd in (to_child, from_child, from_errors):
            os.close(fd)
        raise IncidentError("git is not installed or not on PATH") from None
    finally:
        for fd in (child_in, child_out, child_errors):
            os.close(fd)
    chunks: dict[int, list[bytes]] = {from_child: [], from_errors: []}
    poller = select.poll()
    for fd in chunks:
        poller.register(fd, select.POLLIN)
    if feed:
        poller.register(to_child, select.POLLOUT)
    else:
        os.close(to_child)
    open_fds = set(chunks) | ({to_child} if feed else set())
    try:
        while open_fds:
            for fd, _event in poller.poll():
                if fd == to_child:
                    try:
                        feed = feed[os.write(fd, feed[:65536]) :]
                    except BrokenPipeError:
                        feed = b""
                    if not feed:
                        poller.unregister(fd)
                        os.close(fd)
                        open_fds.discard(fd)
                    continue
                chunk = os.read(fd, 1 << 16)
                if chunk:
                    chunks[fd].append(chunk)
                else:
                    poller.unregister(fd)
                    os.close(fd)
                    open_fds.discard(fd)
    finally:
        for fd in open_fds:
            os.close(fd)
        _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return code, b"".join(chunks[from_child]), b"".join(chunks[from_errors])


class Git:
    """A git working tree at ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._reader: ObjectReader | None = None

    def run(self, *args: str, check: bool = True, input: bytes | None = None) -> str:
        """Run a git command in the working tree and return its stdout (newlines as `\\n`).

        Started with ``os.posix_spawnp`` where there is one, as the object reader is: the
        hook runs git this way, and importing `subprocess` would cost it more than the spawn.
        """
        name = next((arg for arg in args if not arg.startswith("-")), "git")
        if hasattr(os, "posix_spawnp"):
            code, stdout, stderr = _spawned(self.root, args, input)
            out = _answer(name, code, stdout, stderr, check=check)
        else:
            out = self.start(*args, input=input).output(check=check)
        return out.replace("\r\n", "\n").replace("\r", "\n") if "\r" in out else out

    def start(self, *args: str, input: bytes | None = None) -> Started:
        """Start a git command in the working tree; collect it with ``output()`` later.

        Several can run at once, and alongside other work; the output is taken as it was
        written (right for ``-z`` lists, where a path may hold a carriage return). ``input``
        is what it reads on stdin (nothing otherwise: git never asks the terminal here).
        """
        import subprocess

        try:
            process = subprocess.Popen(
                ["git", *args],
                cwd=self.root,
                stdin=subprocess.DEVNULL if input is None else subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except FileNotFoundError:
            raise IncidentError("git is not installed or not on PATH") from None
        name = next((arg for arg in args if not arg.startswith("-")), "git")
        return Started(process, name, input)

    def head(self) -> str | None:
        """The commit HEAD points at, or None in a repository with no commits yet."""
        out = self.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False).strip()
        return out or None

    def staged(self, pathspecs: list[str]) -> Staged:
        """What the index holds under ``pathspecs`` (taken literally): each path's stage-0
        blob id, and the paths with an unresolved merge conflict (stages 1 to 3 only).

        One `git ls-files`, whatever the size of the repository: git reads its own index in
        every format it writes (versions 2 to 4, split, sparse, SHA-256).
        """
        blobs: dict[str, str] = {}
        conflicted: set[str] = set()
        if pathspecs:
            out = self.run("--literal-pathspecs", "ls-files", "--stage", "-z", "--", *pathspecs)
            for record in out.split("\0"):
                if not record:
                    continue
                meta, _, path = record.partition("\t")
                _mode, blob, stage = meta.split()
                if stage == "0":
                    blobs[path] = blob
                else:
                    conflicted.add(path)
        return Staged(blobs, frozenset(conflicted - blobs.keys()))

    def has_staged_under(self, directory: str) -> bool:
        """Whether the index has any path under ``directory`` (ending in "/")."""
        return bool(self.tracked_under(directory))

    def tracked_under(self, directory: str) -> list[str]:
        """Paths in the index at or under ``directory`` (taken literally)."""
        out = self.run("--literal-pathspecs", "ls-files", "-z", "--", directory)
        return [path for path in out.split("\0") if path]

    def tracked_files(self, rev: str) -> list[str]:
        """Every file path of commit ``rev``, or of the index when ``rev`` is empty."""
        if rev:
            out = self.run("ls-tree", "-r", "-z", "--name-only", "--end-of-options", rev)
        else:
            out = self.run("ls-files", "-z")
        return [path for path in out.split("\0") if path]

    def line_commits(self, path: str, *, contents: bytes | None = None) -> list[str | None]:
        """The commit that last changed each line of ``path`` as it is in the working tree (or
        as ``contents``), by `git blame`; None for a line not committed yet. Every line is
        uncommitted when git cannot blame the file (no commits, a file HEAD lacks)."""
        args = ["--literal-pathspecs", "blame", "--porcelain"]
        if contents is not None:
            args += ["--contents", "-"]
        started = self.start(*args, "--", path, input=contents)
        out = started.output(check=False)
        commits: list[str | None] = []
        for line in out.split("\n"):
            if len(line) > 41 and line[40] == " " and _HEX.issuperset(line[:40]):
                sha, _, rest = line.partition(" ")
                final = rest.split(" ")[1] if rest.count(" ") >= 1 else ""
                if final.isdigit() and len(sha) == 40:
                    number = int(final)
                    commits.extend([None] * (number - len(commits)))
                    commits[number - 1] = None if sha.strip("0") == "" else sha
        return commits

    def commit_before(self, when: dt.datetime) -> str | None:
        """The commit HEAD's first-parent history was at, at ``when``; None if none was."""
        out = self.run(
            "rev-list", "-1", "--first-parent", f"--before={when.isoformat()}", "HEAD", check=False
        )
        return out.strip() or None

    @property
    def objects(self) -> ObjectReader:
        """A shared `git cat-file --batch` reader, started on first use."""
        if self._reader is None:
            self._reader = ObjectReader(self.root)
        return self._reader

    def close(self) -> None:
        """Stop the object reader, if one was started."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def recent_commits(
        self, *, before: dt.datetime, window: dt.timedelta, limit: int
    ) -> list[Commit]:
        """Commits on HEAD in ``window`` before ``before``, newest first, with their files.

        One `git log` call, however long the history.
        """
        if self.head() is None:
            return []
        out = self.run(
            "log",
            "HEAD",
            f"--max-count={limit}",
            f"--before={before.isoformat()}",
            f"--since={(before - window).isoformat()}",
            "--no-renames",
            "--numstat",
            "--format=%x1e%H%x1f%an%x1f%cI%x1f%s",
        )
        commits = []
        for record in out.split("\x1e")[1:]:
            header, _, body = record.partition("\n")
            sha, author, date, subject = header.split("\x1f", 3)
            files = []
            for line in body.splitlines():
                parts = line.split("\t", 2)
                if len(parts) == 3:
                    added, deleted, path = parts
                    files.append(
                        FileChange(
                            path,
                            int(added) if added.isdigit() else None,
                            int(deleted) if deleted.isdigit() else None,
                        )
                    )
            commits.append(Commit(sha, author, date, subject, tuple(files)))
        return commits

    def commit_diff(self, sha: str, paths: Sequence[str]) -> str:
        """The patch commit ``sha`` made to ``paths``: unified, three lines of context, no
        colour, external diff drivers or text conversion; bytes that are not UTF-8 replaced."""
        if not paths:
            return ""
        out = self.run(
            "show",
            "--format=",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--no-renames",
            "--unified=3",
            sha,
            "--",
            *(f":(literal){path}" for path in paths),
        )
        return out.encode("utf-8", "surrogateescape").decode("utf-8", "replace")

    def user_name(self) -> str:
        """The committer's name from git config (or the environment), else the login name."""
        for variable in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
            if os.environ.get(variable):
                return os.environ[variable]
        repo = self._gitpython()
        try:
            name = repo.config_reader().get_value("user", "name", default="")
        except Exception:  # a broken config file is not worth failing a command over
            name = ""
        return str(name) or os.environ.get("USER") or "unknown"

    def create_branch(self, name: str) -> None:
        """Create branch ``name`` at HEAD (or unborn) and switch to it."""
        import git

        repo = self._gitpython()
        if name in [head.name for head in repo.heads]:
            raise IncidentError(f"branch {name!r} already exists")
        try:
            repo.git.switch("-c", name)
        except git.GitCommandError as exc:
            detail = (str(exc.stderr).strip().splitlines() or [str(exc)])[-1]
            raise IncidentError(f"cannot create branch {name!r}: {detail}") from None

    def _gitpython(self) -> Any:
        import git

        try:
            return git.Repo(self.root)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise IncidentError(NOT_A_REPO) from None

    def hooks_dir(self) -> Path:
        """Where git looks for hooks (honours core.hooksPath and worktrees)."""
        return self.git_path("hooks")

    def files_added(self, directory: str) -> list[FileAdded]:
        """The commit that first added each file under ``directory`` (oldest first)."""
        if self.head() is None:
            return []
        out = self.run(
            "log",
            "--reverse",
            "--diff-filter=A",
            "--no-renames",
            "--name-only",
            "--format=%x1e%H%x1f%an%x1f%aI",
            "--",
            directory,
        )
        added: dict[str, FileAdded] = {}
        for record in out.split("\x1e"):
            lines = [line for line in record.splitlines() if line.strip()]
            if not lines:
                continue
            sha, author, date = lines[0].split("\x1f")
            for path in lines[1:]:
                added.setdefault(path, FileAdded(path, sha, author, date))
        return list(added.values())

    def commit_of(self, ref: str) -> str | None:
        """The commit ``ref`` names (a branch, tag, sha, `origin/main`); None if not here."""
        out = self.run(
            "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False
        )
        return out.strip() or None

    def remote_url(self, name: str = "origin") -> str | None:
        """The fetch URL of remote ``name``; None without one."""
        out = self.run("config", "--get", f"remote.{name}.url", check=False).strip()
        return out or None

    def commit_summary(self, name: str) -> tuple[str, str, str] | None:
        """A commit's full id, committer date (ISO 8601) and subject; None if ``name`` names
        no commit here."""
        out = self.run(
            "log",
            "-1",
            "--no-walk",
            "--format=%H%x00%cI%x00%s",
            "--end-of-options",
            f"{name}^{{commit}}",
            "--",
            check=False,
        )
        parts = out.strip("\n").split("\x00")
        return (parts[0], parts[1], parts[2]) if len(parts) == 3 else None

    def merge_base(self, first: str, second: str) -> str | None:
        """The best common ancestor of two commits; None when their histories do not meet."""
        out = self.run("merge-base", "--end-of-options", first, second, check=False)
        return out.strip() or None

    def is_shallow(self) -> bool:
        """True in a shallow clone (`git clone --depth`), whose history stops early."""
        return self.run("rev-parse", "--is-shallow-repository", check=False).strip() == "true"

    def default_branch(self) -> str | None:
        """The branch pull requests merge into: `origin/HEAD`'s target, else `main`, else `master`.

        Local branches win over remote-tracking ones of the same name; None if none exists.
        """
        remote_head = self.run("symbolic-ref", "--quiet", "refs/remotes/origin/HEAD", check=False)
        target = remote_head.strip().removeprefix("refs/remotes/")
        if target and self.commit_of(target):
            return target
        for candidate in ("main", "master", "origin/main", "origin/master"):
            if self.commit_of(candidate):
                return candidate
        return None

    def paths_changed_since(self, commit: str, pathspec: str) -> list[str]:
        """Paths under ``pathspec`` that differ between ``commit`` and the working tree.

        Staged, unstaged, deleted and untracked (not ignored) files all count; a rename counts
        as both its old and its new path.
        """
        diff = self.run("diff", "--name-only", "--no-renames", "-z", commit, "--", pathspec)
        untracked = self.run("ls-files", "--others", "--exclude-standard", "-z", "--", pathspec)
        return sorted({path for path in (diff + untracked).split("\0") if path})

    def git_path(self, name: str) -> Path:
        """Where ``name`` lives in the repository's git directory (worktrees, GIT_DIR and
        core.hooksPath honoured), as an absolute path."""
        path = Path(self.run("rev-parse", "--git-path", name).strip())
        return path if path.is_absolute() else self.root / path

    def current_branch(self) -> str | None:
        """The branch checked out (`main`), or None on a detached HEAD."""
        return self.run("symbolic-ref", "--short", "-q", "HEAD", check=False).strip() or None

    def messages_matching(self, texts: list[str]) -> str:
        """The messages of HEAD's commits that contain any of ``texts`` (any case), one
        `git log`."""
        return self.run(
            "log",
            "--fixed-strings",
            "--regexp-ignore-case",
            *(f"--grep={text}" for text in texts),
            "--format=%B",
            "HEAD",
            check=False,
        )

    def start_index_listing(self, pathspecs: list[str]) -> Started:
        """`git ls-files -v --stage` of ``pathspecs`` (pathspec magic allowed), started now."""
        return self.start("ls-files", "-v", "--stage", "-z", "--", *pathspecs)

    def start_unstaged_listing(self, pathspecs: list[str]) -> Started:
        """The paths under ``pathspecs`` whose working-tree file differs from the index."""
        return self.start("diff-files", "--name-only", "-z", "--", *pathspecs)

    def start_config_matching(self, regexp: str) -> Started:
        """The git settings whose names match ``regexp`` (``-z`` records), started now."""
        return self.start("config", "-z", "--get-regexp", regexp)


class FileAdded(Record):
    """When a file first entered the history, and who committed it."""

    __slots__ = ("author", "date", "path", "sha")

    def __init__(self, path: str, sha: str, author: str, date: str) -> None:
        self.path = path
        self.sha = sha
        self.author = author
        self.date = date


class GitObject(Record):
    """An object read from the object database."""

    __slots__ = ("data", "kind")

    def __init__(self, *, kind: str, data: bytes) -> None:
        self.kind = kind
        self.data = data


class ObjectReader:
    """One `git cat-file --batch` process answering many object lookups.

    Started with ``os.posix_spawnp`` where there is one: the hook reads every file through
    this process, and importing `subprocess` would cost it more than the spawn itself.
    """

    def __init__(self, root: Path) -> None:
        command = ["git", "-C", str(root), "cat-file", "--batch"]
        try:
            if hasattr(os, "posix_spawnp"):
                self._pid, self._stdin, self._stdout = _spawn_with_pipes(command)
            else:
                self._pid, self._stdin, self._stdout = _popen_with_pipes(command)
        except FileNotFoundError:
            raise IncidentError("git is not installed or not on PATH") from None

    def read(self, name: str) -> GitObject | None:
        """Read ``name`` (``HEAD:path``, ``:path`` for the index, a sha); None if absent."""
        if "\n" in name or "\0" in name:
            return None
        try:
            self._stdin.write(name.encode("utf-8", "surrogateescape") + b"\n")
            self._stdin.flush()
        except BrokenPipeError:  # never the user's pipe: an answer was lost, not a reader
            raise _ended() from None
        header = self._stdout.readline().decode("utf-8", "surrogateescape")
        if not header.endswith("\n"):
            raise _ended()
        parts = header.rstrip("\n").split(" ")
        if len(parts) != 3 or not parts[2].isdigit():
            return None  # "<name> missing" or "<name> ambiguous"
        size = int(parts[2])
        data = self._stdout.read(size)
        if len(data) != size or self._stdout.read(1) != b"\n":
            raise _ended()
        return GitObject(kind=parts[1], data=data)

    def close(self) -> None:
        """End the process."""
        with contextlib.suppress(BrokenPipeError):
            self._stdin.close()
        if isinstance(self._pid, int):
            with contextlib.suppress(ChildProcessError):  # already reaped
                os.waitpid(self._pid, 0)
        else:
            self._pid.wait()
        self._stdout.close()


def _ended() -> IncidentError:
    return EnvironmentFailed(
        "git cat-file ended before it answered (was it killed?); run the command again"
    )


def _spawn_with_pipes(command: list[str]) -> tuple[int, BinaryIO, BinaryIO]:
    """Start ``command`` with its stdin and stdout on pipes and its stderr discarded."""
    child_in, to_child = os.pipe()
    from_child, child_out = os.pipe()
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        pid = os.posix_spawnp(
            command[0],
            command,
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, child_in, 0),
                (os.POSIX_SPAWN_DUP2, child_out, 1),
                (os.POSIX_SPAWN_DUP2, devnull, 2),
            ],
        )
    except BaseException:
        os.close(to_child)
        os.close(from_child)
        raise
    finally:
        for fd in (child_in, child_out, devnull):
            os.close(fd)
    return pid, os.fdopen(to_child, "wb"), os.fdopen(from_child, "rb")


def _popen_with_pipes(command: list[str]) -> tuple[Any, BinaryIO, BinaryIO]:
    import subprocess

    proc = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    return proc, proc.stdin, proc.stdout  # type: ignore[return-value]
