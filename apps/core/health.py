"""Is each dependency reachable? Used by /health/ (load balancers, `make run`, operators)."""

from __future__ import annotations

import time
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection


def _timed(check):
    start = time.perf_counter()
    try:
        detail = check()
        ok = True
    except Exception as exc:  # noqa: BLE001 - a health check reports every failure, whatever it is
        ok, detail = False, f"{type(exc).__name__}: {exc}"[:300]
    return {"ok": ok, "ms": round((time.perf_counter() - start) * 1000, 1), **({"detail": detail} if detail else {})}


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def check_broker():
    from celery import current_app as app

    if app.conf.task_always_eager:
        return "eager (tasks run in-process)"
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        return conn.transport_cls if isinstance(conn.transport_cls, str) else conn.transport.driver_type


def check_storage():
    name = default_storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as fh:
            if fh.read() != b"ok":
                raise OSError("storage returned different bytes")
    finally:
        default_storage.delete(name)
    return type(default_storage._wrapped).__name__


def run_checks() -> dict:
    checks = {"database": _timed(check_database), "broker": _timed(check_broker), "storage": _timed(check_storage)}
    return {"status": "ok" if all(c["ok"] for c in checks.values()) else "fail", "checks": checks}
