"""Render the stage and prompt templates: the shipped defaults, or a repository's overrides.

Every template renders in Jinja2's sandbox with undefined variables as errors, so a template
from a pull request cannot reach Python internals and a typo fails loudly. Text that people
wrote (titles, sections) reaches templates only as variables, never as template source.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from incidentflow.errors import IncidentError
from incidentflow.files.repo_paths import ensure_inside


def _safe_name(name: str) -> bool:
    """Template names are relative, without `..`, control characters or backslashes."""
    parts = name.split("/")
    return (
        bool(name)
        and not name.startswith("/")
        and "\\" not in name
        and not any(ord(ch) < 32 for ch in name)
        and not any(part in ("", ".", "..") for part in parts)
    )


def _default_source(name: str) -> tuple[str, str | None, Any] | None:
    if not _safe_name(name):
        return None
    resource = resources.files("incidentflow").joinpath("templates")
    for part in name.split("/"):
        resource = resource.joinpath(part)
    if not resource.is_file():
        return None
    return resource.read_text(encoding="utf-8"), None, lambda: True


class _RepoLoader(jinja2.BaseLoader):
    """Loads a repository's template override, refusing paths that leave the repository."""

    def __init__(self, root: Path, templates_dir: str) -> None:
        self.root = root
        self.templates_dir = templates_dir

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        if not _safe_name(template):
            raise jinja2.TemplateNotFound(template)
        path = self.root / self.templates_dir / template
        shown = f"{self.templates_dir}/{template}"
        try:
            ensure_inside(self.root, path, shown=shown)
            text = path.read_text(encoding="utf-8")
            mtime = path.stat().st_mtime
        except (FileNotFoundError, NotADirectoryError):
            raise jinja2.TemplateNotFound(template) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise IncidentError(f"{shown}: cannot read: {exc}") from None
        return text, str(path), lambda: path.stat().st_mtime == mtime


def _environment(root: Path, templates_dir: str | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir:
        loaders.append(_RepoLoader(root, templates_dir))
    loaders.append(jinja2.FunctionLoader(_default_source))
    return ImmutableSandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, *, root: Path, templates_dir: str | None, context: dict[str, Any]) -> str:
    """Render template ``name`` with ``context``; template faults become one clear error."""
    where = f"{templates_dir}/{name}" if templates_dir else f"template {name}"
    try:
        template = _environment(root, templates_dir).get_template(name)
        return str(template.render(**context))
    except jinja2.TemplateSyntaxError as exc:
        raise IncidentError(f"{where}:{exc.lineno}: template syntax error: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise IncidentError(
            f"{where}: template uses an undefined variable: {exc.message}"
        ) from None
    except SecurityError as exc:
        raise IncidentError(
            f"{where}: template tried something unsafe and was stopped: {exc}"
        ) from None
    except jinja2.TemplateNotFound:
        raise IncidentError(f"{where}: template not found") from None
    except jinja2.TemplateError as exc:
        raise IncidentError(f"{where}: template error: {exc}") from None
    except IncidentError:
        raise
    except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError) as exc:
        # A template that fails while rendering is bad input, not a bug in incidentflow.
        raise IncidentError(f"{where}: template failed: {type(exc).__name__}: {exc}") from None
