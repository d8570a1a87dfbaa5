"""Split a stage file into front matter and `##` sections, the way a CommonMark reader would.

Only top-level ATX and setext headings start sections. Lines inside fenced code blocks and
HTML blocks (comments included) are never headings, so a prompt that quotes earlier stages
inside a fence cannot add or hide sections. Nested containers (block quotes, list items) are
not parsed: a heading there is indented or prefixed and so is not seen as top-level. Where
each top-level list item starts is kept too, so a tool that adds an item (the changelog) puts
it where a renderer sees a list, not inside a comment or a fence.
"""

from __future__ import annotations

import functools
import re

from incidentflow.records import Record

# First characters (after up to 3 spaces) of setext underlines, thematic breaks and list items.
_OTHER_STARTERS = frozenset("=-*_+0123456789")
_NOT_PLAIN = frozenset("#<`~>") | _OTHER_STARTERS  # what a line of paragraph text can't start with
_QUOTE = re.compile(r" {0,3}> ?")
_LIST_MARKER = re.compile(r"( {0,3})([-+*]|\d{1,9}[.)])(?= |$)")
_FENCE_CLOSE = re.compile(r" {0,3}(`{3,}|~{3,})[ \t]*$")
_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*))?$")
_ATX_CLOSING = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
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
_BLOCK_TAG_NAMES = frozenset(_BLOCK_TAGS.split("|"))
_RAW_TAGS = frozenset({"pre", "script", "style", "textarea"})
_RAW_ENDS = ("</pre>", "</script>", "</style>", "</textarea>")
_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_COMMENT_END = ("-->",)


@functools.cache
def _complete_tag() -> re.Pattern[str]:
    """HTML block type 7 (a lone complete tag); compiled only if ever needed."""
    return re.compile(
        r" {0,3}(<[A-Za-z][A-Za-z0-9-]*"
        r"(\s+[A-Za-z_:][\w.:-]*(\s*=\s*([^\s\"'=<>`]+|'[^']*'|\"[^\"]*\"))?)*\s*/?>"
        r"|</[A-Za-z][A-Za-z0-9-]*\s*>)[ \t]*$"
    )


_AI_DRAFT = re.compile(r"<!--\s*ai-draft\b.*?-->.*?(<!--\s*/ai-draft\s*-->|\Z)", re.S)
_TODO = re.compile(r"\bTODO\b")


class Heading(Record):
    """A top-level heading: its level, text and 1-based line."""

    __slots__ = ("end_line", "level", "line", "text")

    def __init__(self, level: int, text: str, line: int, end_line: int) -> None:
        self.level = level
        self.text = text
        self.line = line
        self.end_line = end_line


class Section(Record):
    """A `##` section: its heading and the raw text below it, up to the next `#`/`##`."""

    __slots__ = ("_filled", "body", "body_line", "line", "title")

    def __init__(self, title: str, line: int, body: str, body_line: int) -> None:
        self.title = title
        self.line = line
        self.body = body
        self.body_line = body_line
        self._filled: str | None = None  # computed on first use

    def filled_text(self) -> str:
        """The text that counts: without AI drafts, HTML comments and `TODO` placeholders."""
        if self._filled is None:
            self._filled = meaningful_text(self.body)
        return self._filled

    def written_text(self) -> str:
        """What people wrote, verbatim: the body without AI drafts and HTML comments."""
        return without_drafts_and_comments(self.body, blanked=False).strip("\n").rstrip()

    @property
    def is_filled(self) -> bool:
        """True when a person wrote something here (drafts and placeholders do not count)."""
        return bool(self.filled_text())

    @property
    def has_draft(self) -> bool:
        """True when the section holds an AI draft not yet accepted."""
        return bool(_AI_DRAFT.search(self.body))


class Document(Record):
    """A parsed markdown file with optional YAML front matter."""

    __slots__ = (
        "_index",
        "body_start",
        "front_matter",
        "front_matter_error",
        "headings",
        "list_items",
        "sections",
        "text",
    )

    def __init__(self, text: str) -> None:
        self.text = text
        self.front_matter: str | None = None
        self.front_matter_error: str | None = None
        self.body_start = 1
        self.headings: list[Heading] = []
        self.list_items: list[int] = []  # 1-based first lines of top-level list items
        self.sections: list[Section] = []
        self._index: dict[str, Section] | None = None  # built by section()

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


@functools.lru_cache(maxsize=1024)
def normalize_title(title: str) -> str:
    """Compare section titles without regard to case or spacing."""
    return " ".join(title.split()).casefold()


def meaningful_text(body: str) -> str:
    """Strip AI drafts, HTML comments and `TODO` placeholders; what is left is a person's."""
    if "<!--" in body:  # drafts and comments both start with it
        body = without_drafts_and_comments(body, blanked=False)
    if "TODO" in body:
        body = _TODO.sub("", body)
    return body.strip()


