"""Case management benchmarks (`make bench`). Prints its figures; copy them to docs/benchmarks.md.

- Alert to visible in the queue: POST /api/v1/transactions/ with a transaction that alerts, then the
  analyst's GET /api/v1/cases/?customer_ref=… until the case is there; p50/p99 over 200 round trips.
- The queue page (/cases/, first page and page 500) and GET /api/v1/cases/ with 100,000 cases in the
  analyst's team (and 20,000 in another team, invisible to them): p50/p95 and queries per request.

In-process (Django's test client, no network or web server), on a throw-away database of whichever
backend DATABASE_URL selects (SQLite by default), with the settings of `make run`.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from common import percentile, setup

N_CASES = 100_000
N_OTHER = 20_000


def main() -> None:
    setup("cases")
    from django.contrib.auth.models import Permission
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from apps.accounts.choices import Role
    from apps.fraud.choices import PRIORITY_RANK
    from apps.fraud.models import Case, CaseGroupObjectPermission
    from tests.factories import make_team, make_user

    print(f"database: {connection.vendor}")
    team, other = make_team("Card fraud"), make_team("Zeta other team")
    analyst = make_user(Role.ANALYST, teams=[team], email="bench-analyst@bank.test")
    feed = make_user(Role.INTEGRATION, email="bench-feed@bank.test")

    # ---------------------------------------------------------------- 120,000 cases, guardian rows
    rng = random.Random(7)
    now = timezone.now()
    perms = list(Permission.objects.filter(content_type__app_label="fraud", codename__in=["view_case", "change_case"]))
    start = time.perf_counter()
    for owner, count, prefix in ((team, N_CASES, "B"), (other, N_OTHER, "O")):
        for lo in range(0, count, 5000):
            batch = []
            for i in range(lo, min(count, lo + 5000)):
                priority = rng.choice(list(PRIORITY_RANK))
                closed = rng.random() < 0.3
                batch.append(Case(
                    team=owner, title=f"Bench case {i}", subject=f"customer:{prefix}-{i}",
                    open_subject=None if closed else f"customer:{prefix}-{i}", customer_ref=f"{prefix}-{i}",
                    status="closed" if closed else rng.choice(["new", "in_review", "escalated"]),
                    priority=priority, priority_rank=PRIORITY_RANK[priority], amount=rng.randint(100, 50_000),
                    sla_due_at=now + timedelta(hours=rng.uniform(-48, 168)), alert_count=1,
                ))  # fmt: skip
            with transaction.atomic():
                created = Case.objects.bulk_create(batch)
                if not created[0].pk:
                    created = list(Case.objects.filter(subject__in=[c.subject for c in batch]))
                rows = [
                    CaseGroupObjectPermission(group_id=owner.group_id, permission=p, content_object=c)
                    for c in created
                    for p in perms
                ]
                CaseGroupObjectPermission.objects.bulk_create(rows)
    print(f"loaded {N_CASES:,} + {N_OTHER:,} cases in {time.perf_counter() - start:.1f} s")

    web = Client(HTTP_HOST="127.0.0.1")
    web.force_login(analyst)

    def timed(url: str, runs: int = 40) -> tuple[float, float, int]:
        web.get(url)  # warm-up
        times = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                response = web.get(url)
                times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        return percentile(times, 50), percentile(times, 95), len(queries)

    for label, url in (
        ("queue page 1", "/cases/"),
        ("queue page 500", "/cases/?page=500"),
        ("queue, priority=critical", "/cases/?priority=critical"),
        ("API /cases/ page 1", "/api/v1/cases/"),
        ("API /cases/ page 100 of 100", "/api/v1/cases/?page=100&page_size=500"),
    ):
        p50, p95, n = timed(url)
        print(f"{label:<30} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   {n} queries")

    # ---------------------------------------------------------------- alert → visible in the queue
    api = Client(HTTP_HOST="127.0.0.1")
    api.force_login(feed)
    lat = []
    for i in range(200):
        ref = f"LAT-{i}"
        body = {"customer_ref": ref, "amount": "15000.00", "description": "gift card",
                "occurred_at": (now - timedelta(minutes=200 - i)).isoformat()}  # fmt: skip
        t0 = time.perf_counter()
        posted = api.post("/api/v1/transactions/", body, content_type="application/json")
        assert posted.status_code == 201 and posted.json()["decision"] != "approve", posted.content
        while web.get("/api/v1/cases/", {"customer_ref": ref}).json()["count"] != 1:
            pass
        lat.append((time.perf_counter() - t0) * 1000)
    print(f"{'alert → visible in queue':<30} p50 {percentile(lat, 50):7.1f} ms   p99 {percentile(lat, 99):7.1f} ms"
          f"   (POST that raised it + GET that shows it, n={len(lat)})")  # fmt: skip


if __name__ == "__main__":
    main()
