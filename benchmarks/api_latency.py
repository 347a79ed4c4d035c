"""Single-transaction API latency under load: gunicorn (2 workers) on loopback, an open-loop load of
BENCH_RPS (default 100) requests per second for BENCH_SECONDS (default 20), each one POST
/api/v1/transactions/ (validated, scored, stored; one in 50 alerts and opens or joins a case). Latency
counts from the moment a request was due, so a stalled server cannot hide its queue (no coordinated
omission). With DATABASE_URL set, the server runs on a throw-away database on that server."""

from __future__ import annotations

import http.client
import json
import os
import queue
import random
import subprocess
import sys
import threading
import time

from common import ROOT, percentile, setup

PORT = int(os.environ.get("BENCH_PORT", "8765"))


def main() -> None:
    var = setup("api")
    from apps.accounts import services
    from apps.accounts.choices import Role
    from apps.accounts.models import User

    user = User.objects.create_user(email="bench-feed@bank.test")
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=Role.INTEGRATION))
    _, key = services.api_token_create(actor=None, user=user, name="bench", scopes=["read", "transactions:write"])

    env = {**os.environ, "CHEQUECLOUD_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "chequecloud.settings.local",
           "DEBUG": "0", "LOG_LEVEL": "WARNING"}  # fmt: skip
    from django.db import connection

    if connection.vendor != "sqlite":  # the server runs on the throw-away test database set up above
        base, _, _name = os.environ["DATABASE_URL"].rpartition("/")
        env["DATABASE_URL"] = f"{base}/{connection.settings_dict['NAME']}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "chequecloud.wsgi:application", "--workers", "2", "--bind",
         f"127.0.0.1:{PORT}", "--log-level", "warning", "--env", "DJANGO_SETTINGS_MODULE=chequecloud.settings.local"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        _wait_ready()
        rps = int(os.environ.get("BENCH_RPS", "100"))
        seconds = int(os.environ.get("BENCH_SECONDS", "20"))
        latencies, errors = _load(key, rps, seconds)
    finally:
        server.terminate()
        server.wait(timeout=20)
    ok = len(latencies)
    print(f"gunicorn 2 workers, {rps} req/s for {seconds} s: {ok:,} answered, {errors} errors")
    print(f"POST /api/v1/transactions/ latency: p50 {percentile(latencies, 50):.1f} ms, "
          f"p95 {percentile(latencies, 95):.1f} ms, p99 {percentile(latencies, 99):.1f} ms, "
          f"max {max(latencies):.1f} ms")  # fmt: skip


def _wait_ready() -> None:
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            conn.request("GET", "/health/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def _load(key: str, rps: int, seconds: int):
    due: queue.Queue = queue.Queue()
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def worker():
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        rng = random.Random()
        while (item := due.get()) is not None:
            scheduled, n = item
            # One in 50 is a large "gift card" payment: it alerts and opens or joins a case.
            amount = "12500.00" if n % 50 == 0 else f"{rng.uniform(1, 300):.2f}"
            body = json.dumps({"external_id": f"B{n}", "customer_ref": f"C{rng.randrange(500)}",
                               "terminal_id": f"T{rng.randrange(200)}", "amount": amount,
                               "description": "gift card" if n % 50 == 0 else "",
                               "occurred_at": "2026-03-04T12:00:00Z"})  # fmt: skip
            try:
                conn.request("POST", "/api/v1/transactions/", body,
                             {"Authorization": f"Token {key}", "Content-Type": "application/json"})  # fmt: skip
                response = conn.getresponse()
                response.read()
                done = time.perf_counter()
                with lock:
                    if response.status == 201:
                        latencies.append((done - scheduled) * 1000)
                    else:
                        errors += 1
            except OSError:
                with lock:
                    errors += 1
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)

    threads = [threading.Thread(target=worker) for _ in range(32)]
    for t in threads:
        t.start()
    start = time.perf_counter()
    for n in range(rps * seconds):
        at = start + n / rps
        while (now := time.perf_counter()) < at:
            time.sleep(min(at - now, 0.002))
        due.put((at, n))
    for _ in threads:
        due.put(None)
    for t in threads:
        t.join()
    return latencies, errors


if __name__ == "__main__":
    main()
