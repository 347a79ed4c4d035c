"""Foundation benchmarks (`make bench`). Prints its figures; copy them to docs/benchmarks.md.

Runs on a throw-away test database of whichever backend DATABASE_URL selects (SQLite by default):
- audit events written per second, one transaction each (the cost every service pays);
- GET /api/v1/me/ with token authentication, in-process (Django test client, no network): p50/p95;
- the permission-filtered team list (guardian subquery) with 1,000 teams: p50/p95 and query count.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chequecloud.settings.test")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> None:
    from django.test import Client

    from apps.accounts import services
    from apps.accounts.choices import Role
    from apps.accounts.models import User
    from apps.accounts.selectors import team_list_for
    from apps.core.services import audit_record
    from tests.factories import make_user

    print(f"database: {connection.vendor}   python: {sys.version.split()[0]}   cores: {os.cpu_count()}")

    admin = make_user(Role.ADMIN, email="bench-admin@bank.test", mfa=True)

    n = 2000
    start = time.perf_counter()
    for i in range(n):
        with transaction.atomic():
            audit_record(actor=admin, action="bench.write", after={"i": i})
    elapsed = time.perf_counter() - start
    print(f"audit events: {n / elapsed:,.0f} writes/s ({n} single-row transactions, {elapsed:.2f} s)")

    client_user = make_user(Role.INTEGRATION, email="bench-feed@bank.test")
    _, key = services.api_token_create(actor=admin, user=client_user, name="bench", scopes=["read"])
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    for _ in range(20):
        client.get("/api/v1/me/")
    samples = []
    for _ in range(500):
        t0 = time.perf_counter()
        response = client.get("/api/v1/me/")
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    print(f"GET /api/v1/me/ (token, in-process): p50 {pct(samples, 50):.2f} ms, p95 {pct(samples, 95):.2f} ms")

    for i in range(1000):
        services.team_create(actor=admin, name=f"Team {i:04d}")
    member = User.objects.create_user(email="bench-analyst@bank.test")
    from django.contrib.auth.models import Group

    member.groups.add(Group.objects.get(name=Role.ANALYST), *Group.objects.filter(name__startswith="team:")[:50])
    member = User.objects.get(pk=member.pk)
    samples = []
    for _ in range(200):
        member = User.objects.get(pk=member.pk)  # drop permission caches: every request starts cold
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            rows = list(team_list_for(member)[:25])
        samples.append((time.perf_counter() - t0) * 1000)
    assert len(rows) == 25
    print(
        f"team list for a member of 50 of 1,000 teams (first page): p50 {pct(samples, 50):.2f} ms, "
        f"p95 {pct(samples, 95):.2f} ms, {len(queries)} queries"
    )


if __name__ == "__main__":
    main()
