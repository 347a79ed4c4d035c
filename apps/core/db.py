"""Database helpers shared by services."""

from __future__ import annotations

import functools
import logging
import random
import re
import time
from decimal import Decimal

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


def db_datetime(value):
    """An aware datetime as the database stores it (what Django's own INSERT would send)."""
    from django.db import connection

    return connection.ops.adapt_datetimefield_value(value)


def db_datetimes(micros) -> list:
    """Times (numpy int64 µs since 1970, UTC) as the database stores them, a whole column at once.
    SQLite and MySQL/MariaDB store str() of the naive UTC time, which numpy formats far faster than
    one datetime at a time; other databases get each value through Django."""
    import numpy as np
    from django.conf import settings
    from django.db import connection

    if connection.vendor not in ("sqlite", "mysql") or not settings.USE_TZ or connection.timezone_name != "UTC":
        from datetime import UTC, datetime, timedelta

        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        return [db_datetime(epoch + timedelta(microseconds=int(v))) for v in micros]
    text = np.datetime_as_string(np.asarray(micros, dtype=np.int64).astype("datetime64[us]"), unit="us")
    whole = [s[:10] + " " + s[11:19] for s in text.tolist()]
    fraction = np.asarray(micros, dtype=np.int64) % 1_000_000
    if fraction.any():  # str(datetime) shows microseconds only when there are some
        for i in np.flatnonzero(fraction).tolist():
            whole[i] += text[i][19:]
    return whole


def insert_columns(model, rows: int, columns: dict, *, batch_size: int = 5000) -> None:
    """INSERT `rows` rows given column by column: `columns` maps each field name to a list of values as
    the database stores them (see `db_datetimes`; JSON as text) or to one value for every row. Fields
    left out are NULL. One `executemany` per batch (multi-row INSERTs on MySQL/MariaDB) and no model
    instance per row: the hot ingestion path. A test holds the stored rows equal to `bulk_create`'s."""
    if not rows:
        return
    from itertools import repeat

    from django.db import connections, router

    conn = connections[router.db_for_write(model)]
    ops = conn.ops
    fields = [model._meta.get_field(name) for name in columns]
    if any(isinstance(v, list) and len(v) != rows for v in columns.values()):
        raise ValueError("every column needs one value per row")
    values = [v if isinstance(v, list) else repeat(v, rows) for v in columns.values()]
    names = ", ".join(ops.quote_name(f.column) for f in fields)
    # Only quoted model metadata goes into the statement; every value is a bound parameter.
    sql = f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({names}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
    if conn.vendor == "mysql":
        _insert_mysql(conn, sql.partition(" VALUES ")[0], list(columns.values()), rows)
        return
    table = list(zip(*values, strict=False))  # the one-value columns repeat as far as the lists go
    with conn.cursor() as cursor:
        for start in range(0, rows, batch_size):
            cursor.executemany(sql, table[start : start + batch_size])


_PLAIN = re.compile(r"[0-9A-Za-z _:.+-]*")  # nothing here can end a quoted MySQL string or escape in it
_NUMBERS = re.compile(r"(?:-?[0-9]+(?:\.[0-9]+)?,)*")  # plain decimal numbers, each followed by a comma


def _escaped(literal, values, rows: int) -> list[bytes]:
    """One column's values as MySQL literals. A column of strings (or numbers) made only of plain
    characters (letters, digits, space and _:.+-, checked in one pass over the whole column) is quoted
    as it is; anything else goes through the driver's `literal()`, once per distinct value."""
    if not isinstance(values, list):
        return [literal(values)] * rows
    kinds = set(map(type, values))
    if kinds <= {str}:
        if _PLAIN.fullmatch("".join(values)):
            return [b"'" + v.encode() + b"'" for v in values]
    elif kinds <= {int, Decimal}:
        text = list(map(str, values))
        if _NUMBERS.fullmatch(",".join(text) + ","):
            return [v.encode() for v in text]
    memo: dict = {}
    return [memo[v] if v in memo else memo.setdefault(v, literal(v)) for v in values]


def _insert_mysql(conn, head: str, columns: list, rows: int, statement_bytes: int = 1 << 20) -> None:
    """MySQL/MariaDB: multi-row INSERTs of about 1 MiB, the values escaped a column at a time (see
    `_escaped`) rather than one by one as the driver's executemany does, which is most of its time."""
    conn.ensure_connection()
    literal = conn.connection.literal
    escaped = [_escaped(literal, values, rows) for values in columns]
    tuples = [b"(" + b",".join(row) + b")" for row in zip(*escaped, strict=True)]
    prefix = head.encode() + b" VALUES "
    with conn.cursor() as cursor:
        start = size = 0
        for i, t in enumerate(tuples):
            size += len(t) + 1
            if size >= statement_bytes:
                cursor.execute(prefix + b",".join(tuples[start : i + 1]))
                start, size = i + 1, 0
        if start < len(tuples):
            cursor.execute(prefix + b",".join(tuples[start:]))
