"""Split a stage file into front matter and `##` sections, the way a CommonMark reader would.

Only top-level ATX and setext headings start sections. Lines inside fenced code blocks and
HTML blocks (comments included) are never headings, so a prompt that quotes earlier stages
inside a fence cannot add or hide sections. Nested containers (block quotes, list items) are
not parsed: a heading there is indented or prefixed and so is not seen as top-level.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

# Characters a block construct that matters here can start with (after up to 3 spaces).
_BLOCK_STARTERS = frozenset("#`~<=-*_")
_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE_OPEN = re.compile(r" {0,3}(`{3,}|~{3,})(.*)$")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*$")
_THEMATIC = re.compile(r" {0,3}((\*[ \t]*){3,}|(-[ \t]*){3,}|(_[ \t]*){3,})$")
_BLOCK_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|"
    "details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h1|"
    "h2|h3|h4|h5|h6|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|"
    "noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|"
    "thead|title|tr|track|ul"
)
_HTML_PATTERNS: list[tuple[str, str | None, bool]] = [
    # (start, end or None for "ends at a blank line", can it interrupt a paragraph)
    (r" {0,3}<(pre|script|style|textarea)(\s|>|$)", r"</(pre|script|style|textarea)>", True),
    (r" {0,3}<!--", r"-->", True),
    (r" {0,3}<\?", r"\?>", True),
    (r" {0,3}<![A-Za-z]", r">", True),
    (r" {0,3}<!\[CDATA\[", r"\]\]>", True),
    (rf" {{0,3}}</?({_BLOCK_TAGS})(\s|/?>|$)", None, True),
    (
        r" {0,3}(<[A-Za-z][A-Za-z0-9-]*"
        r"(\s+[A-Za-z_:][\w.:-]*(\s*=\s*([^\s\"'=<>`]+|'[^']*'|\"[^\"]*\"))?)*\s*/?>"
        r"|</[A-Za-z][A-Za-z0-9-]*\s*>)[ \t]*$",
        None,
        False,
    ),
]


@functools.cache
def _html_start() -> list[tuple[re.Pattern[str], re.Pattern[str] | None, bool]]:
    """Compiled on first use: most stage lines never start with `<`."""
    return [
        (re.compile(start, re.I), re.compile(end, re.I) if end else None, interrupts)
        for start, end, interrupts in _HTML_PATTERNS
    ]


_AI_DRAFT = re.compile(r"<!--\s*ai-draft\b.*?-->.*?(<!--\s*/ai-draft\s*-->|\Z)", re.S)
_COMMENT = re.compile(r"<!--.*?(-->|\Z)", re.S)
_TODO = re.compile(r"\bTODO\b")


@dataclass(frozen=True)
class Heading:
    """A top-level heading: its level, text and 1-based line."""

    level: int
    text: str
    line: int
    end_line: int


@dataclass(frozen=True)
class Section:
    """A `##` section: its heading and the raw text below it, up to the next `#`/`##`."""

    title: str
    line: int
    body: str
    body_line: int

    def filled_text(self) -> str:
        """The text that counts: without AI drafts, HTML comments and `TODO` placeholders."""
        return meaningful_text(self.body)

    def written_text(self) -> str:
        """What people wrote, verbatim: the body without AI drafts and HTML comments."""
        return _COMMENT.sub("", _AI_DRAFT.sub("", self.body)).strip("\n").rstrip()

    @property
    def is_filled(self) -> bool:
        """True when a person wrote something here (drafts and placeholders do not count)."""
        return bool(self.filled_text())

    @property
    def has_draft(self) -> bool:
        """True when the section holds an AI draft not yet accepted."""
        return bool(_AI_DRAFT.search(self.body))


@dataclass
class Document:
    """A parsed markdown file with optional YAML front matter."""

    text: str
    front_matter: str | None = None
    front_matter_line: int = 0
    front_matter_error: str | None = None
    body_start: int = 1
    headings: list[Heading] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    _index: dict[str, Section] | None = field(default=None, repr=False, compare=False)

    def section(self, title: str) -> Section | None:
        """The first section whose title matches, ignoring case and surrounding space."""
        if self._index is None:
            self._index = {}
            for section in self.sections:
                self._index.setdefault(normalize_title(section.title), section)
        return self._index.get(normalize_title(title))

    def duplicate_sections(self) -> list[Section]:
        """Sections whose title already appeared above (the later ones)."""
        seen: set[str] = set()
        duplicates = []
        for section in self.sections:
            key = normalize_title(section.title)
            if key in seen:
                duplicates.append(section)
            seen.add(key)
        return duplicates


def normalize_title(title: str) -> str:
    """Compare section titles without regard to case or spacing."""
    return " ".join(title.split()).casefold()


def meaningful_text(body: str) -> str:
    """Strip AI drafts, HTML comments and `TODO` placeholders; what is left is a person's."""
    if "<!--" in body:
        body = _COMMENT.sub("", _AI_DRAFT.sub("", body))
    if "TODO" in body:
        body = _TODO.sub("", body)
    return body.strip()


