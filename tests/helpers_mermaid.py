"""Draw Mermaid charts with mermaid.js itself, in headless Chromium, and read what it drew.

The page loads the pinned `mermaid` npm package from tests/node (see helpers_node) and runs
`mermaid.parse` and `mermaid.render` on each chart, as GitHub's and GitLab's viewers do, then
puts the SVG into the page and reads back the task labels, the title and the axis ticks.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers_chromium import Browser
from helpers_node import MERMAID_JS

_FENCED = re.compile(r"^```mermaid\n(.*?)\n```$", re.S | re.M)

_RENDER = """
(async (charts) => {
  mermaid.initialize({startOnLoad: false, securityLevel: "strict"});
  const results = [];
  for (const [index, chart] of charts.entries()) {
    const box = document.createElement("div");
    document.body.appendChild(box);
    try {
      await mermaid.parse(chart);
      const {svg} = await mermaid.render("chart" + index, chart);
      box.innerHTML = svg;
      const texts = (selector) =>
        [...box.querySelectorAll(selector)].map((node) => node.textContent);
      results.push({
        error: null,
        tasks: texts("text[class*=taskText]"),
        sections: texts("text[class*=sectionTitle]"),
        title: texts("text.titleText"),
        ticks: texts(".tick text"),
      });
    } catch (error) {
      results.push({error: String((error && error.message) || error)});
    }
  }
  return results;
})(%s)
"""


@dataclass
class Drawn:
    """What mermaid made of one chart: its error, or the text it drew."""

    error: str | None
    tasks: list[str]
    sections: list[str]
    title: list[str]
    ticks: list[str]


def chart_source(markdown: str) -> str:
    """The text of the one ```mermaid block in ``markdown``."""
    (source,) = _FENCED.findall(markdown)
    return str(source)


def draw(browser: Browser, tmp_path: Path, charts: list[str]) -> list[Drawn]:
    """Parse and render each chart in one page; one result per chart, in order."""
    page = tmp_path / "mermaid.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f'<script src="{MERMAID_JS.as_uri()}"></script></head><body></body></html>',
        encoding="utf-8",
    )
    run = browser.open(page.as_uri(), width=1200, height=800, mobile=False)
    assert run.errors == [], run.errors
    reply: dict[str, Any] = browser.page(
        "Runtime.evaluate",
        expression=_RENDER % json.dumps(charts),
        awaitPromise=True,
        returnByValue=True,
        timeout=120_000,
    )
    assert "exceptionDetails" not in reply, reply
    return [
        Drawn(
            error=item["error"],
            tasks=item.get("tasks", []),
            sections=item.get("sections", []),
            title=item.get("title", []),
            ticks=item.get("ticks", []),
        )
        for item in reply["result"]["value"]
    ]
