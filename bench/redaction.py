"""Benchmark the redaction of prompts: its load, a typical prompt, and megabytes of secrets.

    python bench/redaction.py [--runs 5]

Prints, with its target, the fastest of --runs runs (CPU time of this process) of:

  1. loading the rule set and compiling what a typical prompt needs (once per process);
  2. redacting a typical 30 KB prompt (the worked example's four prompts, cut to 30 KB);
  3. redacting 2 MB of credential-like lines (a secret on every line);
  4. the same at 0.5 MB, and the ratio of the two (linear: about 4).

Everything is measured in one run, so the ratio does not depend on the machine's hour.
"""

from __future__ import annotations

import argparse
import hashlib
import string
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
FORMS = (
    "password={v}",
    "DB_PASS={v}",
    'export API_TOKEN="{v}"',
    '"secret": "{v}",',
    "Authorization: Bearer {v}",
    "postgres://app:{v}@db/x",
    "aws_secret_access_key = {v}",
    "--password {v}",
    "api_key: {v}",
)


def credential_lines(size: int) -> str:
    """About ``size`` characters of lines that each carry a 24-character secret."""
    alphabet = string.ascii_letters + string.digits
    lines, total, n = [], 0, 0
    while total < size:
        digest = hashlib.sha256(str(n).encode()).digest()
        value = "".join(alphabet[b % len(alphabet)] for b in digest[:24])
        lines.append(FORMS[n % len(FORMS)].format(v=value))
        total += len(lines[-1]) + 1
        n += 1
    return "\n".join(lines)


def typical_prompt() -> str:
    """The worked example's four prompts, joined and cut to 30 KB."""
    prompts = [
        subprocess.run(
            [sys.executable, "-m", "incidentflow", "prompt", "--stage", stage],
            cwd=HERE.parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for stage in ("triage", "diagnosis", "summary", "postmortem")
    ]
    return "".join(prompts)[:30_000]


def fastest(work: Callable[[], object], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    prompt = typical_prompt()
    small, large = credential_lines(500_000), credential_lines(2_000_000)

    start = time.process_time()
    from incidentflow.ai.redaction import redact

    redact(prompt)
    load = time.process_time() - start
    typical = fastest(lambda: redact(prompt), args.runs)
    half = fastest(lambda: redact(small), args.runs)
    full = fastest(lambda: redact(large), args.runs)

    print(f"fastest of {args.runs} runs, CPU time")
    for label, value, target in (
        ("import, load and first prompt", load, 0.060),
        (f"typical prompt ({len(prompt) // 1000} KB)", typical, 0.005),
        ("0.5 MB of credential lines", half, None),
        ("2 MB of credential lines", full, 1.0),
    ):
        mark = (
            f"(target ≤ {target * 1000:.0f} ms {'✓' if value <= target else '✗'})" if target else ""
        )
        print(f"  {label:<32}{value * 1000:9.1f} ms   {mark}")
    ratio = full / half
    print(
        f"  2 MB / 0.5 MB                 {ratio:9.2f}      (linear: about 4; target ≤ 6 {'✓' if ratio <= 6 else '✗'})"
    )


if __name__ == "__main__":
    main()