def blank_out(text: str, pattern: re.Pattern[str]) -> str:
    """Replace each match with spaces, keeping newlines, so offsets and lines stay valid."""
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def without_drafts_and_comments(text: str) -> str:
    """Blank out AI drafts and HTML comments, keeping every line where it was."""
    return blank_out(blank_out(text, _AI_DRAFT), _COMMENT)


def split_lines(text: str) -> list[str]:
    """Lines as CommonMark sees them: `\\n`, `\\r\\n` and lone `\\r` end a line."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def parse(text: str) -> Document:
    """Parse front matter and top-level headings; never raises on any input."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = split_lines(text)
    doc = Document(text=text)
    start = _front_matter(lines, doc)
    doc.body_start = start + 1
    doc.headings = _headings(lines, start)
    _sections(lines, doc)
    return doc


def _front_matter(lines: list[str], doc: Document) -> int:
    """Return the index of the first body line."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            doc.front_matter = "\n".join(lines[1:index]) + "\n"
            doc.front_matter_line = 2
            return index + 1
    doc.front_matter_error = "front matter opened with '---' on line 1 is never closed"
    return 0


def _headings(lines: list[str], start: int) -> list[Heading]:
    headings: list[Heading] = []
    fence: tuple[str, int] | None = None
    html_end: re.Pattern[str] | None = None
    in_html_until_blank = False
    paragraph: list[tuple[int, str]] = []

    for index in range(start, len(lines)):
        line = lines[index]
        if "\t" in line:
            line = line.expandtabs(4)
        number = index + 1
        if fence is None and html_end is None and not in_html_until_blank:
            # Most lines are plain prose: nothing can start there but a paragraph line.
            first = line.lstrip(" ")[:1]
            if first and first not in _BLOCK_STARTERS and len(line) - len(line.lstrip(" ")) < 4:
                paragraph.append((number, line))
                continue
        if fence is not None:
            match = re.match(r" {0,3}(`{3,}|~{3,})[ \t]*$", line)
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= fence[1]:
                fence = None
            continue
        if html_end is not None:
            if html_end.search(line):
                html_end = None
            continue
        if in_html_until_blank:
            if not line.strip():
                in_html_until_blank = False
            continue
        if not line.strip():
            paragraph = []
            continue
        indented = len(line) - len(line.lstrip(" ")) >= 4
        if indented:
            if paragraph:
                paragraph.append((number, line))
            continue
        if paragraph and _SETEXT.match(line):
            level = 1 if line.strip()[0] == "=" else 2
            text = " ".join(part.strip() for _, part in paragraph)
            headings.append(Heading(level, text, paragraph[0][0], number))
            paragraph = []
            continue
        if _THEMATIC.match(line):
            paragraph = []
            continue
        atx = _ATX.match(line)
        if atx:
            level = len(atx.group(1))
            headings.append(Heading(level, (atx.group(2) or "").strip(), number, number))
            paragraph = []
            continue
        fence_open = _FENCE_OPEN.match(line)
        if fence_open and not (fence_open.group(1)[0] == "`" and "`" in fence_open.group(2)):
            fence = (fence_open.group(1)[0], len(fence_open.group(1)))
            paragraph = []
            continue
        html = _html_block(line, interrupting=bool(paragraph))
        if html is not None:
            paragraph = []
            if isinstance(html, str):
                in_html_until_blank = True
            elif not html.search(line[line.index("<") + 1 :]):
                html_end = html
            continue
        paragraph.append((number, line))
    return headings


def _html_block(line: str, *, interrupting: bool) -> re.Pattern[str] | str | None:
    """The end condition of an HTML block starting on ``line``, or None if none starts."""
    if "<" not in line[:4]:
        return None
    for start, end, can_interrupt in _html_start():
        if start.match(line) and (can_interrupt or not interrupting):
            return end if end is not None else "blank"
    return None


def _sections(lines: list[str], doc: Document) -> None:
    tops = [h for h in doc.headings if h.level <= 2]
    for position, heading in enumerate(tops):
        if heading.level != 2:
            continue
        end = tops[position + 1].line - 1 if position + 1 < len(tops) else len(lines)
        body_first = heading.end_line + 1
        body = "\n".join(lines[body_first - 1 : end])
        doc.sections.append(Section(heading.text, heading.line, body, body_first))
