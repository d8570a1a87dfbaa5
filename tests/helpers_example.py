"""The project's own worked example incident, copied into a test repository, and golden files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from conftest import Repo

PROJECT = Path(__file__).resolve().parents[1]
EXAMPLE_ID = "2026-11-12-checkout-api-returning-500s"
GOLDEN = Path(__file__).resolve().parent / "golden"
# A fixed "today" for outputs that mark overdue action items.
TODAY = "2026-11-30"


def copy_example(repo: Repo) -> str:
    """Copy the worked example (incident and the demo service it cites) and commit it."""
    shutil.copytree(PROJECT / "incidents" / EXAMPLE_ID, repo.root / "incidents" / EXAMPLE_ID)
    shutil.copytree(PROJECT / "examples" / "shopfront", repo.root / "examples" / "shopfront")
    repo.commit_all("worked example", date="2026-11-13T12:00:00+00:00")
    return EXAMPLE_ID


def assert_golden(name: str, actual: str) -> None:
    """Compare with tests/golden/NAME exactly; UPDATE_GOLDEN=1 rewrites the file instead."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8", newline="")
    expected = path.read_text(encoding="utf-8") if path.exists() else None
    assert expected is not None, f"no golden file {name}; run the tests with UPDATE_GOLDEN=1"
    assert actual == expected, f"{name} differs from the golden file (UPDATE_GOLDEN=1 rewrites it)"
