"""Open a local HTML file in real headless Chromium and record what the page did.

Talks the DevTools protocol over `--remote-debugging-pipe` (NUL-separated JSON on file
descriptors 3 and 4), so no websocket library or network port is needed. It records every
request the page made, console messages, exceptions and browser log entries (where
Content-Security-Policy violations show up), and takes screenshots and a PDF print.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-pipe",
)


@dataclass
class PageRun:
    """What happened while a page loaded and was inspected."""

    requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions, failed loads and error-level log entries."""
        return [*self.console, *self.exceptions, *self.failed_requests, *self.log]


class Browser:
    """One headless Chromium process with one page, driven over the DevTools pipe."""

    def __init__(self, profile: Path) -> None:
        assert CHROMIUM is not None
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # Chromium reads the pipe from fd 3 and writes to fd 4. Our ends move above 4 first
        # so that placing one cannot overwrite the other.
        r, w = _above_four(to_browser_r), _above_four(from_browser_w)
        devnull = os.devnull
        self._pid = os.posix_spawn(
            CHROMIUM,
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_OPEN, 2, devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_DUP2, r, 3),
                (os.POSIX_SPAWN_DUP2, w, 4),
            ],
        )
        os.close(r)
        os.close(w)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=self.session)

    def close(self) -> None:
        """Stop the browser."""
        with contextlib.suppress(OSError, RuntimeError, TimeoutError):
            self.call("Browser.close")
        deadline = time.monotonic() + 10
        while os.waitpid(self._pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
                break
            time.sleep(0.05)
        os.close(self._to_browser)
        os.close(self._from_browser)

    def call(self, method: str, *, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer, keeping the events that arrive meanwhile."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive(timeout=60)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self._events.append(reply)

    def page(self, method: str, **params: Any) -> dict[str, Any]:
        """A command to the page's session."""
        return self.call(method, session=self.session, **params)

    def open(self, url: str, *, width: int, height: int, mobile: bool) -> PageRun:
        """Load ``url`` at a viewport size and record what it did until it settled."""
        self.page(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=mobile,
        )
        self._events.clear()
        self.page("Page.navigate", url=url)
        self._wait_for("Page.loadEventFired", timeout=30)
        self._drain(seconds=0.5)  # late console messages and violation reports
        return self._run()

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (DevTools is not bound by CSP)."""
        result = self.page("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def screenshot(self, path: Path) -> tuple[int, int]:
        """A PNG of the whole page (beyond the viewport); returns its CSS size."""
        metrics = self.page("Page.getLayoutMetrics")["cssContentSize"]
        width, height = int(metrics["width"]), int(metrics["height"])
        shot = self.page(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        )
        path.write_bytes(base64.b64decode(shot["data"]))
        return width, height

    def print_pdf(self, path: Path) -> bytes:
        """Print the page as the browser's print dialog would (A4, print media)."""
        pdf = self.page("Page.printToPDF", paperWidth=8.27, paperHeight=11.69, printBackground=True)
        data = base64.b64decode(pdf["data"])
        path.write_bytes(data)
        return data

    def _run(self) -> PageRun:
        run = PageRun()
        for event in self._events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Network.requestWillBeSent":
                run.requests.append(params["request"]["url"])
            elif method == "Network.loadingFailed":
                run.failed_requests.append(
                    f"load failed: {params.get('errorText')} {params.get('blockedReason', '')}"
                )
            elif method == "Runtime.consoleAPICalled" and params.get("type") in (
                "error",
                "warning",
                "assert",
            ):
                texts = [str(arg.get("value", arg.get("description"))) for arg in params["args"]]
                run.console.append(f"console.{params['type']}: {' '.join(texts)}")
            elif method == "Runtime.exceptionThrown":
                run.exceptions.append(str(params["exceptionDetails"].get("text")))
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                entry = params["entry"]
                run.log.append(f"{entry['source']} {entry['level']}: {entry['text']}")
        return run

    def _wait_for(self, method: str, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not any(event.get("method") == method for event in self._events):
            self._events.append(self._receive(timeout=deadline - time.monotonic()))

    def _drain(self, *, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                self._events.append(self._receive(timeout=left))
            except TimeoutError:
                return

    def _receive(self, *, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium exited")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        parsed: dict[str, Any] = json.loads(message)
        return parsed


def _above_four(fd: int) -> int:
    """Move ``fd`` to a number of 5 or more, away from the 3 and 4 the child needs."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 5)
    os.close(fd)
    return moved
