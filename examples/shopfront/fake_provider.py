"""A stand-in for the card payment provider, with a latency you can turn up.

python fake_provider.py --port 8099 --delay 0.3
curl -X POST localhost:8099/admin/delay -d 8      # the provider slows down
"""

from __future__ import annotations

import argparse
import contextlib
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

state = {"delay_s": 0.3}
charges: dict[str, dict[str, str]] = {}
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/admin/delay":
            state["delay_s"] = float(raw or 0)
            return self._send(200, {"delay_s": state["delay_s"]})
        if self.path != "/v1/charges":
            return self._send(404, {"error": "not found"})
        time.sleep(state["delay_s"])
        amount = json.loads(raw)["amount"]
        if amount > 500_000:
            return self._send(402, {"error": "card_declined"})
        key = self.headers.get("Idempotency-Key") or uuid.uuid4().hex
        with lock:
            charge = charges.setdefault(key, {"id": f"ch_{uuid.uuid4().hex[:16]}", "status": "ok"})
        self._send(200, charge)

    def _send(self, code: int, payload: dict[str, object]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # The client may have given up waiting, as it does when --delay exceeds its timeout.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--delay", type=float, default=0.3, help="seconds per charge")
    args = parser.parse_args()
    state["delay_s"] = args.delay
    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()
