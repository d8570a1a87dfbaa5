"""Benchmark incidentflow on repositories shaped like the ones its users have.

    python bench/run.py [--incidents 10000] [--commits 10000] [--runs 5] [--workdir bench/out]

Builds (once, cached in --workdir) two repositories as `incident init` and a year of use
leave them, one of N incidents and one of 10: a `.incident.yaml` of `init`'s commented
defaults with a few keys set, a Keep a Changelog `CHANGELOG.md` with hundreds of released
entries (and one per finished postmortem), an `incidents/README.md` index written by
`incident index`, realistic committed stage files (2-6 KB each), a few incidents seeded as
broken, and a history of --commits commits to the code (made with `git fast-import`). Then
it measures whole processes, run from compiled bytecode as an installed package is, reporting
medians:

  1. `python -c pass` (the floor), the hook on a commit touching one incident at N = 10 and
     at N, and `git commit --no-verify` of that same change at N (at least 41 runs each,
     interleaved, since their ratios are the targets);
  2. `incident new` on the repository with its long history, against the floor;
  3. `incident list` and `incident check --all` at N, cold (no result cache, as in CI) and
     warm;
  4. peak memory (max RSS) of `check --all`.

It prints each target with the ratio measured in the same run, and verifies its own results:
`check --all` must report exactly the incidents seeded as broken.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}
# Every process runs as an installed one does: from compiled bytecode (pip and pipx compile it
# at install time). With PYTHONDONTWRITEBYTECODE set, as some CI images and containers do, an
# editable install would compile every module on every run and double the hook's time.
ENV = {
    **{key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"},
    **GIT_ENV,
}
WORDS = [
    "checkout",
    "payments",
    "pool",
    "connection",
    "retry",
    "timeout",
    "latency",
    "queue",
    "worker",
    "cache",
    "database",
    "replica",
    "failover",
    "flag",
    "rollback",
    "deploy",
    "error",
    "budget",
    "upstream",
    "provider",
    "request",
    "p99",
    "saturation",
    "shard",
    "region",
    "index",
    "lock",
    "migration",
    "config",
    "alert",
    "dashboard",
    "customer",
    "order",
    "cart",
    "session",
]
SERVICE_LINES = 240
BROKEN_EVERY = 1000  # one incident in this many gets a reference past the end of the file

# The floor and the hooks take tens of milliseconds: enough runs that their medians, and the
# ratios between them, hold still on a machine whose speed drifts.
QUICK_RUNS = 41


def words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count)).capitalize() + "."


def paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(words(rng, rng.randint(8, 16)) for _ in range(sentences))


def front(stage: str, incident_id: str, title: str, heading: str) -> str:
    return (
        f"---\nstage: {stage}\nincident: {incident_id}\n---\n\n# {heading} — {title}\n\n"
        f"> **Goal:** the goal of this stage.\n\n<details>\n<summary>AI prompt</summary>\n\n"
        f"```text\nYou are helping with {title}.\n## Symptoms\n(quoted earlier stage)\n```\n\n</details>\n"
    )


def section(name: str, body: str) -> str:
    return f"\n## {name}\n\n<!-- guidance for {name} -->\n{body}\n"


def stage_files(rng: random.Random, incident_id: str, title: str, broken: bool) -> dict[str, str]:
    line = SERVICE_LINES + 5 if broken else rng.randint(1, SERVICE_LINES)
    triage = front("triage", incident_id, title, "Triage and stabilize")
    for name in ("Symptoms", "Impact", "Mitigation", "Containment evidence", "Recent changes"):
        triage += section(name, paragraph(rng, rng.randint(3, 6)))
    diagnosis = front("diagnosis", incident_id, title, "Understand the failing path")
    diagnosis += section(
        "Failing path",
        f"The request enters at `app/service.py:{line}` and waits in `app/service.py:10-20`. "
        + paragraph(rng, 4),
    )
    for name in ("Trigger", "Root cause", "Evidence", "Contributing factors"):
        diagnosis += section(name, paragraph(rng, rng.randint(3, 6)))
    summary = front("summary", incident_id, title, "Write the incident summary")
    summary += section("What happened", paragraph(rng, 4))
    for name in ("When", "Who was affected", "How it was contained"):
        summary += section(name, paragraph(rng, 2))
    postmortem = front("postmortem", incident_id, title, "Produce the postmortem")
    for name in (
        "Summary",
        "Impact",
        "Timeline",
        "Root cause",
        "Trigger",
        "Resolution",
        "Detection",
    ):
        postmortem += section(name, paragraph(rng, rng.randint(2, 5)))
    postmortem += section(
        "Action items",
        "| Action | Owner | Due | Type | Status |\n|---|---|---|---|---|\n"
        + "".join(
            f"| {words(rng, 6)} | ana | 2026-12-{d:02d} | prevent | |\n" for d in range(1, 5)
        ),
    )
    postmortem += section("Lessons learned", paragraph(rng, 3))
    postmortem += section("Changelog entry", words(rng, 20))
    return {
        "01-triage.md": triage,
        "02-diagnosis.md": diagnosis,
        "03-summary.md": summary,
        "04-postmortem.md": postmortem,
    }


def metadata(incident_id: str, title: str, start: dt.datetime) -> str:
    def iso(minutes: int) -> str:
        return '"' + (start + dt.timedelta(minutes=minutes)).isoformat() + '"'

    return (
        f'id: {incident_id}\ntitle: "{title}"\nseverity: SEV{1 + len(title) % 4}\ncommander: "ana"\n'
        f"services:\n  - checkout\nstarted_at: {iso(0)}\ndetected_at: {iso(7)}\n"
        f"contained_at: {iso(40)}\nresolved_at: {iso(300)}\n"
    )


def git(root: Path, *args: str, stdin: bytes | None = None) -> None:
    subprocess.run(
        ["git", *args],
        cwd=root,
        check=True,
        env=ENV,
        capture_output=True,
        input=stdin,
    )


# `incident init`'s configuration, with the keys a team sets in it uncommented.
CONFIG_SET = (
    "timezone: Europe/Berlin          # where the team is\n"
    "recent_changes: {window: 24h, max: 20}\n"
    "ai: {model: gpt-4o-mini}\n"
)
MODULES = 40


def history(root: Path, commits: int, *, now: dt.datetime) -> None:
    """``commits`` commits to the code over the last year (the last few in the hours before
    now, so `incident new` has rollback suspects to list), streamed to `git fast-import`."""
    stream = bytearray()
    span = dt.timedelta(days=365)
    for n in range(commits):
        when = now - span + span * (n / max(commits - 1, 1)) - dt.timedelta(hours=2)
        module = n % MODULES
        body = "".join(f"value_{k} = {k + n}\n" for k in range(SERVICE_LINES // 4))
        message = f"Tune module {module} ({n})\n"
        stamp = f"{int(when.timestamp())} +0000"
        stream += (
            f"commit refs/heads/main\nmark :{n + 1}\n"
            f"author Bench <bench@example.com> {stamp}\ncommitter Bench <bench@example.com> {stamp}\n"
            f"data {len(message.encode())}\n{message}"
        ).encode()
        if n:
            stream += f"from :{n}\n".encode()
        content = body.encode()
        stream += f"M 100644 inline app/module_{module}.py\ndata {len(content)}\n".encode()
        stream += content + b"\n"
    git(root, "fast-import", "--quiet", stdin=bytes(stream))
    git(root, "reset", "-q", "--hard", "main")


def changelog(incident_ids: list[str]) -> str:
    """A Keep a Changelog file: releases of other entries, with an entry per incident."""
    parts = [
        "# Changelog\n\nAll notable changes to this project will be documented in this file.\n\n"
        "The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/).\n\n"
        "## [Unreleased]\n"
    ]
    releases = 40
    per_release = max(1, len(incident_ids) // releases + 1)
    for release in range(releases, 0, -1):
        parts.append(f"\n## [1.{release}.0] - 2026-{1 + release % 12:02d}-01\n\n### Added\n\n")
        parts += [f"- Feature {release}.{k} for the checkout.\n" for k in range(8)]
        parts.append("\n### Fixed\n\n")
        chunk = incident_ids[
            (releases - release) * per_release : (releases - release + 1) * per_release
        ]
        parts += [f"- Checkout recovered ({i}). <!-- incident:{i} -->\n" for i in chunk]
    parts += [
        f"\n[1.{r}.0]: https://example.com/compare/v1.{r - 1}.0...v1.{r}.0"
        for r in range(releases, 0, -1)
    ]
    return "".join(parts) + "\n"


def build_repo(root: Path, count: int, *, commits: int, incident: list[str]) -> list[str]:
    """Create the repository once; return the ids seeded as broken."""
    marker = root / ".bench-complete"
    broken_file = root / ".bench-broken"
    if marker.exists():
        return broken_file.read_text().split()
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    history(root, commits, now=now)
    (root / "app" / "service.py").write_text(
        "".join(f"value_{n} = {n}\n" for n in range(SERVICE_LINES))
    )
    subprocess.run([*incident, "init"], cwd=root, check=True, capture_output=True)
    config = root / ".incident.yaml"
    config.write_text(config.read_text() + CONFIG_SET)
    rng = random.Random(count)
    base = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    broken = []
    ids = []
    for n in range(count):
        start = base + dt.timedelta(hours=5 * n)
        title = f"{words(rng, 3)[:-1]} {n}"
        incident_id = f"{start.date().isoformat()}-{title.lower().replace(' ', '-')}"
        ids.append(incident_id)
        is_broken = count >= BROKEN_EVERY and n % BROKEN_EVERY == BROKEN_EVERY // 2
        if is_broken:
            broken.append(incident_id)
        directory = root / "incidents" / incident_id
        directory.mkdir(parents=True)
        (directory / "incident.yaml").write_text(metadata(incident_id, title, start))
        (directory / "timeline.md").write_text(f"- {start.isoformat()} — opened (ana)\n")
        for name, text in stage_files(rng, incident_id, title, is_broken).items():
            (directory / name).write_text(text)
    (root / "CHANGELOG.md").write_text(changelog(ids))
    subprocess.run([*incident, "index"], cwd=root, check=True, capture_output=True)
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-verify", "-m", "a year of incidents")
    (root / ".git" / "incidentflow-cache.json").unlink(missing_ok=True)
    broken_file.write_text("\n".join(broken))
    marker.write_text("")
    return broken


def touch_one_incident(root: Path) -> str:
    """Stage a small edit to one incident's triage file; return the path for the hook."""
    directories = sorted(p for p in (root / "incidents").iterdir() if p.is_dir())
    path = directories[len(directories) // 3] / "01-triage.md"
    text = path.read_text()
    path.write_text(
        text.rstrip("\n") + "\n\nAnother observation.\n" if "Another" not in text else text
    )
    git(root, "add", str(path.relative_to(root)))
    return str(path.relative_to(root))


def timed(
    command: list[str], *, cwd: Path, runs: int, expect: int | None = 0, cold: bool = False
) -> tuple[float, int]:
    """Median wall time in seconds and the max RSS in KiB over ``runs`` whole-process runs.

    ``cold`` removes the result cache before each run (as on a fresh clone in CI).
    """
    times, peak = [], 0
    for _ in range(runs):
        if cold:
            (cwd / ".git" / "incidentflow-cache.json").unlink(missing_ok=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=ENV)
        times.append(time.perf_counter() - start)
        if expect is not None and proc.returncode != expect:
            sys.exit(f"{' '.join(command)} exited {proc.returncode}: {proc.stderr or proc.stdout}")
        peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return statistics.median(times), peak


def timed_interleaved(
    commands: dict[str, tuple[list[str], Path]],
    *,
    runs: int,
    after: dict[str, tuple[list[str], Path]] | None = None,
) -> dict[str, float]:
    """Median wall time in seconds of each command, its runs interleaved with the others'.

    Ratios between these are what the targets are about; interleaving makes a change in
    the machine's load during the measurement affect every command alike. ``after`` gives,
    by name, a command run (untimed) after each timed one, to undo what it did.
    """
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (command, cwd) in commands.items():
            start = time.perf_counter()
            proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=ENV)
            times[name].append(time.perf_counter() - start)
            if proc.returncode != 0:
                sys.exit(
                    f"{' '.join(command)} exited {proc.returncode}: {proc.stderr or proc.stdout}"
                )
            if after and name in after:
                undo, where = after[name]
                subprocess.run(undo, cwd=where, check=True, capture_output=True, env=ENV)
    return {name: statistics.median(values) for name, values in times.items()}