def _comments(text: str) -> list[tuple[int, int]]:
    """Where each HTML comment starts and ends; one never closed runs to the end.

    A comment is ``<!--`` up to the first ``-->`` after it, found with ``str.find`` (this
    runs for every section).
    """
    spans = []
    start = text.find("<!--")
    while start != -1:
        end = text.find("-->", start + 4)
        end = len(text) if end == -1 else end + 3
        spans.append((start, end))
        start = text.find("<!--", end)
    return spans


def blank_out(text: str, pattern: re.Pattern[str]) -> str:
    """Replace each match with spaces, keeping newlines, so offsets and lines stay valid."""
    return pattern.sub(_spaces, text)


def _spaces(match: re.Match[str]) -> str:
    return blank(match.group(0))


def blank(text: str) -> str:
    """``text`` with every character but newlines made a space."""
    if "\n" not in text:
        return " " * len(text)
    return "\n".join(" " * len(line) for line in text.split("\n"))


def without_drafts_and_comments(text: str, *, blanked: bool = True) -> str:
    """AI drafts and HTML comments blanked out, keeping every line where it was; or, with
    ``blanked=False``, taken out."""
    if "<!--" not in text:  # drafts and comments both start with it
        return text
    if "ai-draft" in text:
        text = blank_out(text, _AI_DRAFT) if blanked else _AI_DRAFT.sub("", text)
    # The commonest case, a section's one guidance comment, without building span lists.
    start = text.find("<!--")
    end = text.find("-->", start + 4)
    if start != -1 and end != -1 and text.find("<!--", end + 3) == -1:
        end += 3
        return text[:start] + (blank(text[start:end]) if blanked else "") + text[end:]
    pieces, done = [], 0
    for start, end in _comments(text):
        pieces.append(text[done:start])
        if blanked:
            pieces.append(blank(text[start:end]))
        done = end
    return "".join(pieces) + text[done:]


def code_spans(text: str) -> list[tuple[int, int]]:
    """Where each inline code span's content starts and ends in ``text``.

    Paired as CommonMark pairs them: a run of backticks opens a span that the next run of
    exactly its length closes; a run that nothing closes is plain text. Linear in the text
    (a regex would retry every position and every later run).
    """
    runs: list[tuple[int, int]] = []  # (start, length) of each maximal run of backticks
    size = len(text)
    position = text.find("`")
    while position != -1:
        end = position + 1
        while end < size and text[end] == "`":
            end += 1
        runs.append((position, end - position))
        position = text.find("`", end)
    following = [-1] * len(runs)  # the next run of the same length, if any
    latest: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1]
        following[index] = latest.get(length, -1)
        latest[length] = index
    spans = []
    index = 0
    while index < len(runs):
        closer = following[index]
        if closer == -1:
            index += 1
            continue
        start, length = runs[index]
        spans.append((start + length, runs[closer][0]))
        index = closer + 1
    return spans


def split_lines(text: str) -> list[str]:
    """Lines as CommonMark sees them: `\\n`, `\\r\\n` and lone `\\r` end a line."""
    if "\r" in text:  # rare, and a replace that finds nothing still costs a scan
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


def parse(text: str) -> Document:
    """Parse front matter and top-level headings; never raises on any input."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = split_lines(text)
    doc = Document(text=text)
    start = _front_matter(lines, doc)
    doc.body_start = start + 1
    doc.headings = _headings(lines, start, doc.list_items)
    _sections(lines, doc)
    return doc


def _front_matter(lines: list[str], doc: Document) -> int:
    """Return the index of the first body line."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            doc.front_matter = "\n".join(lines[1:index]) + "\n"
            return index + 1
    doc.front_matter_error = "front matter opened with '---' on line 1 is never closed"
    return 0


