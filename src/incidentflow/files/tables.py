"""GitHub-flavoured markdown tables, as the postmortem's action items are written."""

from __future__ import annotations

import re

from incidentflow.records import Record

_PIPE = re.compile(r"(?<!\\)\|")  # a cell separator, not an escaped `\|`
_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")


class Row(Record):
    """A body row: its cells in column order (as many as the header has), and its 1-based
    line in the file."""

    __slots__ = ("_cells", "columns", "line", "values")

    def __init__(self, values: list[str], line: int, columns: list[str]) -> None:
        self.values = values
        self.line = line
        self.columns = columns
        self._cells: dict[str, str] | None = None  # built on first use

    @property
    def cells(self) -> dict[str, str]:
        """The cells by column name; of columns named alike, the last one's."""
        if self._cells is None:
            self._cells = dict(zip(self.columns, self.values, strict=True))
        return self._cells


class Table(Record):
    """The first table in a block of text."""

    __slots__ = ("columns", "line", "rows")

    def __init__(self, columns: list[str], rows: list[Row], line: int) -> None:
        self.columns = columns
        self.rows = rows
        self.line = line

    def position(self, column: str) -> int:
        """Where the cells of ``column`` are in each row's values; of columns named alike,
        the last (as `Row.cells` has it)."""
        return len(self.columns) - 1 - self.columns[::-1].index(column)


def split_row(line: str) -> list[str]:
    """Cells of one table line; `\\|` stays a literal pipe inside a cell."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    if "\\" not in text:
        return list(map(str.strip, text.split("|")))
    return [cell.strip().replace("\\|", "|") for cell in _PIPE.split(text)]


def first_table(text: str, *, first_line: int) -> Table | None:
    """Find the first table (header, delimiter row, body rows) in ``text``."""
    lines = text.split("\n")
    for index in range(len(lines) - 1):
        if "|" not in lines[index] or not _DELIMITER.match(lines[index + 1]):
            continue
        if "-" not in lines[index + 1]:
            continue
        columns = split_row(lines[index])
        width = len(columns)
        rows = []
        for offset, line in enumerate(lines[index + 2 :], start=first_line + index + 2):
            if "|" not in line:  # a blank line, or text: the table ended
                break
            cells = split_row(line)
            if len(cells) != width:  # padded, or cut as GitHub renders cells past the header
                cells = (cells + [""] * width)[:width]
            rows.append(Row(cells, offset, columns))
        return Table(columns, rows, first_line + index)
    return None
