"""`incident report`: one incident on one page, for people who were not in the room."""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Repo, incident
from helpers_chromium import CHROMIUM, Browser
from helpers_example import TODAY, assert_golden, copy_example
from helpers_incident import app_file, build, new_incident, set_meta

from incidentflow.model.workspace import Workspace
from incidentflow.reports.digest import digest_incident
from incidentflow.reports.markdown_html import to_html
from incidentflow.reports.report import render_report

NEEDS_CHROMIUM = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install chromium; .ci/run installs it)",
)
# Tags and attributes that make a browser fetch something; plain <a href> links are fine.
RESOURCE_LOAD = re.compile(
    r"<(link|script|iframe|frame|img|object|embed|video|audio|source|track|input|base)\b"
    r"|<[^>]*\s(src|srcset|poster|background|data)\s*=",
    re.I,
)


def assert_loads_nothing(html: str) -> None:
    """No tag loads a resource, and the inline CSS imports nothing and uses no url()."""
    assert RESOURCE_LOAD.search(html) is None
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "@import" not in style and "url(" not in style


@pytest.mark.parametrize(("fmt", "golden"), [("markdown", "report.md"), ("text", "report.txt")])
def test_worked_example_golden(repo: Repo, fmt: str, golden: str) -> None:
    incident_id = copy_example(repo)
    result = incident("report", incident_id, "--format", fmt, "--today", TODAY)
    assert result.exit_code == 0, result.stderr
    assert_golden(golden, result.stdout)


def test_worked_example_html_golden(repo: Repo, tmp_path: Path) -> None:
    incident_id = copy_example(repo)
    out = tmp_path / "report.html"
    result = incident("report", incident_id, "-o", str(out), "--today", TODAY)
    assert result.exit_code == 0, result.stderr
    assert Path(result.stdout.strip()).resolve() == out.resolve()
    html = out.read_text(encoding="utf-8")
    assert_golden("report.html", html)


def example_html(repo: Repo) -> str:
    incident_id = copy_example(repo)
    result = incident("report", incident_id, "--format", "html", "--today", TODAY)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_html_is_self_contained(repo: Repo) -> None:
    html = example_html(repo)
    assert html.startswith("<!DOCTYPE html>\n")
    assert_loads_nothing(html)
    assert "<style>" in html and "<script" not in html.lower()
    csp = (
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">"
    )
    assert csp in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "@media print" in html and "@media (max-width: 36rem)" in html


def test_report_sections(repo: Repo) -> None:
    markdown = incident("report", copy_example(repo), "--today", TODAY).stdout
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings == [
        "## What happened",
        "## When",
        "## Who was affected",
        "## How it was contained",
        "## Key times (UTC)",
        "## Impact",
        "## Action items",
    ]
    assert "- **Time to detect:** 7m (started → detected)" in markdown
    assert "| Jonas Berg | 2026-11-26 | detect | overdue |" in markdown
    assert "| Daniel Okafor | 2026-11-20 | prevent | done |" in markdown


def test_durations_and_times_in_the_configured_timezone(repo: Repo) -> None:
    repo.write(".incident.yaml", "timezone: Europe/Berlin\n")
    incident_id = new_incident("Login fails")
    set_meta(repo, incident_id, "contained_at", '"2026-11-25T11:30:00+00:00"')
    set_meta(repo, incident_id, "resolved_at", '"2026-11-26T13:15:00+00:00"')
    text = incident("report", incident_id, "--format", "text").stdout
    assert "Key times (Europe/Berlin)\n" in text
    assert "Started    2026-11-25 11:00\n" in text  # 10:00 UTC is 11:00 in Berlin
    assert "Resolved   2026-11-26 14:15\n" in text
    assert "Time to detect:  5m        (started → detected)\n" in text
    assert "Time to contain: 1h 25m    (detected → contained)\n" in text
    assert "Time to resolve: 1d 3h     (started → resolved)\n" in text


def test_an_incident_without_a_summary_yet(repo: Repo) -> None:
    incident_id = new_incident("Search is slow", severity="SEV3")
    markdown = incident("report", incident_id).stdout
    assert "_The incident summary (stage 3) is not written yet" in markdown
    assert "| Contained | not yet |" in markdown
    assert "- **Time to contain:** not known yet (detected → contained)" in markdown
    assert "_None yet: action items come with the postmortem (stage 4)._" in markdown
    html = incident("report", incident_id, "--format", "html").stdout
    assert '<p class="note">The incident summary (stage 3) is not written yet' in html


