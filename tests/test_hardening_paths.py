"""No escapes: nothing a title, id, option, template or config says, and no symlink in the
repository, makes the tool read or write a file outside the repository.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from conftest import Repo, incident
from test_hardening import (
    ID,
    META,
    TIMELINE,
    TRIAGE,
    assert_one_line,
    finish,
    open_incident,
    snapshot,
    triage_done,
)

import incidentflow
from incidentflow.model.ids import ID_PATTERN


@pytest.fixture
def opened(repo: Repo) -> Repo:
    """A repository (no commits yet) with one incident opened at fixed times."""
    open_incident()
    return repo


SECRET = "Do not read: payroll ledger 7f3a9c"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory next to the repository, with a file the tool must never read or write."""
    path = tmp_path / "outside"
    path.mkdir()
    (path / "secret.md").write_text(SECRET + "\n")
    return path


def assert_nothing_leaked(repo: Repo, outside: Path, before: dict[str, bytes | str]) -> None:
    """The outside directory is as it was and no byte of the secret reached the repository."""
    assert snapshot(outside) == before
    for relpath, content in snapshot(repo.root).items():
        if isinstance(content, bytes):
            assert SECRET.encode() not in content, f"{relpath} holds the secret"


def refused(result: Result, *, code: int = 2) -> None:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert_one_line(result.stderr)
    assert SECRET not in result.stdout + result.stderr


# --- titles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("../../etc/passwd", "etc-passwd"),
        ("/etc/passwd", "etc-passwd"),
        ("..", "incident"),
        ("a/b\\c:d*e?f", "a-b-c-d-e-f"),
        ("🔥" * 100, "incident"),
        ("🔥 Checkout 🔥 down 💥", "checkout-down"),
        ("שגיאה בתשלום", "incident"),
        ("\u202eLTR override\u202c and \u200f marks", "ltr-override-and-marks"),
        ("فشل الدفع في checkout", "checkout"),
        ("Zürich Café Ñandú ﬁx", "zurich-cafe-nandu-fix"),
        ("\u200b\u200b\u200b", "incident"),
        ("x" * 300, "x" * 50),
        ("payments " * 40, "payments-payments-payments-payments-payments"),
        ("{{ 7 * 7 }} {% raw %}", "7-7-raw"),
    ],
    ids=[
        "dotdot",
        "absolute",
        "only dots",
        "separators",
        "all emoji",
        "emoji around words",
        "hebrew",
        "bidi controls",
        "arabic and ascii",
        "accents and ligatures",
        "zero width",
        "300 characters",
        "300 with words",
        "template syntax",
    ],
)
def test_any_title_gives_a_valid_id_inside_the_incidents_directory(
    repo: Repo, title: str, slug: str
) -> None:
    result = incident(
        "new",
        title,
        "--started-at",
        "2026-11-25T10:00:00Z",
        "--detected-at",
        "2026-11-25T10:00:00Z",
    )
    assert result.exit_code == 0, result.stderr
    incident_id = f"2026-11-25-{slug}"
    assert result.stdout == f"incidents/{incident_id}\n"
    assert ID_PATTERN.match(incident_id) and len(slug) <= 50
    assert [p.name for p in (repo.root / "incidents").iterdir()] == [incident_id]
    assert sorted(snapshot(repo.root)) == [
        f"incidents/{incident_id}/01-triage.md",
        f"incidents/{incident_id}/incident.yaml",
        f"incidents/{incident_id}/timeline.md",
    ]
    shown = json.loads(incident("show", incident_id, "--json").stdout)
    assert shown["title"] == " ".join(title.split())
    assert incident("check", incident_id).exit_code == 0


@pytest.mark.parametrize(
    "title", ["a\x00b", "bell\x07", "\x1b[31mred", "back\x08space", "del\x7f", "\udcff"]
)
def test_titles_with_control_characters_are_refused(repo: Repo, title: str) -> None:
    result = incident("new", title)
    assert (result.exit_code, result.stderr) == (
        2,
        "error: the title contains control characters or undecodable bytes; retype it\n",
    )
    assert snapshot(repo.root) == {}


