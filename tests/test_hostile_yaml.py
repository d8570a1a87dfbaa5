"""Hostile YAML in any file the tool reads: bounded time and output, one clear problem.

A pull request from anyone who can push a branch runs `incident check` and the hook in CI, so
a stage file's front matter, `incident.yaml` or `.incident.yaml` may be built to hurt.
"""

from __future__ import annotations

import pytest
from conftest import Repo, incident
from test_hardening import META, TRIAGE, open_incident, run_module

LEVELS = 6  # nine-fold per level: 9**6 = 531,441 values from ten short lines


def bomb(key: str, *, levels: int = LEVELS) -> str:
    """A "billion laughs" list bound to ``key``: each level nine aliases of the one before."""
    lines = ['x0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        refs = ",".join([f"*a{level - 1}"] * 9)
        lines.append(f"x{level}: &a{level} [{refs}]")
    lines.append(f"{key}: [{','.join([f'*a{levels - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def _front_matter(repo: Repo, key: str) -> None:
    text = repo.read(TRIAGE)
    head, _, body = text.partition("\n---\n")
    fields = {line.split(":")[0]: line for line in head.splitlines()[1:]}
    del fields[key]
    repo.write(TRIAGE, "---\n" + "\n".join(fields.values()) + "\n" + bomb(key) + "---\n" + body)


def _metadata(repo: Repo, key: str) -> None:
    kept = [line for line in repo.read(META).splitlines() if not line.startswith(f"{key}:")]
    repo.write(META, "\n".join(kept) + "\n" + bomb(key))


PLACES = {
    "front matter stage": (lambda repo: _front_matter(repo, "stage"), TRIAGE),
    "front matter incident": (lambda repo: _front_matter(repo, "incident"), TRIAGE),
    "incident.yaml started_at": (lambda repo: _metadata(repo, "started_at"), META),
    "incident.yaml title": (lambda repo: _metadata(repo, "title"), META),
    "incident.yaml unknown key": (lambda repo: _metadata(repo, "owner"), META),
}


@pytest.mark.parametrize("place", sorted(PLACES))
@pytest.mark.parametrize("how", ["check", "hook"])
def test_an_alias_bomb_is_one_short_problem(repo: Repo, place: str, how: str) -> None:
    open_incident()
    plant, path = PLACES[place]
    plant(repo)
    repo.git("add", "-A")
    args = ["check", "--all"] if how == "check" else ["hook", TRIAGE, META]
    result = run_module(*args, cwd=repo.root, timeout=30)
    assert result.returncode == 1, result.stdout[-500:] + result.stderr[-500:]
    assert len(result.stdout) + len(result.stderr) < 2000
    assert f"{path}:" in result.stdout
    assert "aliases (*name) expand to more than 10000 values" in result.stdout


def test_an_alias_bomb_in_the_configuration_is_one_line(repo: Repo) -> None:
    repo.write(".incident.yaml", bomb("timezone"))
    result = run_module("list", cwd=repo.root, timeout=30)
    assert result.returncode == 2
    assert result.stderr.startswith("error: .incident.yaml:")
    assert result.stderr.count("\n") == 1
    assert "aliases (*name) expand to more than 10000 values" in result.stderr


def test_an_alias_bomb_in_the_pre_commit_config_stops_init(repo: Repo) -> None:
    repo.write(".pre-commit-config.yaml", bomb("repos"))
    result = run_module("init", cwd=repo.root, timeout=30)
    assert result.returncode == 2
    assert result.stderr.startswith("error: .pre-commit-config.yaml:")
    assert not (repo.root / ".incident.yaml").exists()


def test_a_few_aliases_as_people_use_them_are_read(repo: Repo) -> None:
    """Anchors that name a value used a handful of times (as pre-commit configs do) pass."""
    repo.write(
        ".incident.yaml",
        "severities: &levels\n  - SEV1\n  - SEV2\nstages:\n  summary:\n"
        "    required_sections: &needed [What happened, When]\n",
    )
    result = incident("list")
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("severity", '"' + "SEV" * 100_000 + '"'),
        ("started_at", '"' + "2026" * 100_000 + '"'),
        ("id", '"' + "x" * 200_000 + '"'),
    ],
)
def test_a_huge_wrong_value_is_shown_short(repo: Repo, key: str, value: str) -> None:
    open_incident()
    kept = [line for line in repo.read(META).splitlines() if not line.startswith(f"{key}:")]
    repo.write(META, "\n".join(kept) + f"\n{key}: {value}\n")
    result = incident("check", "--all")
    assert result.exit_code == 1
    assert f"{META}:" in result.stdout
    assert len(result.stdout) < 1000, result.stdout[:300]
    assert "…" in result.stdout


def test_many_unknown_keys_cost_one_pass(repo: Repo) -> None:
    """Each problem names its key's line; finding the lines does not rescan the file."""
    open_incident()
    extra = "".join(f"k{number}: v\n" for number in range(60_000))
    repo.write(META, repo.read(META) + extra)
    result = run_module("check", "--all", cwd=repo.root, timeout=30)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 60_000
    assert lines[-1].startswith(f"{META}:{60_000 + 12}: unknown key 'k59999'")


def test_broken_metadata_is_the_one_problem_not_also_unset_milestones(repo: Repo) -> None:
    """contained_at is set; the YAML breaks later in the file. Saying "contained_at is not
    set" too would send the responder looking in the wrong place."""
    open_incident()
    from test_hardening import advance, triage_done

    triage_done(repo)
    advance()
    repo.write(META, repo.read(META) + "services: [checkout\n")
    result = incident("check", "--all")
    assert result.exit_code == 1
    assert f"{META}:" in result.stdout and "invalid YAML" in result.stdout
    assert "is not set" not in result.stdout
