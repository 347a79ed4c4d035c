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


def bulk_insert(objs: list, *, batch_size: int = 2000) -> None:
    """INSERT unsaved model instances with one `executemany` per batch, converting only the values the
    database needs converted (dates, JSON). For hot ingestion paths where Django's `bulk_create`
    spends most of its time preparing SQL; the objects get no primary key (use `bulk_create` for the
    rows whose ids you need). A test holds the stored rows equal to `bulk_create`'s."""
    if not objs:
        return
    from django.db import connections, models, router

    model = type(objs[0])
    conn = connections[router.db_for_write(model)]
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField | models.SmallAutoField))
    ]
    ops = conn.ops

    def converter(field):
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return lambda obj, f=field: f.get_db_prep_save(f.pre_save(obj, True), conn)
        name = field.attname
        if isinstance(field, models.DateTimeField):
            return lambda obj: ops.adapt_datetimefield_value(getattr(obj, name))
        if isinstance(field, models.JSONField):
            return lambda obj, enc=field.encoder: ops.adapt_json_value(getattr(obj, name), enc)
        if isinstance(field, models.CharField | models.TextField | models.IntegerField | models.BooleanField
                      | models.DecimalField | models.ForeignKey):  # fmt: skip
            return lambda obj: getattr(obj, name)
        return lambda obj, f=field: f.get_db_prep_save(getattr(obj, f.attname), conn)

    convert = [converter(f) for f in fields]
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    # Only quoted model metadata goes into the statement; every value is a bound parameter.
    sql = f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608
    with conn.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            cursor.executemany(sql, [tuple(c(o) for c in convert) for o in objs[start : start + batch_size]])
