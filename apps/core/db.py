"""Database helpers shared by services."""

from __future__ import annotations

import functools
import logging
import random
import re
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from itertools import chain

from django.db import OperationalError, connection

logger = logging.getLogger(__name__)

# MySQL/MariaDB: 1213 deadlock (the transaction was rolled back), 1205 lock wait timeout.
RETRYABLE_CODES = {1213, 1205}
DEADLOCK_ATTEMPTS = 4


def is_retryable(exc: BaseException) -> bool:
    """A deadlock or lock wait: the transaction did nothing and may simply run again (SQLite: a database
    locked beyond its busy timeout)."""
    if not isinstance(exc, OperationalError) or not exc.args:
        return False
    first = exc.args[0]
    return first in RETRYABLE_CODES or (isinstance(first, str) and "database is locked" in first)


def deadlock_pause(attempt: int) -> None:
    time.sleep(random.uniform(0, 0.02 * 2**attempt))


def retry_on_deadlock(fn=None, *, attempts: int = DEADLOCK_ATTEMPTS):
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
                    deadlock_pause(attempt)
            raise AssertionError("unreachable")

        return wrapper

    return decorate(fn) if fn is not None else decorate


class CompiledQuery:
    """A queryset's SQL built by the ORM once per database, then run with new parameters.

    For the few queries every API request makes: building the SQL costs the ORM about twenty times
    what running it costs the database (a user's permissions: 0.9 ms against 46 µs). `build` is called
    once with one marker per declared parameter type (int, str or datetime) and returns a
    `values_list()` queryset; each marker must reach the SQL as a parameter of its own. `rows(...)`
    then runs that SQL with the values given in the markers' places and returns the rows as the ORM
    would (its converters applied: decimals, aware datetimes, decrypted fields).
    """

    def __init__(self, build, *kinds: type) -> None:
        if any(kind not in _MARKERS for kind in kinds):
            raise TypeError(f"parameter types must be among {sorted(k.__name__ for k in _MARKERS)}")
        self.build, self.kinds = build, kinds
        self._compiled: dict[tuple[str, str], tuple] = {}  # (alias, vendor) -> SQL, parameter slots, compiler

    def _compile(self, conn):
        markers = [_MARKERS[kind](i) for i, kind in enumerate(self.kinds)]
        compiler = self.build(*markers).query.get_compiler(connection=conn)
        sql, params = compiler.as_sql()
        adapted = [_adapt(conn, marker) for marker in markers]
        slots = [(adapted.index(p), None) if p in adapted else (None, p) for p in params]
        if sorted(i for i, _ in slots if i is not None) != list(range(len(markers))):
            raise ValueError("each parameter must reach the SQL once, unchanged (not inside LIKE or IN)")
        # The compiler is kept for its converters, which read only settings (the time zone), so any
        # thread's connection to this database may use them.
        converters = compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]])
        compiled = self._compiled[conn.alias, conn.vendor] = (sql, slots, compiler, converters)
        return compiled

    def rows(self, *values, using: str = "default") -> list[tuple]:
        from django.db import connections

        conn = connections[using]
        sql, slots, compiler, converters = self._compiled.get((using, conn.vendor)) or self._compile(conn)
        params = [fixed if i is None else _adapt(conn, values[i]) for i, fixed in slots]
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        width = compiler.col_count
        rows = compiler.apply_converters(fetched, converters) if converters else fetched
        return [tuple(row[:width]) for row in rows]


_MARKERS = {
    int: lambda i: -7_345_019_000 - i,
    str: lambda i: f"\x1fparameter {i}\x1f",
    datetime: lambda i: datetime(1901, 2, 3, 4, 5, i, 678901, tzinfo=UTC),
}


def _adapt(conn, value):
    """A parameter as the ORM sends it to this database."""
    if isinstance(value, datetime):
        return conn.ops.adapt_datetimefield_value(value)
    return value


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
        from datetime import timedelta

        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        return [db_datetime(epoch + timedelta(microseconds=int(v))) for v in micros]
    text = np.datetime_as_string(np.asarray(micros, dtype=np.int64).astype("datetime64[us]"), unit="us")
    whole = [s[:10] + " " + s[11:19] for s in text.tolist()]
    fraction = np.asarray(micros, dtype=np.int64) % 1_000_000
    if fraction.any():  # str(datetime) shows microseconds only when there are some
        for i in np.flatnonzero(fraction).tolist():
            whole[i] += text[i][19:]
    return whole


def insert_columns(model, rows: int, columns: dict) -> None:
    """INSERT `rows` rows given column by column: `columns` maps each field name to a list of values as
    the database stores them (see `db_datetimes`; JSON as text) or to one value for every row. Fields
    left out are NULL. No model instance per row: the hot ingestion path. A test holds the stored rows
    equal to `bulk_create`'s."""
    prepare_insert(model, rows, columns).run()