def _headings(lines: list[str], start: int, items: list[int]) -> list[Heading]:
    """The top-level headings; the first line of each top-level list item goes to ``items``."""
    headings: list[Heading] = []
    fence: tuple[str, int] | None = None
    html_end: tuple[str, ...] | None = None
    in_html_until_blank = False
    paragraph: int | None = None  # index of the open paragraph's first line
    # Containers: a list item (its content indent) or a block quote. Headings inside them
    # are not top-level; their paragraphs may continue lazily on unindented lines.
    item_indent: int | None = None
    in_quote = False
    container_paragraph = False
    after_blank = False
    item_empty = False  # a list item whose first line is just its marker
    quote_depth = 0

    for index in range(start, len(lines)):
        line = lines[index]
        if not (fence or html_end or in_quote) and item_indent is None:
            # The commonest lines, at the top level: empty ones, and text that no block
            # starts with (a paragraph's, or an HTML block's that a blank line ends).
            if not line:
                paragraph = None
                in_html_until_blank = after_blank = False
                continue
            first = line[0]
            if first not in _NOT_PLAIN and not first.isspace():
                if paragraph is None and not in_html_until_blank:
                    paragraph = index
                after_blank = False
                continue
            # Next commonest, a template's own lines: a heading, a one-line comment.
            if not in_html_until_blank:
                if first == "#" and "\t" not in line:
                    atx = _atx_heading(line)
                    if atx is not None:
                        headings.append(Heading(atx[0], atx[1], index + 1, index + 1))
                        paragraph = None
                        after_blank = False
                        continue
                elif first == "<" and line.startswith("<!--") and line.find("-->", 1) != -1:
                    paragraph = None  # an HTML block that ends where it starts
                    after_blank = False
                    continue
        if "\t" in line:
            line = line.expandtabs(4)
        if fence is not None:
            # A closing fence has the fence character within its first four columns.
            if fence[0] in line[:4]:
                match = _FENCE_CLOSE.match(line)
                if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= fence[1]:
                    fence = None
            continue
        if html_end is not None:
            lowered = line.lower()
            for marker in html_end:
                if marker in lowered:
                    html_end = None
                    break
            continue
        stripped = line.lstrip(" ")
        blank = not stripped or stripped.isspace()
        if in_html_until_blank:
            if blank:
                in_html_until_blank = False
            continue
        indent = len(line) - len(stripped)

        if item_indent is not None or in_quote:
            if blank:
                in_quote = False
                container_paragraph = False
                after_blank = True
                if item_empty:
                    item_indent = None  # an item may start with at most one blank line
                continue
            if item_indent is not None and indent >= item_indent:
                content = line[item_indent:]
                setext = container_paragraph and _SETEXT.match(content)
                container_paragraph = not setext and _opens_paragraph(content)
                after_blank = False
                item_empty = False
                continue
            if in_quote and line.lstrip(" ").startswith(">"):
                # A quote goes on at any indentation once open (markdown-it's reading).
                marked = line.lstrip(" ")
                inner = _QUOTE.sub("", marked, count=1)
                setext = container_paragraph and _quote_depth(marked) == 1 and _SETEXT.match(inner)
                container_paragraph = not setext and _opens_paragraph(marked)
                quote_depth = _quote_depth(marked)
                continue
            sibling = item_indent is not None and _list_item(line, interrupting=False) is not None
            lazy = container_paragraph and not after_blank and not sibling
            if item_indent is None and quote_depth > 1 and indent >= 4:
                lazy = False  # markdown-it ends nested quotes at indented code
            # Inside a list item, indentation counts from the item's content column, so an
            # under-indented line is judged by its content (as markdown-it does).
            # In a block quote, even an empty list item ends the paragraph.
            probe = line.lstrip(" ") if item_indent is not None else line
            if lazy and not _starts_block(probe, interrupting=True, in_quote=item_indent is None):
                continue  # lazy continuation of the container's paragraph
            item_indent = None
            in_quote = False
            container_paragraph = False
        after_blank = False

        if blank:
            paragraph = None
            continue
        if indent >= 4:
            continue  # indented code, or a continuation of the open paragraph
        # Each block construct has its own first characters; try only those that can match.
        first = stripped[0]
        if first == "#":
            atx = _atx_heading(line)
            if atx is not None:
                headings.append(Heading(atx[0], atx[1], index + 1, index + 1))
                paragraph = None
                continue
        elif first == "<":
            if stripped.startswith("<!--"):
                html: tuple[str, ...] | str | None = _COMMENT_END  # the commonest
            else:
                html = _html_start(line, paragraph is not None)
            if html is not None:
                paragraph = None
                if isinstance(html, str):
                    in_html_until_blank = True
                else:
                    tail = stripped[1:].lower()
                    html_end = html  # unless it ends on its own line:
                    for marker in html:
                        if marker in tail:
                            html_end = None
                            break
                continue
        elif first in "`~":
            opened = _fence_opened(line)
            if opened is not None:
                fence = opened
                paragraph = None
                continue
        elif first == ">":
            in_quote = True
            quote_depth = _quote_depth(line)
            container_paragraph = _opens_paragraph(line)
            paragraph = None
            continue
        elif first in _OTHER_STARTERS:
            if paragraph is not None and first in "=-" and _SETEXT.match(line):
                text = " ".join(_expanded(part).strip() for part in lines[paragraph:index])
                level = 1 if first == "=" else 2
                headings.append(Heading(level, text, paragraph + 1, index + 1))
                paragraph = None
                continue
            if first in "-*_" and _THEMATIC.match(line):
                paragraph = None
                continue
            item = _list_item(line, interrupting=paragraph is not None)
            if item is not None:
                items.append(index + 1)
                item_indent = item
                item_empty = not line[item:].strip() if len(line) > item else True
                container_paragraph = _opens_paragraph(line)
                paragraph = None
                continue
        if paragraph is None:
            paragraph = index  # a paragraph opens (setext headings need its lines)
    return headings


