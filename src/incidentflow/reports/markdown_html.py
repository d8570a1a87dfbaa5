"""Markdown that people wrote in a stage file, as safe HTML for the stakeholder report.

Rendered by markdown-it (CommonMark, with GitHub's tables and strikethrough, and bare URLs
made links), imported only when a report is made. Raw HTML is off, so it comes out as text;
images become their alt text, and only http(s), mailto and relative links are kept (any
other link shows as its text alone), so the page never loads anything and never runs
anything. The fast section scanner of the commit
path (`files/markdown_sections`) is a different job: it only finds headings.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})


def to_html(markdown: str, *, heading_offset: int = 2) -> str:
    """Render ``markdown`` as an HTML fragment; ``#`` headings become `<h{1+offset}>`."""
    text = markdown.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    return str(_parser(heading_offset).render(text, {})).rstrip("\n")


def inline(text: str) -> str:
    """Render one paragraph's inline markdown (code, emphasis, links) as escaped HTML."""
    return str(_parser(2).renderInline(text.replace("\x00", "\ufffd"), {}))


def safe_link(url: str) -> bool:
    """Only links that open a page or a mail: http(s), mailto, or relative."""
    scheme = _SCHEME.match(url.strip())
    return scheme is None or scheme.group(1).lower() in _SAFE_SCHEMES


@functools.cache
def _parser(heading_offset: int) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.enable(["table", "strikethrough", "linkify"])
    # Every link is parsed as one, so an unsafe one can be shown as its text alone (below).
    md.validateLink = lambda url: True  # type: ignore[method-assign]

    def link(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        shown = env.setdefault("links", [])
        if token.nesting == 1:
            shown.append(safe_link(str(token.attrGet("href") or "")))
            return self.renderToken(tokens, idx, options, env) if shown[-1] else ""
        return "</a>" if shown.pop() else ""

    def image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        return escapeHtml(self.renderInlineAsText(token.children or [], options, env))

    def heading(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        level = min(6, int(token.tag[1:]) + heading_offset)
        return f"<h{level}>" if token.nesting == 1 else f"</h{level}>\n"

    def table(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        # Wrapped, so a wide table scrolls on a phone instead of widening the page.
        return '<div class="table"><table>\n' if tokens[idx].nesting == 1 else "</table></div>\n"

    md.add_render_rule("link_open", link)
    md.add_render_rule("link_close", link)
    md.add_render_rule("image", image)
    md.add_render_rule("heading_open", heading)
    md.add_render_rule("heading_close", heading)
    md.add_render_rule("table_open", table)
    md.add_render_rule("table_close", table)
    return md
