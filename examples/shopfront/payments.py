"""Client for the card payment provider: one charge per order, with bounded retries."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("shopfront.payments")


class PaymentDeclined(Exception):
    """The provider refused the card; retrying will not help."""


class ProviderUnavailable(Exception):
    """The provider timed out or failed on every attempt within the budget."""


class _Retryable(Exception):
    pass


@dataclass(frozen=True)
class Charge:
    id: str
    status: str


class PaymentsClient:
    """Charges cards through the provider's ``POST /v1/charges``.

    ``budget_s`` bounds the whole call, retries and backoff included; each attempt gets
    ``timeout_s`` or whatever is left of the budget, whichever is less. 2.31.0 allowed 4
    attempts of 5 s with no overall limit, so one charge could take 21 s against a slow
    provider. Retries are safe: the provider deduplicates on the Idempotency-Key header.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 3.0,
        max_attempts: int = 2,
        budget_s: float = 6.0,
        backoff_s: float = 0.25,
        retry_on_timeout: Callable[[], bool] = lambda: True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.max_attempts = max_attempts
        self.budget_s = budget_s
        self.backoff_s = backoff_s
        self._retry_on_timeout = retry_on_timeout

    def charge(self, order_id: int, amount_cents: int, *, idempotency_key: str) -> Charge:
        body = json.dumps({"amount": amount_cents, "currency": "usd", "reference": order_id})
        started = time.monotonic()
        deadline = started + self.budget_s
        attempts = self.max_attempts if self._retry_on_timeout() else 1
        attempt, last_error = 0, "budget exhausted before the first attempt"
        while attempt < attempts:
            remaining = deadline - time.monotonic()
            if remaining < 0.1:
                break
            attempt += 1
            try:
                return self._post(body.encode(), idempotency_key, min(self.timeout_s, remaining))
            except _Retryable as exc:
                last_error = str(exc)
                log.warning("charge order-%s attempt %d/%d: %s", order_id, attempt, attempts, exc)
            if attempt < attempts:
                pause = self.backoff_s * 2 ** (attempt - 1)
                time.sleep(max(0.0, min(pause, deadline - time.monotonic())))
        elapsed = time.monotonic() - started
        raise ProviderUnavailable(
            f"charge order-{order_id}: {attempt} attempt(s) in {elapsed:.1f}s, last: {last_error}"
        )

    def _post(self, body: bytes, idempotency_key: str, timeout: float) -> Charge:
        request = urllib.request.Request(
            f"{self.base_url}/v1/charges",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Idempotency-Key": idempotency_key},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                data = json.load(response)
        except urllib.error.HTTPError as exc:
            if exc.code == 402:
                raise PaymentDeclined(exc.read().decode(errors="replace")) from exc
            if exc.code >= 500:
                raise _Retryable(f"provider answered {exc.code}") from exc
            raise
        except (TimeoutError, urllib.error.URLError) as exc:
            raise _Retryable(f"no answer within {timeout:.1f}s ({exc})") from exc
        return Charge(id=data["id"], status=data["status"])