@dataclass
class PreparedInsert:
    """An INSERT worked out (values converted and escaped) but not run: `run()` may be called later,
    from another thread with its own connection to the same database."""

    alias: str
    sql: str = ""
    table: list = field(default_factory=list)  # SQLite and others: executemany's rows
    statements: list = field(default_factory=list)  # whole INSERTs: MySQL/MariaDB text, SQLite (sql, params)

    def run(self, batch_size: int = 5000) -> None:
        from django.db import connections

        conn = connections[self.alias]
        with conn.cursor() as cursor:
            for statement in self.statements:
                if isinstance(statement, tuple):  # SQLite, already in its own "?" style: Django's
                    with conn.wrap_database_errors:  # rewrite of "%s" would cost ms per statement
                        sqlite3.Cursor.execute(cursor.cursor, *statement)
                else:
                    cursor.execute(statement)
            for start in range(0, len(self.table), batch_size):
                cursor.executemany(self.sql, self.table[start : start + batch_size])


def prepare_insert(model, rows: int, columns: dict) -> PreparedInsert:
    """`insert_columns` up to the point of running: one `executemany` per batch, or on MySQL/MariaDB
    multi-row INSERTs of about 1 MiB with the values escaped a column at a time."""
    from itertools import repeat

    from django.db import connections, router

    alias = router.db_for_write(model)
    if not rows:
        return PreparedInsert(alias)
    conn = connections[alias]
    ops = conn.ops
    fields = [model._meta.get_field(name) for name in columns]
    if any(isinstance(v, list) and len(v) != rows for v in columns.values()):
        raise ValueError("every column needs one value per row")
    names = ", ".join(ops.quote_name(f.column) for f in fields)
    head = f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({names})"
    if conn.vendor == "mysql":
        return PreparedInsert(alias, statements=_mysql_statements(conn, head, list(columns.values()), rows))
    values = [v if isinstance(v, list) else repeat(v, rows) for v in columns.values()]
    table = list(zip(*values, strict=False))  # one-value columns repeat
    if conn.vendor == "sqlite":
        return PreparedInsert(alias, statements=_sqlite_statements(conn, head, table, len(fields)))
    # Only quoted model metadata goes into the statement; every value is a bound parameter.
    sql = f"{head} VALUES ({', '.join(['%s'] * len(fields))})"
    return PreparedInsert(alias, sql=sql, table=table)


def _sqlite_statements(conn, head: str, table: list[tuple], width: int) -> list[tuple[str, list]]:
    """SQLite: multi-row INSERTs with as many rows as its bound-parameter limit allows (32,766 values
    since 3.32), every value a parameter. The driver binds them in one C loop and lets go of the GIL
    while SQLite inserts the rows, so a writer thread overlaps the next chunk's scoring; executemany
    instead takes the GIL back for every row. Statements of full size share one text, which the
    driver compiles once per connection."""
    conn.ensure_connection()
    limit = conn.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per = max(1, limit // width)
    one = "(" + ",".join(["?"] * width) + ")"
    statements = []
    for start in range(0, len(table), per):
        part = table[start : start + per]
        # Only quoted model metadata goes into the statement; every value is a bound parameter.
        statements.append((f"{head} VALUES {','.join([one] * len(part))}", list(chain.from_iterable(part))))
    return statements


_PLAIN = re.compile(r"[0-9A-Za-z _:.+-]*")  # nothing here can end a quoted MySQL string or escape in it
_NUMBERS = re.compile(r"(?:-?[0-9]+(?:\.[0-9]+)?,)*")  # plain decimal numbers, each followed by a comma


def _escaped(literal, values, rows: int) -> list[str]:
    """One column's values as MySQL literals. A column of strings (or numbers) made only of plain
    characters (letters, digits, space and _:.+-, checked in one pass over the whole column) is quoted
    as it is; anything else goes through the driver's `literal()`, once per distinct value."""

    def one(value) -> str:
        return literal(value).decode(encoding)

    encoding = literal.__self__.encoding
    if not isinstance(values, list):
        return [one(values)] * rows
    kinds = set(map(type, values))
    if kinds <= {str}:
        if _PLAIN.fullmatch("".join(values)):
            return ["'" + v + "'" for v in values]
    elif kinds <= {int, Decimal}:
        text = list(map(str, values))
        if _NUMBERS.fullmatch(",".join(text) + ","):
            return text
    memo: dict = {}
    return [memo[v] if v in memo else memo.setdefault(v, one(v)) for v in values]


def _mysql_statements(conn, head: str, columns: list, rows: int, statement_bytes: int = 1 << 20) -> list[bytes]:
    """MySQL/MariaDB: multi-row INSERTs of about 1 MiB, the values escaped a column at a time (see
    `_escaped`) rather than one by one as the driver's executemany does, which is most of its time.
    Every value in the text went through `_escaped`: the driver's own escaping, or checked plain."""
    conn.ensure_connection()
    literal = conn.connection.literal
    escaped = [_escaped(literal, values, rows) for values in columns]
    tuples = ["(" + ",".join(row) + ")" for row in zip(*escaped, strict=True)]
    encoding = conn.connection.encoding
    statements = []
    start = size = 0
    for i, t in enumerate(tuples):
        size += len(t) + 1
        if size >= statement_bytes or i == len(tuples) - 1:
            statements.append(f"{head} VALUES {','.join(tuples[start : i + 1])}".encode(encoding))
            start, size = i + 1, 0
    return statements
