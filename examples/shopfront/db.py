"""A small fixed-size pool of SQLite connections, shared by every request handler."""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

SCHEMA = """
CREATE TABLE IF NOT EXISTS products (
    sku TEXT PRIMARY KEY, name TEXT NOT NULL, price_cents INTEGER NOT NULL, stock INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id TEXT NOT NULL, sku TEXT NOT NULL,
    qty INTEGER NOT NULL, amount_cents INTEGER NOT NULL, status TEXT NOT NULL,
    payment_id TEXT, created_at REAL NOT NULL
);
INSERT OR IGNORE INTO products VALUES ('MUG-01', 'Enamel mug', 1800, 500);
INSERT OR IGNORE INTO products VALUES ('TEE-02', 'Logo T-shirt', 2400, 300);
"""


class PoolExhausted(RuntimeError):
    """No connection became free within the acquire timeout."""


class ConnectionPool:
    def __init__(self, path: str, size: int = 20, acquire_timeout_s: float = 2.0) -> None:
        self.size = size
        self.acquire_timeout_s = acquire_timeout_s
        self._idle: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._in_use = 0
        self._lock = threading.Lock()
        for _ in range(size):
            conn = sqlite3.connect(path, timeout=10.0, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            self._idle.put(conn)
        with self.connection() as conn:
            conn.executescript(SCHEMA)

    @property
    def in_use(self) -> int:
        return self._in_use

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """Borrow a connection for the ``with`` block; commit on success, roll back on error."""
        started = time.monotonic()
        try:
            conn = self._idle.get(timeout=self.acquire_timeout_s)
        except queue.Empty:
            waited = time.monotonic() - started
            raise PoolExhausted(
                f"no database connection available within {waited:.1f}s "
                f"({self._in_use}/{self.size} in use)"
            ) from None
        with self._lock:
            self._in_use += 1
        try:
            yield conn
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            with self._lock:
                self._in_use -= 1
            self._idle.put(conn)