# --- ids ------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["../..", "/etc/passwd", "..", f"{ID}/../..", f"../{ID}", "\x00"])
@pytest.mark.parametrize("command", ["show", "check", "next", "prompt", "log", "timeline"])
def test_an_id_is_never_a_path(opened: Repo, outside: Path, command: str, query: str) -> None:
    before, before_outside = snapshot(opened.root), snapshot(outside)
    args = [query, "text"] if command == "log" else [query]
    result = incident(command, *args)
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: no incident matches {query!r}; run `incident list` to see the ids\n",
    )
    assert snapshot(opened.root) == before
    assert snapshot(outside) == before_outside


# --- symlinks that point out of the repository ----------------------------------------------


@pytest.fixture
def linked_incident(opened: Repo, outside: Path) -> str:
    """`incidents/2026-11-26-evil` is a symlink to a directory outside the repository."""
    evil = outside / "2026-11-26-evil"
    evil.mkdir()
    (evil / "incident.yaml").write_text(
        'id: 2026-11-26-evil\ntitle: "Evil"\nseverity: "SEV3"\n'
        'started_at: "2026-11-26T10:00:00+00:00"\n'
    )
    (evil / "01-triage.md").write_text(SECRET + "\n")
    (opened.root / "incidents" / "2026-11-26-evil").symlink_to(evil)
    return "2026-11-26-evil"


@pytest.mark.parametrize(
    "args",
    [
        ["log", "2026-11-26-evil", "entry", "--at", "2026-11-26T10:10:00Z"],
        ["log", "2026-11-26-evil", "x", "--milestone", "contained", "--at", "2026-11-26T10:10Z"],
        ["next", "2026-11-26-evil"],
        ["check", "2026-11-26-evil"],
        ["show", "2026-11-26-evil"],
        ["prompt", "2026-11-26-evil"],
        ["draft", "2026-11-26-evil", "-m", "echo"],
    ],
    ids=["log", "log milestone", "next", "check", "show", "prompt", "draft"],
)
def test_an_incident_directory_linked_outside_is_refused(
    opened: Repo,
    outside: Path,
    linked_incident: str,
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path / "llm"))
    before = snapshot(outside)
    result = incident(*args)
    assert result.exit_code in (1, 2), result.stdout
    if result.exit_code == 2:
        assert_one_line(result.stderr)
    assert SECRET not in result.stdout + result.stderr
    assert_nothing_leaked(opened, outside, before)


def test_check_all_and_list_do_not_read_an_incident_linked_outside(
    opened: Repo, outside: Path, linked_incident: str
) -> None:
    before = snapshot(outside)
    checked = incident("check", "--all")
    listed = incident("list", "--json")
    assert SECRET not in checked.stdout + checked.stderr + listed.stdout
    assert "Evil" not in listed.stdout
    assert_nothing_leaked(opened, outside, before)


# (the link, the command, whether it may still succeed by reporting the link instead)
LINKED_FILES = [
    pytest.param(TIMELINE, ["log", "entry", "--at", "2026-11-25T10:10:00Z"], False, id="log timeline"),
    pytest.param(META, ["log", "x", "--milestone", "contained", "--at", "2026-11-25T10:40:00Z"], False, id="log milestone"),
    pytest.param(TRIAGE, ["draft", "-m", "echo"], False, id="draft stage"),
    pytest.param(TRIAGE, ["next"], False, id="next stage"),
    pytest.param(TRIAGE, ["check"], False, id="check stage"),
    pytest.param(TRIAGE, ["show"], True, id="show stage"),
    pytest.param(TRIAGE, ["prompt"], True, id="prompt stage"),
    pytest.param(TIMELINE, ["timeline"], True, id="timeline"),
    pytest.param(TIMELINE, ["prompt"], True, id="prompt timeline"),
]  # fmt: skip


