"""Shopfront's checkout API: a WSGI app served by wsgiref, one thread per request.

python app.py --provider http://127.0.0.1:8099      # see README.md
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from db import ConnectionPool
from flags import Flags
from payments import PaymentDeclined, PaymentsClient, ProviderUnavailable

log = logging.getLogger("shopfront")


class OutOfStock(Exception):
    pass


class Shop:
    def __init__(self, pool: ConnectionPool, payments: PaymentsClient) -> None:
        self.pool = pool
        self.payments = payments

    def products(self) -> list[dict[str, Any]]:
        with self.pool.connection() as conn:
            rows = conn.execute("SELECT sku, name, price_cents, stock FROM products").fetchall()
        return [{"sku": s, "name": n, "price_cents": p, "stock": q} for s, n, p, q in rows]

    def place_order(self, customer_id: str, sku: str, qty: int) -> dict[str, Any]:
        # 1. Reserve the stock and record a pending order, in one short transaction.
        with self.pool.connection() as conn:
            row = conn.execute("SELECT price_cents FROM products WHERE sku = ?", (sku,)).fetchone()
            taken = conn.execute(
                "UPDATE products SET stock = stock - ? WHERE sku = ? AND stock >= ?",
                (qty, sku, qty),
            ).rowcount
            if row is None or not taken:
                raise OutOfStock(sku)
            amount = row[0] * qty
            order_id = conn.execute(
                "INSERT INTO orders (customer_id, sku, qty, amount_cents, status, created_at)"
                " VALUES (?, ?, ?, ?, 'pending', ?)",
                (customer_id, sku, qty, amount, time.time()),
            ).lastrowid
        assert order_id is not None
        # 2. Charge the card with no pool connection held. Until 2.31.1 this call ran inside
        #    the `with` block above, so each checkout kept a connection for as long as the
        #    provider and our retries took, and a slow provider emptied the pool
        #    (incidents/2026-11-12-checkout-api-returning-500s/).
        try:
            charge = self.payments.charge(order_id, amount, idempotency_key=f"order-{order_id}")
        except (PaymentDeclined, ProviderUnavailable):
            # 3a. Put the stock back and mark the order failed.
            with self.pool.connection() as conn:
                conn.execute("UPDATE products SET stock = stock + ? WHERE sku = ?", (qty, sku))
                conn.execute("UPDATE orders SET status = 'failed' WHERE id = ?", (order_id,))
            raise
        # 3b. Record the payment.
        with self.pool.connection() as conn:
            conn.execute(
                "UPDATE orders SET status = 'paid', payment_id = ? WHERE id = ?",
                (charge.id, order_id),
            )
        return {"order_id": order_id, "status": "paid", "amount_cents": amount}


StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def make_app(shop: Shop) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        status = "200 OK"
        body: dict[str, Any] = {}
        try:
            if method == "GET" and path == "/healthz":
                body = {"ok": True, "pool_in_use": shop.pool.in_use, "pool_size": shop.pool.size}
            elif method == "GET" and path == "/products":
                body = {"products": shop.products()}
            elif method == "POST" and path == "/checkout":
                size = int(environ.get("CONTENT_LENGTH") or 0)
                req = json.loads(environ["wsgi.input"].read(size) or b"{}")
                qty = int(req.get("qty", 1))
                if qty < 1:
                    raise ValueError("qty must be at least 1")
                body = shop.place_order(str(req["customer_id"]), str(req["sku"]), qty)
                status = "201 Created"
            else:
                status, body = "404 Not Found", {"error": "not found"}
        except (KeyError, ValueError) as exc:
            status, body = "400 Bad Request", {"error": f"bad request: {exc}"}
        except OutOfStock as exc:
            status, body = "409 Conflict", {"error": f"out of stock: {exc}"}
        except PaymentDeclined:
            status, body = "402 Payment Required", {"error": "card declined"}
        except ProviderUnavailable as exc:
            log.warning("%s %s: %s", method, path, exc)
            status = "502 Bad Gateway"
            body = {"error": "payment provider unavailable; you have not been charged"}
        except Exception:
            log.exception("%s %s failed", method, path)
            status, body = "500 Internal Server Error", {"error": "internal error"}
        payload = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json")])
        return [payload]

    return app


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if str(code).startswith("5"):
            super().log_request(code, size)


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the shopfront checkout API.")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--db", default="shopfront.db")
    parser.add_argument("--flags", default="flags.json")
    parser.add_argument("--provider", default="http://127.0.0.1:8099")
    parser.add_argument("--pool-size", type=int, default=20)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    flags = Flags(args.flags)
    payments = PaymentsClient(
        args.provider, retry_on_timeout=lambda: flags.enabled("payments_retry_on_timeout")
    )
    shop = Shop(ConnectionPool(args.db, size=args.pool_size), payments)
    server = make_server("", args.port, make_app(shop), ThreadingWSGIServer, QuietHandler)
    log.info("shopfront listening on :%d (pool size %d)", args.port, args.pool_size)
    server.serve_forever()


if __name__ == "__main__":
    main()
