"""`incident draft`: send a stage's prompt through `llm` and file the answer as AI drafts.

Each `##` section of the answer that matches a section of the stage file is inserted at the
top of that section between `<!-- ai-draft … -->` and `<!-- /ai-draft -->` markers, newest
first. Draft text never counts towards a goal until a person removes the markers. Anything
in the answer that matches no section goes into one draft block above the first section.
The stage file is only written once the whole answer has arrived.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from incidentflow.ai.excerpts import FileSpec
from incidentflow.ai.prompts import Prompt, prompt_for
from incidentflow.ai.redaction import redact
from incidentflow.errors import IncidentError
from incidentflow.files.atomic import write_in_tree
from incidentflow.files.markdown_sections import normalize_title, parse, split_lines
from incidentflow.files.repo_paths import checked
from incidentflow.files.textfile import decode
from incidentflow.model.workspace import Workspace

PIP_INSTALL = "pip install 'incidentflow[ai]'"
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


@dataclass(frozen=True)
class Drafted:
    """Where a draft went: the stage file, the model used, and the sections it filled."""

    path: Path
    model: str
    sections: list[str]
    prompt: Prompt
    system_redacted: list[int]

    def notes(self) -> list[str]:
        """Warnings for stderr: what the prompt and the system prompt had redacted or left out."""
        notes = self.prompt.notes(where="prompt")
        if self.system_redacted:
            notes.append(
                f"warning: --system: redacted {len(self.system_redacted)} line(s) that look like "
                "credentials"
            )
        return notes


def draft_stage(
    workspace: Workspace,
    incident_id: str,
    *,
    now: dt.datetime,
    model: str | None = None,
    system: str | None = None,
    with_files: Sequence[FileSpec] = (),
    on_chunk: Callable[[str], None] = lambda chunk: None,
) -> Drafted:
    """Prompt the model with the current stage's prompt and insert its answer as drafts.

    The prompt is redacted as it is rendered; the system prompt is redacted here.
    """
    llm = _import_llm()
    stage, prompt = prompt_for(workspace, incident_id, with_files=with_files)
    system_redacted: list[int] = []
    if system is not None:
        system, system_redacted = redact(system)
    path = (
        workspace.root / workspace.report(incident_id, with_refs=False).directory / stage.filename
    )
    if not checked(workspace.root, path).exists():
        raise IncidentError(f"{path.relative_to(workspace.root)} does not exist; run incident next")
    chosen = _model(llm, model or workspace.config.ai_model)
    answer = _ask(llm, chosen, prompt.text, system=system, on_chunk=on_chunk)
    with workspace.lock(incident_id):
        # Re-read under the lock: a responder may have saved the file while the model ran.
        shown = str(path.relative_to(workspace.root))
        current = decode(checked(workspace.root, path).read_bytes(), path=shown)
        updated, sections = insert_draft(current, answer, model=chosen.model_id, at=now)
        write_in_tree(workspace.root, path, updated)
    return Drafted(path, chosen.model_id, sections, prompt, system_redacted)


def _import_llm() -> Any:
    try:
        import llm
    except ImportError:
        raise IncidentError(install_hint(prefix=Path(sys.prefix))) from None
    return llm


def install_hint(*, prefix: Path) -> str:
    """How to add `llm` to the environment at ``prefix``. For a pipx install that is
    `pipx inject`: `pip install` would go into some other environment than the one
    `incident` runs from."""
    needs = "incident draft needs the `llm` library"
    if _made_by_pipx(prefix):
        return f"{needs}: pipx inject {prefix.name} llm (installed with pip: {PIP_INSTALL})"
    return f"{needs}: {PIP_INSTALL} (installed with pipx: pipx inject incidentflow llm)"


def _made_by_pipx(prefix: Path) -> bool:
    """pipx keeps each app in <PIPX_HOME>/venvs/<name>, with its pipx_metadata.json."""
    if (prefix / "pipx_metadata.json").is_file():
        return True
    home = os.environ.get("PIPX_HOME")
    venvs = prefix.parent
    return venvs.name == "venvs" and (
        "pipx" in venvs.parent.name or (bool(home) and venvs.parent == Path(str(home)))
    )


def _model(llm: Any, name: str | None) -> Any:
    try:
        return llm.get_model(name) if name else llm.get_model()
    except llm.UnknownModelError:
        shown = name or llm.get_default_model()
        raise IncidentError(
            f"unknown model {shown!r}; list the installed ones with `llm models`"
        ) from None


def _ask(
    llm: Any, model: Any, text: str, *, system: str | None, on_chunk: Callable[[str], None]
) -> str:
    from llm.errors import NeedsKeyException

    try:
        response = model.prompt(text, system=system)
        chunks = []
        for chunk in response:
            chunks.append(chunk)
            on_chunk(chunk)
        answer = "".join(chunks)
    except NeedsKeyException as exc:
        raise IncidentError(
            f"model {model.model_id!r} needs an API key: {exc} (set one with `llm keys set`)"
        ) from None
    except Exception as exc:  # any provider failure: the stage file stays untouched
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise IncidentError(f"model {model.model_id!r} failed: {detail}") from None
    if not answer.strip():
        raise IncidentError(f"model {model.model_id!r} returned an empty answer")
    return answer


def insert_draft(text: str, answer: str, *, model: str, at: dt.datetime) -> tuple[str, list[str]]:
    """Insert ``answer`` into stage file ``text`` as draft blocks; return it and the sections."""
    lines = _LINE.findall(text)
    newline = "\r\n" if "\r\n" in text else "\n"
    doc = parse(text)
    by_title = {normalize_title(section.title): section for section in doc.sections}
    matched: dict[int, list[str]] = {}
    leftover: list[str] = []
    filled = []
    for title, body in _answer_sections(answer):
        key = normalize_title(re.sub(r"\s*\(optional\)\s*$", "", title, flags=re.I))
        section = by_title.get(key) if title else None
        if section is None:
            if title:
                leftover.append(f"**{title}**")
            leftover.append(body)
            continue
        if body.strip():
            matched.setdefault(_insert_line(split_lines(text), section.line), []).append(body)
            filled.append(section.title)
    if any(part.strip() for part in leftover):
        first = doc.sections[0].line if doc.sections else len(lines) + 1
        matched.setdefault(first, []).insert(0, "\n\n".join(leftover))
    # Insert bottom-up so earlier line numbers stay valid.
    for line_number in sorted(matched, reverse=True):
        block = _block("\n\n".join(matched[line_number]), model=model, at=at, newline=newline)
        index = line_number - 1
        if index >= len(lines) and lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += newline
        lines[index:index] = block
    return "".join(lines), filled


def _answer_sections(answer: str) -> list[tuple[str, str]]:
    """Split an answer into (title, body) at its top-level `##` headings; preamble has no title."""
    answer_lines = split_lines(answer)
    headings = [h for h in parse(answer).headings if h.level <= 2]
    parts: list[tuple[str, str]] = []
    start = 0
    title = ""
    for heading in headings:
        parts.append((title, "\n".join(answer_lines[start : heading.line - 1])))
        title = heading.text if heading.level == 2 else ""
        start = heading.end_line
        if heading.level == 1:
            parts.append(("", f"**{heading.text}**"))
    parts.append((title, "\n".join(answer_lines[start:])))
    return [(t, _safe(b).strip("\n")) for t, b in parts if t or b.strip()]


def _safe(body: str) -> str:
    """Keep the draft from closing its own markers or starting new sections."""
    return body.replace("<!--", "&lt;!--").replace("-->", "--&gt;")


def _insert_line(lines: list[str], heading_line: int) -> int:
    """The line after a section's heading and its guidance comment."""
    index = heading_line  # 0-based index of the line after the heading
    while index < len(lines) and not lines[index].strip():
        index += 1
    if (
        index < len(lines)
        and lines[index].lstrip().startswith("<!--")
        and "ai-draft" not in lines[index]
    ):
        while index < len(lines) and "-->" not in lines[index]:
            index += 1
        index += 1
    return index + 1


def _block(body: str, *, model: str, at: dt.datetime, newline: str) -> list[str]:
    stamp = at.replace(microsecond=0).isoformat()
    safe_model = re.sub(r"[^\w.:/@+-]", "_", model)
    text = f"<!-- ai-draft model={safe_model} at={stamp} -->\n{body}\n<!-- /ai-draft -->\n\n"
    return [line + newline for line in text.split("\n")[:-1]]
