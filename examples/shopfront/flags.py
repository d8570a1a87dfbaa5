"""Feature flags read from a JSON file, so on-call can flip one without a deploy.

The file is re-read at most every ``ttl_s`` seconds; a flag missing from it falls back to
``DEFAULTS``. A file that cannot be read or parsed keeps the last good values.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

log = logging.getLogger("shopfront.flags")

DEFAULTS: dict[str, bool] = {
    # Retry a charge when the provider times out or answers 5xx (added in 2.31.0).
    "payments_retry_on_timeout": True,
    # Show the "pay later" option at checkout.
    "checkout_pay_later": False,
}


class Flags:
    def __init__(self, path: str | Path, ttl_s: float = 10.0) -> None:
        self._path = Path(path)
        self._ttl_s = ttl_s
        self._values: dict[str, bool] = dict(DEFAULTS)
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    def enabled(self, name: str) -> bool:
        with self._lock:
            if time.monotonic() - self._loaded_at >= self._ttl_s:
                self._reload()
            return self._values.get(name, DEFAULTS.get(name, False))

    def _reload(self) -> None:
        self._loaded_at = time.monotonic()
        try:
            data = json.loads(self._path.read_text())
        except FileNotFoundError:
            data = {}
        except (OSError, ValueError) as exc:
            log.warning("keeping previous flags: cannot read %s: %s", self._path, exc)
            return
        self._values = {**DEFAULTS, **{k: bool(v) for k, v in data.items()}}