HOSTILE_TITLE = 'Login <script>alert(1)</script> & "quotes" {{ 7 * 7 }}'
HOSTILE_TEXT = (
    "<img src=x onerror=alert(2)> went wrong; see [docs](javascript:alert(3)) and "
    "![chart](https://example.com/chart.png) and <https://status.example.com/x?a=1&b=2>."
)


def hostile_incident(repo: Repo) -> str:
    incident_id = new_incident(HOSTILE_TITLE)
    set_meta(repo, incident_id, "commander", '"<b>Eve</b>"')
    triage = repo.root / "incidents" / incident_id / "01-triage.md"
    text = triage.read_text(encoding="utf-8")
    text = re.sub(r"(## Impact\n\n<!--.*?-->\n)TODO", lambda m: m.group(1) + HOSTILE_TEXT, text)
    triage.write_text(text, encoding="utf-8")
    return incident_id


def test_user_text_in_html_is_escaped(repo: Repo) -> None:
    html = incident("report", hostile_incident(repo), "--format", "html").stdout
    assert (
        "<h1>Login &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quotes&#34; {{ 7 * 7 }}</h1>"
        in (html)
    )
    assert "<script" not in html and "<img" not in html and "<b>Eve" not in html
    assert "javascript:" not in html and "onerror=alert(2)&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt; went wrong; see docs and chart and " in html
    assert (
        '<a href="https://status.example.com/x?a=1&amp;b=2">'
        "https://status.example.com/x?a=1&amp;b=2</a>" in html
    )
    assert_loads_nothing(html)


def test_markdown_and_text_keep_user_text_literal(repo: Repo) -> None:
    incident_id = hostile_incident(repo)
    markdown = incident("report", incident_id).stdout
    assert markdown.startswith(f"# {HOSTILE_TITLE}\n")
    text = incident("report", incident_id, "--format", "text").stdout
    assert text.startswith(f"{HOSTILE_TITLE}\n{'=' * len(HOSTILE_TITLE)}\n")


def test_output_file_format_from_its_extension(repo: Repo) -> None:
    incident_id = new_incident()
    for name, start in [
        ("r.html", "<!DOCTYPE html>"),
        ("r.txt", "Checkout API 500s\n====="),
        ("r.md", "# Checkout API 500s"),
    ]:
        result = incident("report", incident_id, "-o", name)
        assert result.exit_code == 0, result.stderr
        assert result.stdout == f"{name}\n"
        assert (repo.root / name).read_text(encoding="utf-8").startswith(start)
    result = incident("report", incident_id, "-o", "r.txt", "--format", "markdown")
    assert (repo.root / "r.txt").read_text(encoding="utf-8").startswith("# Checkout")


def test_unwritable_output(repo: Repo) -> None:
    incident_id = new_incident()
    result = incident("report", incident_id, "-o", "missing/dir/r.html")
    assert result.exit_code == 2
    assert result.stderr == "error: cannot write missing/dir/r.html: No such file or directory\n"


def test_bad_format_is_a_usage_error(repo: Repo) -> None:
    new_incident()
    result = incident("report", "--format", "pdf")
    assert result.exit_code == 2
    assert "'pdf' is not one of 'markdown', 'text', 'html'" in result.stderr


def test_a_repository_can_override_the_report_template(repo: Repo) -> None:
    repo.write(".incident.yaml", "templates_dir: .incident-templates\n")
    repo.write(
        ".incident-templates/report/report.md.j2",
        "{{ incident.severity }} {{ incident.title }}: {{ incident.status }}\n",
    )
    new_incident()
    assert incident("report").stdout == "SEV2 Checkout API 500s: active\n"