@pytest.mark.parametrize(("link", "args", "may_succeed"), LINKED_FILES)
def test_an_incident_file_linked_outside_is_never_read_or_replaced(
    opened: Repo,
    outside: Path,
    link: str,
    args: list[str],
    may_succeed: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path / "llm"))
    if link == META:
        (outside / "secret.md").write_text(opened.read(META) + f"# {SECRET}\n")
    if args[0] == "next":
        triage_done(opened)
    (opened.root / link).unlink()
    (opened.root / link).symlink_to(outside / "secret.md")
    before = snapshot(outside)
    result = incident(*args)
    assert result.exit_code in ((0, 1, 2) if may_succeed else (1, 2)), result.stdout
    said = result.stdout + result.stderr
    assert SECRET not in said
    # Whatever it does, it says which file it would not follow.
    assert link in said and "outside the repository" in said, said[-500:]
    assert (opened.root / link).is_symlink()
    assert_nothing_leaked(opened, outside, before)


@pytest.mark.parametrize("args", [["check", "--all"], ["list"], ["show", ID]])
def test_a_stage_file_that_is_a_loop_of_links_is_named_not_a_crash(
    opened: Repo, args: list[str]
) -> None:
    triage = opened.root / TRIAGE
    triage.unlink()
    triage.symlink_to("loop.md")
    (triage.parent / "loop.md").symlink_to(triage.name)
    result = incident(*args)
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    if args[0] != "list":
        assert f"{TRIAGE}: path '{TRIAGE}' is a loop of symlinks" in result.stdout


def test_an_incidents_directory_linked_outside_is_refused(repo: Repo, outside: Path) -> None:
    (repo.root / "incidents").symlink_to(outside)
    before = snapshot(outside)
    result = incident(
        "new",
        "Checkout API 500s",
        "--started-at",
        "2026-11-25T10:00:00Z",
        "--detected-at",
        "2026-11-25T10:00:00Z",
    )
    refused(result)
    assert "incidents" in result.stderr and "outside the repository" in result.stderr
    assert snapshot(outside) == before


@pytest.mark.parametrize("args", [["changelog"], ["changelog", "--check"]])
def test_a_changelog_linked_outside_is_refused(
    opened: Repo, outside: Path, args: list[str]
) -> None:
    finish(opened)
    (outside / "secret.md").write_text(f"# Changelog\n\n{SECRET}\n")
    (opened.root / "CHANGELOG.md").symlink_to(outside / "secret.md")
    before = snapshot(outside)
    result = incident(*args)
    refused(result)
    assert "CHANGELOG.md" in result.stderr and "outside the repository" in result.stderr
    assert (opened.root / "CHANGELOG.md").is_symlink()
    assert_nothing_leaked(opened, outside, before)


def test_a_config_linked_outside_is_refused(repo: Repo, outside: Path) -> None:
    (outside / "shared.yaml").write_text("timezone: UTC\n")
    (repo.root / ".incident.yaml").symlink_to(outside / "shared.yaml")
    result = incident("list")
    refused(result)
    assert result.stderr.startswith("error: .incident.yaml")
    assert "outside the repository" in result.stderr


@pytest.mark.parametrize("name", [".gitattributes", ".pre-commit-config.yaml"])
def test_init_never_copies_a_file_linked_outside_into_the_repository(
    repo: Repo, outside: Path, name: str
) -> None:
    (outside / "secret.md").write_text(f"# {SECRET}\n")
    (repo.root / name).symlink_to(outside / "secret.md")
    before = snapshot(outside)
    result = incident("init")
    refused(result)
    assert name in result.stderr and "outside the repository" in result.stderr
    assert (repo.root / name).is_symlink()
    assert_nothing_leaked(repo, outside, before)


# --- --with-file ----------------------------------------------------------------------------


