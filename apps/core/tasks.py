import socket

from celery import shared_task
from django.db import connection


@shared_task(name="apps.core.tasks.ping")
def ping(nonce: str) -> dict:
    """Round trip through a real worker: echoes the nonce, says which host and database served it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"nonce": nonce, "host": socket.gethostname(), "db": connection.vendor, "db_ok": one == 1}
