"""Benchmark incidentflow on a generated repository of many incidents.

    python bench/run.py [--incidents 10000] [--runs 5] [--workdir bench/out]

Builds (once, cached in --workdir) git repositories of N and 10 incidents whose four stage
files are realistic (2-6 KB each, all committed), seeds a few broken incidents, and measures
whole processes, reporting the median of --runs runs:

  1. `python -c pass` (the floor);
  2. the hook on a commit touching one incident, at N = 10 and at N (these three at least 41
     runs each, interleaved, since their ratios are the targets);
  3. `incident list` and `incident check --all` at N;
  4. peak memory (max RSS) of `check --all`.

It prints ratios measured in the same run and verifies its own results: `check --all` must
report exactly the incidents seeded as broken.
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


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args], cwd=root, check=True, env={**os.environ, **GIT_ENV}, capture_output=True
    )


def build_repo(root: Path, count: int) -> list[str]:
    """Create the repository once; return the ids seeded as broken."""
    marker = root / ".bench-complete"
    broken_file = root / ".bench-broken"
    if marker.exists():
        return broken_file.read_text().split()
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "app").mkdir()
    (root / "app" / "service.py").write_text(
        "".join(f"value_{n} = {n}\n" for n in range(SERVICE_LINES))
    )
    (root / "CHANGELOG.md").write_text("# Changelog\n")
    rng = random.Random(count)
    base = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    broken = []
    for n in range(count):
        start = base + dt.timedelta(hours=5 * n)
        title = f"{words(rng, 3)[:-1]} {n}"
        incident_id = f"{start.date().isoformat()}-{title.lower().replace(' ', '-')}"
        is_broken = count >= BROKEN_EVERY and n % BROKEN_EVERY == BROKEN_EVERY // 2
        if is_broken:
            broken.append(incident_id)
        directory = root / "incidents" / incident_id
        directory.mkdir(parents=True)
        (directory / "incident.yaml").write_text(metadata(incident_id, title, start))
        (directory / "timeline.md").write_text(f"- {start.isoformat()} — opened (ana)\n")
        for name, text in stage_files(rng, incident_id, title, is_broken).items():
            (directory / name).write_text(text)
        # Changelog entries exist, so the hook has nothing to insert.
        with open(root / "CHANGELOG.md", "a") as handle:
            handle.write(f"- x <!-- incident:{incident_id} -->\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "generated incidents")
    broken_file.write_text("\n".join(broken))
    marker.write_text("")
    return broken


def touch_one_incident(root: Path) -> str:
    """Stage a small edit to one incident's triage file; return the path for the hook."""
    first = sorted((root / "incidents").iterdir())[len(list((root / "incidents").iterdir())) // 3]
    path = first / "01-triage.md"
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
        proc = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV}
        )
        times.append(time.perf_counter() - start)
        if expect is not None and proc.returncode != expect:
            sys.exit(f"{' '.join(command)} exited {proc.returncode}: {proc.stderr or proc.stdout}")
        peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return statistics.median(times), peak


def timed_interleaved(
    commands: dict[str, tuple[list[str], Path]], *, runs: int
) -> dict[str, float]:
    """Median wall time in seconds of each command, its runs interleaved with the others'.

    Ratios between these are what the targets are about; interleaving makes a change in
    the machine's load during the measurement affect every command alike.
    """
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (command, cwd) in commands.items():
            start = time.perf_counter()
            proc = subprocess.run(
                command, cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV}
            )
            times[name].append(time.perf_counter() - start)
            if proc.returncode != 0:
                sys.exit(
                    f"{' '.join(command)} exited {proc.returncode}: {proc.stderr or proc.stdout}"
                )
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=HERE / "out")
    args = parser.parse_args()
    incident = [sys.executable, "-m", "incidentflow"]
    script = shutil.which("incident")
    if script:
        incident = [script]

    print(
        f"building repositories ({args.incidents} and 10 incidents) in {args.workdir} …", flush=True
    )
    big = args.workdir / f"repo-{args.incidents}"
    small = args.workdir / "repo-10"
    broken = build_repo(big, args.incidents)
    build_repo(small, 10)
    big_file = touch_one_incident(big)
    small_file = touch_one_incident(small)

    quick = timed_interleaved(
        {
            "floor": ([sys.executable, "-c", "pass"], big),
            "hook_small": ([*incident, "hook", small_file], small),
            "hook_big": ([*incident, "hook", big_file], big),
        },
        runs=max(args.runs, QUICK_RUNS),
    )
    floor, hook_small, hook_big = quick["floor"], quick["hook_small"], quick["hook_big"]
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
    print(
        f"\nmedian of {args.runs} runs, whole processes (floor and hooks: "
        f"{max(args.runs, QUICK_RUNS)} runs, interleaved)"
    )
    print(f"  python -c pass            {floor * 1000:8.1f} ms")
    print(f"  hook, 1 incident, N=10    {hook_small * 1000:8.1f} ms")
    print(f"  hook, 1 incident, N={n:<6}{hook_big * 1000:8.1f} ms")
    for label, value in (
        ("incident list, cold", list_cold),
        ("incident list, warm", listing),
        ("check --all, cold", check_cold),
        ("check --all, warm", check_all),
    ):
        print(
            f"  {label + f', N={n}':<26}{value * 1000:8.1f} ms   ({value / n * 1e6:.0f} µs per incident)"
        )
    print(f"  check --all peak memory   {memory / 1024:8.1f} MB (cold)")
    print("  (cold: no result cache, as on a fresh clone; warm: cache from the previous run)")
    print("\nratios (same run)")
    print(f"  hook / floor              {hook_big / floor:8.2f}   (target ≤ 5)")
    print(f"  hook N={n} / hook N=10 {hook_big / hook_small:8.2f}   (target ≤ 1.2)")
    if n == 10000:
        print(f"\ntargets at N=10000 on a 2-core machine (this one has {os.cpu_count()} cores)")
        for label, cold, warm, limit in (
            ("incident list", list_cold, listing, 1.0),
            ("check --all", check_cold, check_all, 3.0),
        ):
            marks = [f"{kind} {value:5.2f} s {'✓' if value <= limit else '✗'}"
                     for kind, value in (("cold", cold), ("warm", warm))]  # fmt: skip
            print(f"  {label:<14} ≤ {limit:.0f} s:  " + "   ".join(marks))
        print(
            f"  peak memory    ≤ 150 MB: {memory / 1024:6.1f} MB {'✓' if memory <= 150 * 1024 else '✗'}"
        )
    print(
        f"\nself-check: check --all reported {len(reported)} broken incidents, seeded {len(broken)}: "
        + ("OK" if verified else f"MISMATCH {reported} != {broken}")
    )
    if not verified:
        sys.exit(1)


if __name__ == "__main__":
    main()
