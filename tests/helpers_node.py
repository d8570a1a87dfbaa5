"""The npm packages the tests read incidentflow's output with, installed in tests/node.

`npm ci --prefix tests/node` installs the versions pinned in tests/node/package-lock.json
(`.ci/run` does); tests that need one skip, saying so, when it is absent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"
MODULES = NODE_DIR / "node_modules"
MERMAID_JS = MODULES / "mermaid" / "dist" / "mermaid.min.js"
MARKDOWNLINT = MODULES / "markdownlint-cli2" / "markdownlint-cli2-bin.mjs"
NODE = shutil.which("node")
INSTALL = "npm ci --prefix tests/node; .ci/run installs it"

NEEDS_MERMAID = pytest.mark.skipif(
    not MERMAID_JS.is_file(), reason=f"the mermaid npm package is not installed ({INSTALL})"
)
NEEDS_MARKDOWNLINT = pytest.mark.skipif(
    NODE is None or not MARKDOWNLINT.is_file(),
    reason=f"node or the markdownlint-cli2 npm package is not installed ({INSTALL})",
)
