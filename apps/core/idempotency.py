"""`Idempotency-Key` for POSTs that create money-moving or scored records.

The first request with a key reserves it (its own committed row), then does the work and stores the
response in one database transaction: the answer is kept exactly when the work committed. A repeat with
the same body gets the stored response and creates nothing. A repeat while the first is still running
waits briefly, then gets 409. The same key with a different body is 422. If the work fails (nothing of
it committed), the reservation is released so the client can retry; a deadlock is retried here first.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable

from django.db import IntegrityError, OperationalError, transaction
from rest_framework.response import Response

from .db import DEADLOCK_ATTEMPTS, deadlock_pause, is_retryable
from .models import IdempotencyKey

HEADER = "HTTP_IDEMPOTENCY_KEY"
WAIT_FOR_FIRST_SECONDS = 5.0


def _error(status: int, kind: str, detail: str) -> Response:
    from .context import current_request_id

    return Response({"type": kind, "detail": detail, "request_id": current_request_id()}, status=status)


def idempotent(request, scope: str, work: Callable[[], Response]) -> Response:
    key = request.META.get(HEADER, "").strip()
    if not key:
        return work()
    if len(key) > 255:
        return _error(400, "invalid_idempotency_key", "The Idempotency-Key header is longer than 255 characters.")
    body_hash = hashlib.sha256(json.dumps(request.data, sort_keys=True, default=str).encode()).hexdigest()
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(owner=request.user, key=key, scope=scope, request_hash=body_hash)
    except IntegrityError:
        return _replay(request.user, scope, key, body_hash)
    for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                response = work()
                if response.status_code >= 500 or response.status_code == 409:
                    raise _NotKept(response)  # whatever the work wrote is rolled back with it
                IdempotencyKey.objects.filter(pk=record.pk).update(
                    status_code=response.status_code, response_body=response.data
                )
            return response
        except _NotKept as not_kept:
            IdempotencyKey.objects.filter(pk=record.pk).delete()
            return not_kept.response
        except OperationalError as exc:
            if is_retryable(exc) and attempt < DEADLOCK_ATTEMPTS:
                deadlock_pause(attempt)
                continue
            IdempotencyKey.objects.filter(pk=record.pk).delete()
            raise
        except BaseException:
            IdempotencyKey.objects.filter(pk=record.pk).delete()
            raise
    raise AssertionError("unreachable")


class _NotKept(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _replay(user, scope: str, key: str, body_hash: str) -> Response:
    deadline = time.monotonic() + WAIT_FOR_FIRST_SECONDS
    while True:
        record = IdempotencyKey.objects.filter(owner=user, scope=scope, key=key).first()
        if record is None:
            return _error(409, "idempotency_retry", "The first request with this key failed; send it again.")
        if record.request_hash != body_hash:
            return _error(422, "idempotency_key_reused", "This Idempotency-Key was used with a different request.")
        if record.status_code is not None:
            response = Response(record.response_body, status=record.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        if time.monotonic() >= deadline:
            return _error(409, "idempotency_in_progress", "A request with this key is still being processed.")
        time.sleep(0.05)
