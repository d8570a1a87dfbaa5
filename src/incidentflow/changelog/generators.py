"""Tools that rebuild the changelog from commit messages, found by their configuration.

For these an inserted line is erased at the next release: the entry has to come from a
commit. Each is found by files its users keep at the repository's root.
"""

from __future__ import annotations

from incidentflow.changelog.toolconfig import ToolFiles, string, table

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (commit path)
if TYPE_CHECKING:
    from typing import Any

_SEMANTIC_RELEASE = tuple(
    f"{stem}{ext}"
    for stem, exts in (
        (".releaserc", ("", ".json", ".yaml", ".yml", ".js", ".cjs", ".mjs")),
        ("release.config", (".js", ".cjs", ".mjs")),
    )
    for ext in exts
)
_VERSIONRC = (".versionrc", ".versionrc.json", ".versionrc.js", ".versionrc.cjs")


def find_generator(files: ToolFiles) -> tuple[str, str, str | None] | None:
    """(tool, where its configuration is, the file it writes when it says) or None."""
    for name in ("cliff.toml", ".cliff.toml", ".config/cliff.toml"):
        data = files.toml(name)
        if data is not None:
            return "git-cliff", name, _cliff_output(data, name)
    for name, keys in (
        ("pyproject.toml", ("tool", "git-cliff")),
        ("Cargo.toml", ("package", "metadata", "git-cliff")),
        ("Cargo.toml", ("workspace", "metadata", "git-cliff")),
    ):
        settings = table(files.toml(name), *keys)
        if settings is not None:
            return "git-cliff", f"[{'.'.join(keys)}] in {name}", _cliff_output(settings, name)
    for name in ("release-please-config.json", ".release-please-manifest.json"):
        if files.exists(name):
            return "release-please", name, None
    for name in _SEMANTIC_RELEASE:
        if files.exists(name):
            return "semantic-release", name, None
    for name in _VERSIONRC:
        if files.exists(name):
            return "conventional-changelog", name, None
    package = files.json_object("package.json")
    if package is not None:
        if "release" in package:
            return "semantic-release", '"release" in package.json', None
        for key in ("standard-version", "commit-and-tag-version"):
            if key in package:
                return "conventional-changelog", f'"{key}" in package.json', None
    return None


def _cliff_output(settings: dict[str, Any], where: str) -> str | None:
    """git-cliff's `[changelog] output`, when the configuration names the file."""
    changelog = table(settings, "changelog")
    return None if changelog is None else string(changelog, "output", where=where)
