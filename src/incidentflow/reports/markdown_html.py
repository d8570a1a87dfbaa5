"""Markdown that people wrote in a stage file, as safe HTML for the stakeholder report.

A small subset of CommonMark and GitHub's extensions, enough for what incident sections
hold: paragraphs, lists (nested), block quotes, fenced code, headings, tables, code spans,
emphasis, strikethrough and links. Every character of the input is escaped; raw HTML comes
out as text. Images become their alt text and only http(s), mailto and relative links are
kept, so the output never loads anything and never runs anything.
"""

from __future__ import annotations

import re
from html import escape

from incidentflow.files.tables import split_row

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_THEMATIC = re.compile(r"^ {0,3}((\*[ \t]*){3,}|(-[ \t]*){3,}|(_[ \t]*){3,})$")
_QUOTE = re.compile(r"^ {0,3}> ?(.*)$")
_ITEM = re.compile(r"^( {0,3})([-*+]|\d{1,9}[.)])( {1,4}|$)(.*)$")
_TABLE_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")

_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_BACKSLASH = re.compile(r"\\([!-/:-@\[-`{-~])")
_DESTINATION = r"\(\s*<?((?:[^()\s<>]|\([^()\s]*\))*)>?(?:\s+\"[^\"]*\")?\s*\)"
_IMAGE = re.compile(r"!\[([^\]]*)\]" + _DESTINATION)
_LINK = re.compile(r"\[([^\]]+)\]" + _DESTINATION)
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^>\s]+)>")
_BARE_URL = re.compile(r"\bhttps?://[^\s<>]*[^\s<>.,:;\"')\]*_]")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(
    r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])|(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"
)
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_TOKEN = re.compile("\ue000(\\d+)\ue001")
_RESERVED = re.compile("[\x00\ue000\ue001]")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})