@pytest.fixture
def with_links(opened: Repo, outside: Path) -> Repo:
    """A committed source file, a file symlink and a directory symlink pointing outside."""
    opened.write("src/app.py", "def price(total, count):\n    return total / count\n")
    (opened.root / "src" / "leak.py").symlink_to(outside / "secret.md")
    (opened.root / "vendor").symlink_to(outside)
    opened.commit_all("app", date="2026-11-25T09:00:00+00:00")
    return opened


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("src/leak.py", "error: path 'src/leak.py' resolves outside the repository (through a symlink?)\n"),
        ("src/leak.py:1-3", "error: path 'src/leak.py' resolves outside the repository (through a symlink?)\n"),
        ("vendor/secret.md", "error: path 'vendor/secret.md' resolves outside the repository (through a symlink?)\n"),
        ("src/../../outside/secret.md", "error: path 'src/../../outside/secret.md' points outside the repository\n"),
        ("../outside/secret.md", "error: path '../outside/secret.md' points outside the repository\n"),
        ("//etc/passwd", "error: path '//etc/passwd' must be relative to the repository root\n"),
        ("\\etc\\passwd", "error: path '\\\\etc\\\\passwd' must be relative to the repository root\n"),
        ("C:/Windows/win.ini", "error: path 'C:/Windows/win.ini' must be relative to the repository root\n"),
        ("src/app.py\x00", "error: --with-file 'src/app.py\\x00': expected PATH, PATH:LINE or PATH:START-END\n"),
        ("src/\x1b[2Japp.py", "error: path 'src/\\x1b[2Japp.py' contains control characters\n"),
        ("src/app.py\n../outside/secret.md", "error: --with-file 'src/app.py\\n../outside/secret.md': expected PATH, PATH:LINE or PATH:START-END\n"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("command", [["prompt"], ["draft", "--dry-run"]])
def test_with_file_stays_inside_the_repository(
    with_links: Repo, outside: Path, command: list[str], spec: str, message: str
) -> None:
    before = snapshot(with_links.root)
    result = incident(*command, "--with-file", spec)
    assert (result.exit_code, result.stderr) == (2, message)
    assert SECRET not in result.stdout
    assert snapshot(with_links.root) == before


def test_with_file_reads_the_committed_file_not_a_link_target(with_links: Repo) -> None:
    result = incident("prompt", "--with-file", "src/app.py:2")
    assert result.exit_code == 0, result.stderr
    assert "return total / count" in result.stdout
    assert SECRET not in result.stdout


# --- templates ------------------------------------------------------------------------------


def deep_templates(repo: Repo, target: Path) -> tuple[str, str]:
    """A templates_dir deep enough that a `../` include stays inside the repository there,
    while the same name, looked up among the shipped templates, climbs to ``target``.

    Returns (templates_dir, the include name).
    """
    ups = len(Path(incidentflow.__file__).resolve().parts) + 8
    name = "../" * ups + target.as_posix().lstrip("/")
    templates_dir = "/".join(["t"] * ups)
    repo.write(".incident.yaml", f"templates_dir: {templates_dir}\n")
    return templates_dir, name


def test_a_template_include_cannot_reach_outside_through_the_shipped_templates(
    repo: Repo, outside: Path
) -> None:
    templates_dir, name = deep_templates(repo, outside / "secret.md")
    repo.write(f"{templates_dir}/prompts/triage.md.j2", '{% include "' + name + '" %}\n')
    before = snapshot(outside)
    result = incident(
        "new",
        "Checkout API 500s",
        "--started-at",
        "2026-11-25T10:00:00Z",
        "--detected-at",
        "2026-11-25T10:00:00Z",
    )
    refused(result)
    assert_nothing_leaked(repo, outside, before)


@pytest.mark.parametrize(
    "include",
    ["/etc/hostname", "../../../../../../../../../../../../../../etc/hostname", "a\x00b"],
    ids=["absolute", "dotdot", "nul"],
)
def test_a_template_include_outside_the_repository_is_refused(
    repo: Repo, outside: Path, include: str
) -> None:
    repo.write(".incident.yaml", "templates_dir: tpl\n")
    repo.write("tpl/prompts/triage.md.j2", '{% include "' + include + '" %}\n')
    result = incident(
        "new",
        "Checkout API 500s",
        "--started-at",
        "2026-11-25T10:00:00Z",
        "--detected-at",
        "2026-11-25T10:00:00Z",
    )
    refused(result)
    assert not (repo.root / "incidents").exists() or not any((repo.root / "incidents").iterdir())


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("{{ 1 / 0 }}\n", "tpl/prompts/triage.md.j2"),
        ("{{ incident.title | int // 0 }}\n", "tpl/prompts/triage.md.j2"),
        ("{{ '%d' % incident.title }}\n", "tpl/prompts/triage.md.j2"),
    ],
    ids=["division by zero", "floor division", "format"],
)
def test_a_template_that_fails_while_rendering_is_bad_input_not_a_bug(
    repo: Repo, body: str, where: str
) -> None:
    repo.write(".incident.yaml", "templates_dir: tpl\n")
    repo.write("tpl/prompts/triage.md.j2", body)
    result = incident(
        "new",
        "Checkout API 500s",
        "--started-at",
        "2026-11-25T10:00:00Z",
        "--detected-at",
        "2026-11-25T10:00:00Z",
    )
    assert result.exit_code == 2, result.stderr
    assert_one_line(result.stderr)
    assert result.stderr.startswith(f"error: {where}")
    assert not (repo.root / "incidents").exists() or not any((repo.root / "incidents").iterdir())