def test_core_function_without_the_cli(repo: Repo) -> None:
    incident_id = copy_example(repo)
    workspace = Workspace.open(repo.root)
    report = workspace.report(incident_id)
    workspace.git.close()
    digest = digest_incident(report, workspace.config, today=dt.date(2026, 12, 31))
    assert [row.state for row in digest.actions] == ["done"] + ["overdue"] * 5
    assert [d.shown for d in digest.durations] == ["7m", "22m", "2h 38m"]
    assert render_report(digest, config=workspace.config, fmt="markdown").count("| overdue |") == 5


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("plain & <b>", "<p>plain &amp; &lt;b&gt;</p>"),
        ("**bold** and *em* and _em_ and snake_case_name", None),
        ("a `code <x>` span", "<p>a <code>code &lt;x&gt;</code> span</p>"),
        (
            "- one\n- two\n  - nested",
            "<ul>\n<li>one</li>\n<li>two\n<ul>\n<li>nested</li>\n</ul>\n</li>\n</ul>",
        ),
        ("Intro:\n- a\n- b", "<p>Intro:</p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
        ("3. three\n4. four", '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>'),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("```\n<x>\n```", "<pre><code>&lt;x&gt;\n</code></pre>"),
        ("### Sub", "<h5>Sub</h5>"),
        ("[t](https://a.example/b_(c))", '<p><a href="https://a.example/b_(c)">t</a></p>'),
        ("[t](data:text/html,x)", "<p>t</p>"),
        ("[t](javascript:alert(1))", "<p>t</p>"),
        (
            "see https://status.example.com/x",
            '<p>see <a href="https://status.example.com/x">https://status.example.com/x</a></p>',
        ),
        ("<script>x</script>", "<p>&lt;script&gt;x&lt;/script&gt;</p>"),
        ("![alt](https://a.example/i.png)", "<p>alt</p>"),
        ("| A | B |\n|---|---|\n| 1 \\| 2 | x |", None),
        ("\\*not em\\*", "<p>*not em*</p>"),
    ],
)
def test_markdown_to_html(markdown: str, html: str | None) -> None:
    rendered = to_html(markdown)
    if html is not None:
        assert rendered == html
    elif markdown.startswith("**"):
        assert rendered == (
            "<p><strong>bold</strong> and <em>em</em> and <em>em</em> and snake_case_name</p>"
        )
    else:
        assert rendered == (
            '<div class="table"><table>\n<thead>\n<tr>\n<th>A</th>\n<th>B</th>\n</tr>\n</thead>\n'
            "<tbody>\n<tr>\n<td>1 | 2</td>\n<td>x</td>\n</tr>\n</tbody>\n</table></div>"
        )


# --- In a real browser -----------------------------------------------------------------


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    chrome = Browser(tmp_path / "profile")
    yield chrome
    chrome.close()


def screenshot_dir(tmp_path: Path) -> Path:
    """Where screenshots go: $REPORT_SCREENSHOTS when set (to look at them), else tmp."""
    target = Path(os.environ.get("REPORT_SCREENSHOTS") or tmp_path / "shots")
    target.mkdir(parents=True, exist_ok=True)
    return target


@NEEDS_CHROMIUM
def test_html_report_in_chromium(repo: Repo, tmp_path: Path, browser: Browser) -> None:
    page = tmp_path / "report.html"
    page.write_text(example_html(repo), encoding="utf-8")
    shots = screenshot_dir(tmp_path)
    for name, width, height, mobile in [("phone", 390, 844, True), ("desktop", 1280, 900, False)]:
        run = browser.open(page.as_uri(), width=width, height=height, mobile=mobile)
        assert run.errors == []
        assert run.requests == [page.as_uri()]  # nothing else was even attempted
        assert browser.evaluate("document.querySelector('h1').textContent") == (
            "Checkout API returning 500s"
        )
        assert browser.evaluate("document.querySelectorAll('main section').length") == 7
        # Nothing is wider than the screen: no sideways scrolling on a phone.
        assert browser.evaluate("document.documentElement.scrollWidth") <= width
        png = shots / f"report-{name}.png"
        shot_width, shot_height = browser.screenshot(png)
        assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        assert shot_width == width and shot_height > height
    # On a phone the action items table becomes one card per row, labels before values.
    browser.open(page.as_uri(), width=390, height=844, mobile=True)
    assert (
        browser.evaluate("getComputedStyle(document.querySelector('table.stack tr')).display")
        == "block"
    )
    assert (
        browser.evaluate(
            "getComputedStyle(document.querySelector('table.stack td[data-label]'), '::before')"
            ".content"
        )
        == '"Owner: "'
    )
    pdf = browser.print_pdf(shots / "report.pdf")
    assert pdf.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert 1 <= pages <= 4


