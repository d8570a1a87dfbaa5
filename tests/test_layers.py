"""The package's layers: a module imports only from its own folder and the folders below it."""

from __future__ import annotations

import ast
from pathlib import Path

import incidentflow

PACKAGE = Path(incidentflow.__file__).resolve().parent
# Top first. Modules outside these folders: main and cli sit on top, errors, error_handler
# and records at the bottom.
LAYERS = (
    "commands",
    "workflow",
    "ai",
    "reports",
    "changelog",
    "timeline",
    "speed",
    "model",
    "git",
    "files",
)
BOTTOM = ("errors", "error_handler", "records")


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("incidentflow"):
                found.append(node.module)
                found += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("incidentflow")]
    return found


def _modules() -> list[tuple[str, Path]]:
    return [
        (".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts), path)
        for path in sorted(PACKAGE.rglob("*.py"))
    ]


def test_imports_point_down() -> None:
    upward = []
    for module, path in _modules():
        mine = _layer(module)
        for target in _imports(path):
            other = _layer(target)
            if mine and other and LAYERS.index(other) < LAYERS.index(mine):
                upward.append(f"{module} imports {target}")
    assert upward == []


def test_the_bottom_imports_nothing_above_it() -> None:
    for name in BOTTOM:
        imported = _imports(PACKAGE / f"{name}.py")
        assert [t for t in imported if _layer(t) is not None] == [], name


def test_every_module_has_a_home() -> None:
    top_level = {path.stem for path in PACKAGE.glob("*.py")}
    assert top_level == {"__init__", "__main__", "main", "cli", *BOTTOM}
    assert {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()} == set(
        LAYERS
    )


def test_only_the_git_module_builds_git_command_lines() -> None:
    """Every git command line lives in `git/repo.py`: elsewhere, a call of `.run(` or
    `.start(` with a literal first argument (a git subcommand), or a subprocess naming git,
    would be a second door to git."""
    doors = []
    for module, path in _modules():
        if module.startswith("incidentflow.git."):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            literal = (
                node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            )
            if isinstance(func, ast.Attribute) and func.attr in ("run", "start") and literal:
                doors.append(f"{module}:{node.lineno}")
            if isinstance(func, ast.Attribute) and func.attr in ("Popen", "run", "check_output"):
                first = node.args[0] if node.args else None
                if isinstance(first, ast.List) and first.elts:
                    head = first.elts[0]
                    if isinstance(head, ast.Constant) and head.value == "git":
                        doors.append(f"{module}:{node.lineno}")
    assert doors == []