def test_a_templates_directory_linked_outside_is_refused(repo: Repo, outside: Path) -> None:
    (outside / "prompts").mkdir()
    (outside / "prompts" / "triage.md.j2").write_text(SECRET + "\n")
    (repo.root / "tpl").symlink_to(outside)
    repo.write(".incident.yaml", "templates_dir: tpl\n")
    result = incident(
        "new",
        "Checkout API 500s",
        "--started-at",
        "2026-11-25T10:00:00Z",
        "--detected-at",
        "2026-11-25T10:00:00Z",
    )
    assert (result.exit_code, result.stderr) == (
        2,
        "error: .incident.yaml:1: templates_dir: path 'tpl' resolves outside the repository "
        "(through a symlink?)\n",
    )


# --- paths in the configuration --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("incidents_dir: /tmp/incidents\n", "1: incidents_dir: path '/tmp/incidents' must be relative to the repository root"),
        ("incidents_dir: a/../../b\n", "1: incidents_dir: path 'a/../../b' points outside the repository"),
        ('incidents_dir: "inc\\0idents"\n', "1: incidents_dir: path 'inc\\x00idents' contains control characters"),
        ('incidents_dir: "inc\\nidents"\n', "1: incidents_dir: path 'inc\\nidents' contains control characters"),
        ("changelog: /tmp/CHANGELOG.md\n", "1: changelog: path '/tmp/CHANGELOG.md' must be relative to the repository root"),
        ("changelog: ../CHANGELOG.md\n", "1: changelog: path '../CHANGELOG.md' points outside the repository"),
        ("changelog:\n  path: docs/../../CHANGES.md\n", "2: changelog.path: path 'docs/../../CHANGES.md' points outside the repository"),
        ("changelog: 'C:\\CHANGES.md'\n", "1: changelog: path 'C:\\\\CHANGES.md' must be relative to the repository root"),
        ("templates_dir: ../templates\n", "1: templates_dir: path '../templates' points outside the repository"),
        ('templates_dir: "tpl\\x1b"\n', "1: templates_dir: path 'tpl\\x1b' contains control characters"),
    ],
)  # fmt: skip
def test_config_paths_that_leave_the_repository_are_refused(
    repo: Repo, text: str, message: str
) -> None:
    repo.write(".incident.yaml", text)
    result = incident("list")
    assert (result.exit_code, result.stderr) == (2, f"error: .incident.yaml:{message}\n")