def _expanded(line: str) -> str:
    return line.expandtabs(4) if "\t" in line else line


# Stage files repeat their template's lines (`## Impact`, `<details>`) from incident to
# incident: what a line opens depends on the line alone, so it is remembered.


@functools.lru_cache(maxsize=4096)
def _atx_heading(line: str) -> tuple[int, str] | None:
    """The level and text of an ATX heading line (tabs already expanded), or None."""
    atx = _ATX.match(line)
    if atx is None:
        return None
    title = (atx.group(2) or "").strip()
    if title.endswith("#"):
        title = _ATX_CLOSING.sub("", title).strip()
    return len(atx.group(1)), title


@functools.lru_cache(maxsize=4096)
def _html_start(line: str, interrupting: bool) -> tuple[str, ...] | str | None:
    return _html_block(line, interrupting=interrupting)


@functools.lru_cache(maxsize=4096)
def _fence_opened(line: str) -> tuple[str, int] | None:
    """The character and length of the fence ``line`` opens, or None."""
    found = _fence_open(line)
    return (found.group(1)[0], len(found.group(1))) if found else None


def _fence_open(line: str) -> re.Match[str] | None:
    """A code fence opening (a backtick fence's info string may not hold a backtick)."""
    match = _FENCE_OPEN.match(line)
    if match and match.group(1)[0] == "`" and "`" in match.group(2):
        return None
    return match


@functools.lru_cache(maxsize=4096)
def _quote_depth(line: str) -> int:
    """How many block quotes a line opens at its start (`>>` is two)."""
    depth = 0
    while match := _QUOTE.match(line):
        depth += 1
        line = line[match.end() :]
    return depth


@functools.lru_cache(maxsize=4096)
def _opens_paragraph(line: str) -> bool:
    """Whether ``line``, inside its containers (quotes, list items), is paragraph text."""
    while True:
        quote = _QUOTE.match(line)
        if quote:
            line = line[quote.end() :]
            continue
        item = _list_item(line, interrupting=False)
        if item is not None:
            line = line[item:] if len(line) > item else ""
            continue
        break
    if len(line) - len(line.lstrip(" ")) >= 4:
        return False  # indented code, not a paragraph
    return bool(line.strip()) and not _starts_block(line, interrupting=True)


def _list_item(line: str, *, interrupting: bool) -> int | None:
    """The content indent when ``line`` starts a list item, else None."""
    match = _LIST_MARKER.match(line)
    if match is None:
        return None
    rest = line[match.end() :]
    ordered = match.group(2)[0].isdigit()
    if interrupting and (not rest.strip() or (ordered and int(match.group(2)[:-1]) != 1)):
        return None  # cannot interrupt a paragraph: it is paragraph text
    spaces = len(rest) - len(rest.lstrip(" "))
    if not rest.strip() or spaces > 4:
        return match.end() + 1
    return match.end() + spaces


def _starts_block(line: str, *, interrupting: bool, in_quote: bool = False) -> bool:
    """Whether ``line`` opens a block that ends a paragraph (so it is no lazy continuation)."""
    if not line.strip():
        return True
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) >= 4:
        return False
    return bool(
        _THEMATIC.match(line)
        or _ATX.match(line)
        or _fence_open(line)
        or _QUOTE.match(line)
        or _list_item(line, interrupting=interrupting and not in_quote) is not None
        or _html_block(line, interrupting=interrupting) is not None
    )


def _html_block(line: str, *, interrupting: bool) -> tuple[str, ...] | str | None:
    """How an HTML block starting on ``line`` ends: at one of some strings, or at a blank line
    ("blank"); None if no HTML block starts (CommonMark's seven kinds, checked cheaply)."""
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3 or not stripped.startswith("<"):
        return None
    rest = stripped[1:]
    if rest.startswith("!--"):
        return _COMMENT_END
    if rest.startswith("?"):
        return ("?>",)
    if rest.startswith("![CDATA["):
        return ("]]>",)
    if rest[:1] == "!" and rest[1:2].isascii() and rest[1:2].isalpha():
        return (">",)
    closing = rest.startswith("/")
    named = rest[1:] if closing else rest
    match = _TAG_NAME.match(named)
    if match:
        name = match.group(0).lower()
        after = named[match.end() :]
        if (
            not closing
            and name in _RAW_TAGS
            and (not after or after[0].isspace() or after[0] == ">")
        ):
            return _RAW_ENDS
        if name in _BLOCK_TAG_NAMES and (
            not after or after[0].isspace() or after.startswith((">", "/>"))
        ):
            return "blank"
    if not interrupting and _complete_tag().match(line):
        return "blank"
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