def peak_rss(command: list[str], *, cwd: Path) -> int:
    """Max RSS in KiB of one run, measured in a fresh child so earlier runs do not count."""
    probe = (
        "import resource, subprocess, sys;"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *command], cwd=cwd, capture_output=True, text=True
    )
    return int(out.stdout.strip())


TARGETS = (
    # (label, value's name, limit)
    ("hook at 10 incidents ÷ python -c pass", "hook_ratio", 3.5),
    ("hook at N ÷ hook at 10", "growth", 1.3),
    ("hook at N ÷ git commit --no-verify at N", "against_commit", 0.5),
    ("incident new (long history) ÷ python -c pass", "new_ratio", 15.0),
    ("incident list, cold (s)", "list_cold", 1.0),
    ("incident check --all, cold (s)", "check_cold", 2.0),
    ("peak memory of check --all (MB)", "memory_mb", 150.0),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--commits", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=HERE / "out")
    args = parser.parse_args()
    incident = [sys.executable, "-m", "incidentflow"]
    script = shutil.which("incident")
    if script:
        incident = [script]

    import incidentflow

    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(Path(incidentflow.__file__).parent)],
        check=True,
        env=ENV,
    )
    print(
        f"building repositories ({args.incidents} and 10 incidents, {args.commits} commits "
        f"each) in {args.workdir} …",
        flush=True,
    )
    big = args.workdir / f"repo-{args.incidents}-{args.commits}"
    small = args.workdir / f"repo-10-{args.commits}"
    broken = build_repo(big, args.incidents, commits=args.commits, incident=incident)
    build_repo(small, 10, commits=args.commits, incident=incident)
    big_file = touch_one_incident(big)
    small_file = touch_one_incident(small)

    reset = (["git", "reset", "-q", "--soft", "HEAD~1"], big)
    quick = timed_interleaved(
        {
            "floor": ([sys.executable, "-c", "pass"], big),
            "hook_small": ([*incident, "hook", small_file], small),
            "hook_big": ([*incident, "hook", big_file], big),
            "commit_big": (["git", "commit", "-q", "--no-verify", "-m", "bench"], big),
        },
        runs=max(args.runs, QUICK_RUNS),
        after={"commit_big": reset},
    )
    opened = big / "incidents" / f"{dt.datetime.now(dt.timezone.utc).date()}-bench-new"
    created = timed_interleaved(
        {
            "floor": ([sys.executable, "-c", "pass"], big),
            "new": ([*incident, "new", "Bench new", "--started-at", "-1h"], big),
        },
        runs=max(args.runs, 11),
        after={"new": (["rm", "-rf", str(opened)], big)},
    )
    expect = 1 if broken else 0
    list_cold, _ = timed([*incident, "list"], cwd=big, runs=args.runs, cold=True)
    listing, _ = timed([*incident, "list"], cwd=big, runs=args.runs)
    check_cold, _ = timed(
        [*incident, "check", "--all"], cwd=big, runs=args.runs, expect=expect, cold=True
    )
    check_all, _ = timed([*incident, "check", "--all"], cwd=big, runs=args.runs, expect=expect)
    (big / ".git" / "incidentflow-cache.json").unlink(missing_ok=True)
    memory = peak_rss([*incident, "check", "--all"], cwd=big)

    found = subprocess.run(
        [*incident, "check", "--all", "--json"], cwd=big, capture_output=True, text=True
    )
    import json

    reported = sorted({Path(p["path"]).parts[1] for p in json.loads(found.stdout)})
    verified = reported == sorted(broken)

    n = args.incidents
    floor = quick["floor"]
    print(
        f"\nmedians, whole processes (floor, hooks and commit: {max(args.runs, QUICK_RUNS)} runs "
        f"interleaved; new: {max(args.runs, 11)}; the rest: {args.runs})"
    )
    print(f"  python -c pass                 {floor * 1000:8.1f} ms")
    print(f"  hook, 1 incident, N=10         {quick['hook_small'] * 1000:8.1f} ms")
    print(f"  hook, 1 incident, N={n:<10} {quick['hook_big'] * 1000:8.1f} ms")
    print(f"  git commit --no-verify, N={n:<4}{quick['commit_big'] * 1000:8.1f} ms")
    print(f"  incident new, {args.commits} commits  {created['new'] * 1000:8.1f} ms")
    for label, value in (
        ("incident list, cold", list_cold),
        ("incident list, warm", listing),
        ("check --all, cold", check_cold),
        ("check --all, warm", check_all),
    ):
        print(
            f"  {label + f', N={n}':<31}{value * 1000:8.1f} ms   ({value / n * 1e6:.0f} µs per incident)"
        )
    print("  (cold: no result cache, as on a fresh clone; warm: cache from the previous run)")
    measured = {
        "hook_ratio": quick["hook_small"] / floor,
        "growth": quick["hook_big"] / quick["hook_small"],
        "against_commit": quick["hook_big"] / quick["commit_big"],
        "new_ratio": created["new"] / created["floor"],
        "list_cold": list_cold,
        "check_cold": check_cold,
        "memory_mb": memory / 1024,
    }
    print(f"\ntargets (this machine has {os.cpu_count()} cores)")
    for label, name, limit in TARGETS:
        value = measured[name]
        print(f"  {label:<46} {value:7.2f}   ≤ {limit:<5g} {'✓' if value <= limit else '✗'}")
    print(
        f"\nself-check: check --all reported {len(reported)} broken incidents, seeded {len(broken)}: "
        + ("OK" if verified else f"MISMATCH {reported} != {broken}")
    )
    if not verified:
        sys.exit(1)


if __name__ == "__main__":
    main()
