"""Database helpers shared by services."""

from __future__ import annotations

import functools
import logging
import random
import time

from django.db import OperationalError, connection

logger = logging.getLogger(__name__)

# MySQL/MariaDB: 1213 deadlock (the transaction was rolled back), 1205 lock wait timeout.
RETRYABLE_CODES = {1213, 1205}


def is_retryable(exc: OperationalError) -> bool:
    return bool(exc.args) and exc.args[0] in RETRYABLE_CODES


def retry_on_deadlock(fn=None, *, attempts: int = 4):
    """Run a service that owns its transaction again when InnoDB chose it as a deadlock victim (the
    whole transaction was rolled back, so running it again is safe). Inside a caller's transaction it
    re-raises instead: only the outermost transaction can be retried."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            outermost = not connection.in_atomic_block
            for attempt in range(1, attempts + 1):
                try:
                    return func(*args, **kwargs)
                except OperationalError as exc:
                    if not outermost or not is_retryable(exc) or attempt == attempts:
                        raise
                    logger.info("%s: %s; retrying (attempt %s)", func.__qualname__, exc, attempt + 1)
                    time.sleep(random.uniform(0, 0.02 * 2**attempt))
            raise AssertionError("unreachable")

        return wrapper

    return decorate(fn) if fn is not None else decorate