@pytest.mark.parametrize(
    ("text", "link", "key"),
    [
        ("incidents_dir: ops/incidents\n", "ops", "incidents_dir"),
        ("changelog: docs/CHANGELOG.md\n", "docs", "changelog"),
        ("changelog:\n  path: docs/CHANGELOG.md\n", "docs", "changelog.path"),
        ("templates_dir: tpl/stages\n", "tpl", "templates_dir"),
    ],
)
def test_config_paths_through_a_symlink_out_of_the_repository_are_refused(
    repo: Repo, outside: Path, text: str, link: str, key: str
) -> None:
    (repo.root / link).symlink_to(outside)
    repo.write(".incident.yaml", text)
    value = text.rsplit(": ", 1)[1].strip()
    line = text.count("\n")
    result = incident("list")
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: .incident.yaml:{line}: {key}: path {value!r} resolves outside the repository "
        "(through a symlink?)\n",
    )


@pytest.mark.parametrize(
    "text",
    ["incidents_dir: .git/incidents\n", "changelog: .git/config\n", "templates_dir: .git\n", "changelog: ./.git/hooks/pre-commit\n"],
    ids=["incidents in .git", "changelog is git config", "templates in .git", "changelog is a hook"],
)  # fmt: skip
def test_config_paths_into_the_git_directory_are_refused(repo: Repo, text: str) -> None:
    repo.write(".incident.yaml", text)
    result = incident("list")
    assert result.exit_code == 2
    assert_one_line(result.stderr)
    assert result.stderr.startswith(f"error: .incident.yaml:1: {text.split(':')[0]}")
    assert ".git" in result.stderr


def test_the_changelog_command_never_writes_into_the_git_directory(opened: Repo) -> None:
    finish(opened)
    opened.write(".incident.yaml", "changelog: .git/config\n")
    config = (opened.root / ".git" / "config").read_bytes()
    result = incident("changelog")
    assert result.exit_code == 2
    assert (opened.root / ".git" / "config").read_bytes() == config


# --- symlinks that stay inside the repository are written through -------------------------


@pytest.mark.parametrize("linked", [TIMELINE, META])
def test_log_writes_through_a_link_inside_the_repository(opened: Repo, linked: str) -> None:
    """`timeline.md` or `incident.yaml` kept elsewhere in the tree and linked: the link stays
    a link and its target gets the change."""
    target = opened.root / "docs" / Path(linked).name
    target.parent.mkdir()
    target.write_bytes((opened.root / linked).read_bytes())
    (opened.root / linked).unlink()
    (opened.root / linked).symlink_to(Path("../../docs") / target.name)
    result = incident(
        "log", ID, "flag off", "--milestone", "contained", "--at", "2026-11-25T10:40Z"
    )
    assert result.exit_code == 0, result.stderr
    assert (opened.root / linked).is_symlink()
    written = target.read_text()
    assert ("flag off" in written) if linked == TIMELINE else ("2026-11-25T10:40:00" in written)


@pytest.mark.parametrize("linked", [TIMELINE, META])
def test_log_refuses_a_link_out_of_the_repository_and_changes_nothing(
    opened: Repo, outside: Path, linked: str
) -> None:
    (outside / "secret.md").write_text(opened.read(linked))
    (opened.root / linked).unlink()
    (opened.root / linked).symlink_to(outside / "secret.md")
    before, tree = snapshot(outside), snapshot(opened.root)
    result = incident(
        "log", ID, "flag off", "--milestone", "contained", "--at", "2026-11-25T10:40Z"
    )
    refused(result)
    assert linked in result.stderr and "outside the repository" in result.stderr
    assert snapshot(outside) == before
    assert snapshot(opened.root) == tree
