"""Templates: user text is data only; repository overrides run sandboxed and strict."""

from __future__ import annotations

from conftest import Repo, incident

PAYLOAD = "{{ ''.__class__.__mro__[1].__subclasses__() }} {% for x in range(3) %}boom{% endfor %}"


def test_titles_and_sections_come_out_literally(repo: Repo) -> None:
    result = incident("new", f"Oops {PAYLOAD}", "--started-at", "2026-11-25T10:00:00Z")
    assert result.exit_code == 0, result.stderr
    directory = repo.root / result.stdout.strip()
    triage = (directory / "01-triage.md").read_text()
    assert f"# Triage and stabilize — Oops {PAYLOAD}" in triage
    assert "boomboomboom" not in triage
    text = triage.replace(
        "## Symptoms\n\n<!-- What users and alerts see: errors, latency, which endpoints. -->\nTODO",
        "## Symptoms\n\n{{ 7 * 7 }} and {% raw %}",
    )
    (directory / "01-triage.md").write_text(text)
    prompt = incident("prompt").stdout
    assert "{{ 7 * 7 }} and {% raw %}" in prompt
    assert "49 and" not in prompt
    assert "boomboomboom" not in prompt


def test_repository_override_is_used(repo: Repo) -> None:
    repo.write(".incident.yaml", "templates_dir: .incident-templates\n")
    repo.write(
        ".incident-templates/prompts/triage.md.j2", "Custom triage for {{ incident.title }}.\n"
    )
    incident("new", "Queue backlog", "--started-at", "2026-11-25T10:00:00Z")
    assert incident("prompt").stdout == "Custom triage for Queue backlog.\n"


def test_override_reaching_python_internals_is_stopped(repo: Repo) -> None:
    repo.write(".incident.yaml", "templates_dir: tpl\n")
    repo.write("tpl/prompts/triage.md.j2", "{{ incident.__class__.__mro__[1].__subclasses__() }}\n")
    result = incident("new", "Queue backlog", "--started-at", "2026-11-25T10:00:00Z")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: tpl/prompts/triage.md.j2: template ")
    assert result.stderr.count("\n") == 1
    assert not (repo.root / "incidents" / "2026-11-25-queue-backlog").exists()


def test_override_with_undefined_variable_fails_clearly(repo: Repo) -> None:
    repo.write(".incident.yaml", "templates_dir: tpl\n")
    repo.write("tpl/prompts/triage.md.j2", "{{ incident.nickname }}\n")
    result = incident("new", "Queue backlog")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: tpl/prompts/triage.md.j2: template uses an undefined variable: "
        "'dict object' has no attribute 'nickname'\n"
    )


def test_override_syntax_error_names_the_line(repo: Repo) -> None:
    repo.write(".incident.yaml", "templates_dir: tpl\n")
    repo.write("tpl/prompts/triage.md.j2", "ok\n{% if %}\n")
    result = incident("new", "Queue backlog")
    assert result.stderr.startswith("error: tpl/prompts/triage.md.j2:2: template syntax error:")


def test_override_symlink_out_of_repo_is_refused(repo: Repo, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path_factory.mktemp("outside")
    (outside / "triage.md.j2").write_text("stolen\n")
    repo.write(".incident.yaml", "templates_dir: tpl\n")
    (repo.root / "tpl").mkdir()
    (repo.root / "tpl" / "prompts").symlink_to(outside)
    result = incident("new", "Queue backlog")
    assert result.exit_code == 2
    assert "resolves outside the repository" in result.stderr


def test_stage_file_symlinked_outside_is_not_read(repo: Repo, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path_factory.mktemp("outside") / "secret.md"
    outside.write_text("---\nstage: diagnosis\n---\n## Failing path\nstolen secret\n")
    incident("new", "Queue backlog", "--started-at", "2026-11-25T10:00:00Z")
    link = repo.root / "incidents" / "2026-11-25-queue-backlog" / "02-diagnosis.md"
    link.symlink_to(outside)
    result = incident("check")
    assert result.exit_code == 1
    rel = "incidents/2026-11-25-queue-backlog/02-diagnosis.md"
    message = f"{rel}: path '{rel}' resolves outside the repository (through a symlink?)"
    assert message in result.stdout.splitlines()
    assert "stolen secret" not in incident("prompt").stdout
    assert "stolen secret" not in incident("show").stdout


def test_incident_directory_symlinked_outside_is_ignored(repo: Repo, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path_factory.mktemp("elsewhere")
    (repo.root / "incidents").mkdir()
    (repo.root / "incidents" / "2026-11-25-elsewhere").symlink_to(outside, target_is_directory=True)
    assert incident("list", "--json").stdout == "[]\n"


# Known sandbox escapes of Jinja2 before 3.1.6: str.format reached through the `attr` filter
# (CVE-2025-27516) or held indirectly (CVE-2024-56326) reads attributes the sandbox forbids.
ESCAPES = [
    '{{ ("{0.__class__.__mro__}"|attr("format"))(incident) }}',
    '{% set fmt = "{0.__class__.__mro__}".format %}{{ fmt(incident) }}',
    '{{ ("{0.__globals__}"|attr("format"))(lipsum) }}',
    "{{ lipsum.__globals__.os.environ.INCIDENTFLOW_CANARY }}",
    "{{ cycler.__init__.__globals__.os.environ }}",
    "{{ (joiner|attr('__init__')|attr('__globals__')).os.environ }}",
]


def test_the_installed_jinja2_has_the_sandbox_fixes() -> None:
    from importlib.metadata import version

    major, minor, patch = (int(part) for part in version("jinja2").split(".")[:3])
    assert (major, minor, patch) >= (3, 1, 6)


def test_known_sandbox_escapes_fail(repo: Repo, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("INCIDENTFLOW_CANARY", "canary-4e1f9")
    repo.write(".incident.yaml", "templates_dir: tpl\n")
    for number, escape in enumerate(ESCAPES):
        repo.write("tpl/prompts/triage.md.j2", escape + "\n")
        result = incident("new", f"Escape {number}", "--started-at", "2026-11-25T10:00:00Z")
        said = result.stdout + result.stderr
        assert result.exit_code == 2, (escape, said)
        assert result.stderr.startswith("error: tpl/prompts/triage.md.j2: template "), escape
        assert "mro" not in said and "canary-4e1f9" not in said and "__builtins__" not in said