def to_html(markdown: str, *, heading_offset: int = 2) -> str:
    """Render ``markdown`` as an HTML fragment; ``#`` headings become `<h{1+offset}>`."""
    text = _RESERVED.sub("\ufffd", markdown.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(_Blocks(heading_offset).render(text.expandtabs(4).split("\n")))


def inline(text: str) -> str:
    """Render one paragraph's inline markdown (code, emphasis, links) as escaped HTML."""
    return _Inline().render(_RESERVED.sub("\ufffd", text))


class _Blocks:
    """Block structure: one pass over the lines, recursing into list items and quotes."""

    def __init__(self, heading_offset: int) -> None:
        self.offset = heading_offset

    def render(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        index = 0
        while index < len(lines):
            line = lines[index]
            if not line.strip():
                index += 1
                continue
            for block in (
                self._fence,
                self._heading,
                self._thematic,
                self._quote,
                self._table,
                self._list,
            ):
                result = block(lines, index)
                if result is not None:
                    html, index = result
                    out.append(html)
                    break
            else:
                html, index = self._paragraph(lines, index)
                out.append(html)
        return out

    def _fence(self, lines: list[str], index: int) -> tuple[str, int] | None:
        match = _FENCE.match(lines[index])
        if not match or (match.group(1)[0] == "`" and "`" in match.group(2)):
            return None
        marker = match.group(1)
        body = []
        index += 1
        while index < len(lines):
            close = re.match(r"^ {0,3}(`{3,}|~{3,})[ \t]*$", lines[index])
            if close and close.group(1)[0] == marker[0] and len(close.group(1)) >= len(marker):
                index += 1
                break
            body.append(lines[index])
            index += 1
        code = escape("\n".join(body) + ("\n" if body else ""))
        return f"<pre><code>{code}</code></pre>", index

    def _heading(self, lines: list[str], index: int) -> tuple[str, int] | None:
        match = _ATX.match(lines[index])
        if not match:
            return None
        level = min(6, len(match.group(1)) + self.offset)
        return f"<h{level}>{inline(match.group(2) or '')}</h{level}>", index + 1

    def _thematic(self, lines: list[str], index: int) -> tuple[str, int] | None:
        return ("<hr>", index + 1) if _THEMATIC.match(lines[index]) else None

    def _quote(self, lines: list[str], index: int) -> tuple[str, int] | None:
        if not _QUOTE.match(lines[index]):
            return None
        inner = []
        while index < len(lines) and lines[index].strip():
            match = _QUOTE.match(lines[index])
            if match is None and _starts_block(lines[index]):
                break
            inner.append(match.group(1) if match else lines[index])
            index += 1
        body = "\n".join(self.render(inner))
        return f"<blockquote>\n{body}\n</blockquote>", index

    def _table(self, lines: list[str], index: int) -> tuple[str, int] | None:
        if (
            "|" not in lines[index]
            or index + 1 >= len(lines)
            or not _TABLE_DELIMITER.match(lines[index + 1])
            or "-" not in lines[index + 1]
        ):
            return None
        header = split_row(lines[index])
        rows = []
        index += 2
        while index < len(lines) and lines[index].strip() and "|" in lines[index]:
            cells = split_row(lines[index])
            rows.append((cells + [""] * len(header))[: len(header)])
            index += 1
        head = "".join(f"<th>{inline(cell)}</th>" for cell in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{inline(cell)}</td>" for cell in row) + "</tr>\n" for row in rows
        )
        return (
            f'<div class="table"><table>\n<thead><tr>{head}</tr></thead>\n'
            f"<tbody>\n{body}</tbody>\n</table></div>",
            index,
        )

    def _list(self, lines: list[str], index: int) -> tuple[str, int] | None:
        first = _ITEM.match(lines[index])
        if not first:
            return None
        kind = _kind(first.group(2))
        items: list[list[str]] = []
        loose = False
        while index < len(lines):
            match = _ITEM.match(lines[index])
            if not match or _kind(match.group(2)) != kind:
                break
            width = len(match.group(1)) + len(match.group(2)) + max(1, len(match.group(3)))
            item = [match.group(4)]
            index += 1
            while index < len(lines):
                line = lines[index]
                if not line.strip():
                    item.append("")
                    index += 1
                    continue
                indent = len(line) - len(line.lstrip(" "))
                if indent >= width:
                    item.append(line[width:])
                elif item[-1].strip() and not _starts_block(line):
                    item.append(line.strip())  # a lazy continuation of the paragraph
                else:
                    break
                index += 1
            while item and not item[-1].strip():
                item.pop()
                following = _ITEM.match(lines[index]) if index < len(lines) else None
                if following and _kind(following.group(2)) == kind:
                    loose = True
            if any(not line.strip() for line in item):
                loose = True
            items.append(item)
        tag = "ol" if kind[0] == "ordered" else "ul"
        start = ""
        if tag == "ol":
            number = int(re.sub(r"\D", "", first.group(2)))
            start = f' start="{number}"' if number != 1 else ""
        rendered = []
        for item in items:
            parts = self.render(item)
            if not loose:
                parts = [_unwrap_paragraph(part) for part in parts]
            rendered.append("<li>" + "\n".join(parts) + "</li>")
        return f"<{tag}{start}>\n" + "\n".join(rendered) + f"\n</{tag}>", index

    def _paragraph(self, lines: list[str], index: int) -> tuple[str, int]:
        text = [lines[index].strip()]
        index += 1
        while index < len(lines) and lines[index].strip() and not _interrupts(lines[index]):
            text.append(lines[index].strip())
            index += 1
        return f"<p>{inline(chr(10).join(text))}</p>", index


def _kind(marker: str) -> tuple[str, str]:
    return ("ordered", marker[-1]) if marker[0].isdigit() else ("bullet", marker)


def _starts_block(line: str) -> bool:
    return bool(
        _FENCE.match(line)
        or _ATX.match(line)
        or _THEMATIC.match(line)
        or _QUOTE.match(line)
        or _ITEM.match(line)
    )


def _interrupts(line: str) -> bool:
    """Whether ``line`` ends a paragraph (an ordered list must start at 1 to do so)."""
    item = _ITEM.match(line)
    if item is not None:
        marker = item.group(2)
        return bool(item.group(4).strip()) and (not marker[0].isdigit() or marker[:-1] == "1")
    return _starts_block(line)


def _unwrap_paragraph(html: str) -> str:
    if html.startswith("<p>") and html.endswith("</p>"):
        return html[3:-4]
    return html


class _Inline:
    """Inline markup; finished HTML is parked behind tokens so later passes leave it alone."""

    def __init__(self) -> None:
        self.parked: list[str] = []

    def park(self, html: str) -> str:
        self.parked.append(html)
        return f"\ue000{len(self.parked) - 1}\ue001"

    def render(self, text: str, *, links: bool = True) -> str:
        code = _CODE_SPAN.sub(
            lambda m: self.park(f"<code>{escape(_code(m.group(2)))}</code>"), text
        )
        text = _BACKSLASH.sub(lambda m: self.park(escape(m.group(1))), code)
        text = _IMAGE.sub(lambda m: self.park(escape(m.group(1))), text)
        if links:  # a link's label must not hold another link
            text = _LINK.sub(
                lambda m: self.park(_anchor(m.group(2), self.render(m.group(1), links=False))),
                text,
            )
            text = _AUTOLINK.sub(lambda m: self.park(_anchor(m.group(1), escape(m.group(1)))), text)
            text = _BARE_URL.sub(lambda m: self.park(_anchor(m.group(0), escape(m.group(0)))), text)
        html = escape(text, quote=False)
        html = _STRONG.sub(r"<strong>\2</strong>", html)
        html = _EMPHASIS.sub(lambda m: f"<em>{m.group(1) or m.group(2)}</em>", html)
        html = _STRIKE.sub(r"<del>\1</del>", html)
        while _TOKEN.search(html):
            html = _TOKEN.sub(lambda m: self.parked[int(m.group(1))], html)
        return html


def _code(text: str) -> str:
    text = text.replace("\n", " ")
    if len(text) > 2 and text.startswith(" ") and text.endswith(" ") and text.strip():
        return text[1:-1]
    return text


def _anchor(url: str, label_html: str) -> str:
    """A link for a safe URL; for any other scheme (javascript:, data:…) only its label."""
    scheme = _SCHEME.match(url)
    if scheme and scheme.group(1).lower() not in _SAFE_SCHEMES:
        return label_html
    return f'<a href="{escape(url, quote=True)}">{label_html}</a>'
