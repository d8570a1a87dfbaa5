"""incident draft through the real `llm` library, with the offline echo model and test models."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import llm
import pytest
from conftest import Repo, incident

ID = "2026-11-25-checkout-api-500s"


class _Failing(llm.Model):
    model_id = "boom"

    def execute(self, prompt, stream, response, conversation=None):  # type: ignore[no-untyped-def]
        yield "partial answer that must not land "
        raise RuntimeError("provider returned 503\nService Unavailable")


class _Interrupted(llm.Model):
    model_id = "ctrl-c"

    def execute(self, prompt, stream, response, conversation=None):  # type: ignore[no-untyped-def]
        yield "partial"
        raise KeyboardInterrupt


class _TestModels:
    @llm.hookimpl
    def register_models(self, register):  # type: ignore[no-untyped-def]
        register(_Failing())
        register(_Interrupted())


@pytest.fixture(scope="module", autouse=True)
def test_models() -> Iterator[None]:
    plugin = _TestModels()
    llm.plugins.pm.register(plugin, name="incidentflow-test-models")
    yield
    llm.plugins.pm.unregister(plugin)


@pytest.fixture
def triage(repo: Repo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path / "llm-home"))
    result = incident(
        "new",
        "Checkout API 500s",
        "--started-at",
        "2026-11-25T14:02:00Z",
        "--detected-at",
        "2026-11-25T14:09:00Z",
    )
    assert result.exit_code == 0, result.stderr
    return repo.root / "incidents" / ID / "01-triage.md"


def blocks(text: str) -> list[str]:
    return re.findall(
        r"<!-- ai-draft model=[^ ]+ at=\S+ -->\n(.*?)\n<!-- /ai-draft -->", text, re.S
    )


def test_the_full_prompt_reaches_the_model(triage: Path) -> None:
    prompt = incident("prompt").stdout
    result = incident("draft", "-m", "echo")
    assert result.exit_code == 0, result.stderr
    assert (
        result.stdout
        == f"incidents/{ID}/01-triage.md: AI draft from echo in one block above the first section; review it, then remove the markers\n"
    )
    (block,) = blocks(triage.read_text())
    received = json.loads(block.replace("&lt;!--", "<!--").replace("--&gt;", "-->"))
    assert received["prompt"] == prompt
    assert '"prompt": "You are a debugging partner' in result.stderr  # streamed to stderr
    assert incident("draft", "--dry-run").stdout == prompt


def test_sections_stay_drafts_until_accepted(repo: Repo, triage: Path) -> None:
    answer = {
        "raw": "## Symptoms\n500s on POST /checkout.\n\n## Impact\n30% of checkouts.\n\n"
        "## Mitigation\nFlag retry_v2 turned off.\n\n## Containment evidence\n5xx back to baseline.\n\n## Bonus\nextra"
    }
    # A repository template may shape the prompt; echo answers a JSON prompt's "raw" verbatim.
    repo.write(".incident.yaml", "templates_dir: tpl\n")
    repo.write("tpl/prompts/triage.md.j2", json.dumps(answer) + "\n")
    incident("log", "flag off", "--at", "2026-11-25T14:31:00Z", "--milestone", "contained")
    result = incident("draft", "-m", "echo")
    assert result.exit_code == 0, result.stderr
    assert "in Symptoms, Impact, Mitigation, Containment evidence;" in result.stdout
    text = triage.read_text()
    assert blocks(text) == [
        "**Bonus**\n\nextra",
        "500s on POST /checkout.",
        "30% of checkouts.",
        "Flag retry_v2 turned off.",
        "5xx back to baseline.",
    ]
    check = incident("next")
    assert check.exit_code == 1
    assert (
        'section "Symptoms" has only an AI draft; edit it and remove the ai-draft markers to accept it'
        in check.stderr
    )
    accepted = re.sub(r"<!-- /?ai-draft[^>]*-->\n", "", text)
    triage.write_text(accepted)
    assert incident("next").exit_code == 0


def test_a_second_draft_goes_on_top(repo: Repo, triage: Path) -> None:
    repo.write(".incident.yaml", "templates_dir: tpl\n")
    repo.write("tpl/prompts/triage.md.j2", json.dumps({"raw": "## Impact\nfirst"}) + "\n")
    incident("draft", "-m", "echo")
    repo.write("tpl/prompts/triage.md.j2", json.dumps({"raw": "## Impact\nsecond"}) + "\n")
    incident("draft", "-m", "echo")
    assert blocks(triage.read_text()) == ["second", "first"]


@pytest.mark.parametrize(
    ("model", "code", "message"),
    [
        ("boom", 2, "error: model 'boom' failed: provider returned 503 Service Unavailable\n"),
        (
            "no-such-model",
            2,
            "error: unknown model 'no-such-model'; list the installed ones with `llm models`\n",
        ),
        ("ctrl-c", 130, "interrupted; no file was left half-written\n"),
    ],
)
def test_failures_leave_the_file_untouched(
    triage: Path, model: str, code: int, message: str
) -> None:
    before = triage.read_bytes()
    result = incident("draft", "-m", model)
    assert result.exit_code == code
    assert result.stderr.endswith(message)
    assert triage.read_bytes() == before


def test_missing_key(triage: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LLM_ECHO_NEEDS_KEY_KEY", raising=False)
    before = triage.read_bytes()
    result = incident("draft", "-m", "echo-needs-key")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: model 'echo-needs-key' needs an API key:")
    assert result.stderr.count("\n") == 1
    assert triage.read_bytes() == before


def test_without_the_ai_extra(triage: Path, repo: Repo) -> None:
    # `llm` made unimportable, as on an install without the extra.
    code = (
        "import sys; sys.modules['llm'] = None; from incidentflow.main import main; main(['draft'])"
    )
    before = triage.read_bytes()
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=repo.root, capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert (
        proc.stderr
        == "error: incident draft needs the `llm` library: pip install 'incidentflow[ai]' "
        "(installed with pipx: pipx inject incidentflow llm)\n"
    )
    assert triage.read_bytes() == before


PIPX_ADVICE = "pipx inject incidentflow llm (installed with pip: pip install 'incidentflow[ai]')"
PIP_ADVICE = "pip install 'incidentflow[ai]' (installed with pipx: pipx inject incidentflow llm)"


@pytest.mark.parametrize(
    ("prefix", "metadata", "pipx_home", "advice"),
    [
        ("pipx/venvs/incidentflow", True, None, PIPX_ADVICE),
        (".local/share/pipx/venvs/incidentflow", False, None, PIPX_ADVICE),
        ("apps/venvs/incidentflow-2", True, None, PIPX_ADVICE),
        ("apps/venvs/incidentflow", False, "apps", PIPX_ADVICE),
        ("apps/venvs/incidentflow", False, None, PIP_ADVICE),
        ("project/.venv", False, None, PIP_ADVICE),
    ],
)
def test_install_advice_fits_how_incidentflow_was_installed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prefix: str,
    metadata: bool,
    pipx_home: str | None,
    advice: str,
) -> None:
    from incidentflow.ai.draft import install_hint

    environment = tmp_path / prefix
    (environment / "bin").mkdir(parents=True)
    if metadata:
        (environment / "pipx_metadata.json").write_text("{}")
    monkeypatch.delenv("PIPX_HOME", raising=False)
    if pipx_home:
        monkeypatch.setenv("PIPX_HOME", str(tmp_path / pipx_home))
    if advice == PIPX_ADVICE:  # pipx names the venv after the app (and --suffix)
        advice = advice.replace("inject incidentflow ", f"inject {environment.name} ")
    assert install_hint(prefix=environment) == f"incident draft needs the `llm` library: {advice}"