PDFTOTEXT = shutil.which("pdftotext")
LONG_ACTIONS = 8


def printed_pages(browser: Browser, page: Path, *, paper: tuple[float, float]) -> list[str]:
    """The text of each page of the page printed to PDF (size in inches), via pdftotext."""
    assert PDFTOTEXT is not None
    width, height = paper
    pdf = browser.page(
        "Page.printToPDF", paperWidth=width, paperHeight=height, printBackground=True
    )
    path = page.with_suffix(".pdf")
    path.write_bytes(base64.b64decode(pdf["data"]))
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]


def pages_with(pages: list[str], words: str) -> list[int]:
    return [number for number, text in enumerate(pages) if words in text]


@NEEDS_CHROMIUM
@pytest.mark.skipif(
    PDFTOTEXT is None, reason="pdftotext is not installed (apt-get install poppler-utils)"
)
def test_printed_key_times_and_action_items_are_never_split(
    repo: Repo, tmp_path: Path, browser: Browser
) -> None:
    """Print with ever longer text before the key times, so that a page break falls at each
    point of them and of the action items in turn: each stays whole on one page."""
    app_file(repo)
    incident_id = new_incident()
    build(repo, incident_id, through=4)
    postmortem = repo.root / "incidents" / incident_id / "04-postmortem.md"
    rows = "".join(
        f"| Item{i}begins {'and goes on ' * 25}item{i}ends | ana | 2026-12-15 | prevent |\n"
        for i in range(LONG_ACTIONS)
    )
    text = postmortem.read_text(encoding="utf-8")
    postmortem.write_text(re.sub(r"(\| Reject empty carts[^\n]*\n)", r"\g<1>" + rows, text))
    summary = repo.root / "incidents" / incident_id / "03-summary.md"
    written = summary.read_text(encoding="utf-8")
    page = tmp_path / "report.html"
    key_times_start_a_page = 0
    for step in range(10):
        padding = "The checkout page kept failing while we looked. " * (12 * step)
        summary.write_text(written.replace("Checkout failed for", padding + "Checkout failed for"))
        result = incident("report", incident_id, "-o", str(page), "--today", TODAY)
        assert result.exit_code == 0, result.stderr
        browser.open(page.as_uri(), width=1000, height=800, mobile=False)
        pages = printed_pages(browser, page, paper=(8.27, 11.69))  # A4
        (first,) = pages_with(pages, "Started") or [None]
        assert first is not None, step
        assert pages_with(pages, "Resolved") == pages_with(pages, "Time to resolve") == [first]
        key_times_start_a_page += pages[first].lstrip().startswith("Key times")
        for i in range(LONG_ACTIONS):
            begins = pages_with(pages, f"Item{i}begins")
            assert len(begins) == 1 and begins == pages_with(pages, f"item{i}ends"), (step, i)
    # A page break did fall where the key times were, at least once: they moved to the next.
    assert key_times_start_a_page


@NEEDS_CHROMIUM
def test_hostile_text_stays_text_in_chromium(repo: Repo, tmp_path: Path, browser: Browser) -> None:
    page = tmp_path / "hostile.html"
    page.write_text(
        incident("report", hostile_incident(repo), "--format", "html").stdout, encoding="utf-8"
    )
    run = browser.open(page.as_uri(), width=390, height=844, mobile=True)
    assert run.errors == []
    assert run.requests == [page.as_uri()]
    assert browser.evaluate("document.querySelector('h1').textContent") == HOSTILE_TITLE
    assert browser.evaluate("document.scripts.length + document.images.length") == 0


@NEEDS_CHROMIUM
def test_the_browser_check_catches_requests_and_errors(tmp_path: Path, browser: Browser) -> None:
    """The checks above can fail: a page that loads things and logs errors is caught."""
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><head>"
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'">'
        '<link rel="stylesheet" href="https://example.invalid/x.css"></head>'
        '<body><h1>x</h1><img src="http://127.0.0.1:9/x.png"></body></html>',
        encoding="utf-8",
    )
    run = browser.open(page.as_uri(), width=390, height=844, mobile=True)
    assert run.requests[1:] == ["https://example.invalid/x.css", "http://127.0.0.1:9/x.png"]
    assert any("Content Security Policy" in line for line in run.log)
    assert run.errors
