"""The built wheel carries its templates and hook script: install it in a fresh venv and use it."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import GIT_ENV, git

CHECKOUT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(CHECKOUT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("incidentflow-*.whl")
    return built


def test_wheel_contains_templates_and_hook(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for stage in ("triage", "diagnosis", "summary", "postmortem"):
        assert f"incidentflow/templates/stages/{stage}.md.j2" in names
        assert f"incidentflow/templates/prompts/{stage}.md.j2" in names
    assert "incidentflow/hooks/pre-commit" in names
    assert not [n for n in names if n.startswith(("tests/", "incidents/", "examples/"))]


def test_wheel_metadata_links_the_project(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = archive.read(name).decode("utf-8")
    home = "https://github.com/incidentflow/incidentflow"
    assert [line for line in metadata.splitlines() if line.startswith("Project-URL:")] == [
        f"Project-URL: Homepage, {home}",
        f"Project-URL: Documentation, {home}#readme",
        f"Project-URL: Issues, {home}/issues",
        f"Project-URL: Changelog, {home}/blob/main/CHANGELOG.md",
    ]


def test_installed_wheel_runs_new_and_next(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True
    )
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    env = {**os.environ, **GIT_ENV, "PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        # Run from the repo so the checkout's sources cannot be imported by accident.
        return subprocess.run(
            [str(env_dir / "bin" / "incident"), *args],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
        )

    created = run(
        "new",
        "Login errors",
        "--started-at",
        "2026-11-25T10:00:00Z",
        "--detected-at",
        "2026-11-25T10:05:00Z",
    )
    assert created.returncode == 0, created.stderr
    triage = repo / "incidents" / "2026-11-25-login-errors" / "01-triage.md"
    text = triage.read_text()
    assert "You are a debugging partner" in text
    for name in ("Symptoms", "Impact", "Mitigation", "Containment evidence"):
        at = text.rindex(f"## {name}\n")  # the prompt above quotes the headings too
        text = (
            text[:at] + f"## {name}\n\n{name}, written by a person.\n" + text[at + len(name) + 4 :]
        )
    triage.write_text(text.replace("TODO", ""))
    logged = run("log", "flag off", "--milestone", "contained", "--at", "2026-11-25T10:30:00Z")
    assert logged.returncode == 0, logged.stderr
    scaffolded = run("next")
    assert scaffolded.returncode == 0, scaffolded.stderr
    assert scaffolded.stdout == "incidents/2026-11-25-login-errors/02-diagnosis.md\n"
    origin = subprocess.run(
        [str(python), "-c", "import incidentflow; print(incidentflow.__file__)"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(env_dir) in origin.stdout


def test_pipx_install_without_the_ai_extra_is_told_to_inject(wheel: Path, tmp_path: Path) -> None:
    home = tmp_path / "pipx-home"
    env = {
        **os.environ,
        **GIT_ENV,
        "PIPX_HOME": str(home),
        "PIPX_BIN_DIR": str(tmp_path / "bin"),
        "PIPX_MAN_DIR": str(tmp_path / "man"),
    }
    env.pop("PYTHONPATH", None)
    subprocess.run(
        [sys.executable, "-m", "pipx", "install", str(wheel)],
        check=True,
        capture_output=True,
        env=env,
    )
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    incident = str(tmp_path / "bin" / "incident")
    created = subprocess.run(
        [incident, "new", "Login errors"], cwd=repo, env=env, capture_output=True, text=True
    )
    assert created.returncode == 0, created.stderr
    drafted = subprocess.run([incident, "draft"], cwd=repo, env=env, capture_output=True, text=True)
    assert drafted.returncode == 2
    assert drafted.stderr == (
        "error: incident draft needs the `llm` library: pipx inject incidentflow llm "
        "(installed with pip: pip install 'incidentflow[ai]')\n"
    )
