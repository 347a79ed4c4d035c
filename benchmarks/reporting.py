"""Reporting benchmarks (`make bench`). Prints its figures; copy them to docs/benchmarks.md.

The book: BENCH_TXNS transactions (default 1,000,000) over the 400 days to today, in four branches' accounts
and by 50,000 card customers, plus BENCH_BANK_CUSTOMERS (default 2,000) customers of `simulate_bank`:
a year of end-of-day balances of their current, savings and term accounts, and a loan for one in five.

- Rollups: every day rebuilt from the facts (`refresh_rollups --all`), and the refresh that follows a
  20,000-row chunk stored on one day (`rollups_follow`, what runs every minute).
- The analytics page: GET /analytics/ (the last 30 days), p50 / p95 of 50, as an analyst.
- The quarterly board report as PDF and as the page's preview, three builds each (the last complete
  quarter, compared with the one before and a year earlier).
- The transaction report as XLSX over the whole book's 400 days (every transaction a detail row), made by
  `build_report` in its own process: wall time and the process's peak memory.

In-process but for the XLSX, on a throw-away database of whichever backend DATABASE_URL selects (SQLite by
default), with the settings of `make run`.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

import numpy as np
from common import ROOT, percentile, setup

N_TXNS = int(os.environ.get("BENCH_TXNS", "1000000"))
N_BANK = int(os.environ.get("BENCH_BANK_CUSTOMERS", "2000"))
BATCH = 10_000
DAYS = 400


def main() -> None:
    var = setup("reporting")
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from apps.accounts.choices import Role
    from apps.reporting import services
    from apps.reporting.reports.periods import last_complete_quarter
    from apps.reporting.reports.render import as_html
    from apps.reporting.reports.templates import Params, build
    from apps.reporting.rollups import rollups_follow, rollups_sweep
    from apps.transactions.choices import Source
    from apps.transactions.models import Transaction
    from tests.factories import make_user

    print(f"database: {connection.vendor}; {N_TXNS:,} transactions, {N_BANK:,} bank customers")
    t0 = time.perf_counter()
    call_command("simulate_bank", "--customers", str(N_BANK), "--seed", "7", verbosity=0)
    print(f"simulate_bank: {N_BANK:,} customers, a year of balances and loans in {time.perf_counter() - t0:.1f} s")

    rng = np.random.default_rng(7)
    now = timezone.now()
    kinds = np.array(["payment", "deposit", "withdrawal", "transfer"])
    channels = np.array(["card", "cash", "cash", "transfer"])
    t0 = time.perf_counter()
    for lo in range(0, N_TXNS, BATCH):
        n = min(BATCH, N_TXNS - lo)
        ago = rng.uniform(0, DAYS * 86400, n)
        kind = rng.choice(4, n, p=[0.8, 0.08, 0.06, 0.06])
        amount = np.round(rng.lognormal(3.5, 1.2, n), 2) + 1
        fraud = rng.random(n) < 0.002
        who = rng.integers(50_000, size=n)
        rows = [Transaction(source=Source.FILE, kind=kinds[k], channel=channels[k], customer_ref=f"B{who[i]}",
                            amount=f"{amount[i]:.2f}", currency="USD", label="fraud" if fraud[i] else "",
                            occurred_at=now - timedelta(seconds=float(ago[i])))
                for i, k in enumerate(kind)]  # fmt: skip
        with transaction.atomic():
            Transaction.objects.bulk_create(rows, batch_size=BATCH)
    print(f"built {N_TXNS:,} transactions in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    result = rollups_sweep(since=timezone.localdate() - timedelta(days=DAYS + 1))
    print(f"rollups rebuilt: {result['days']} days, {result['rows']:,} rows in {time.perf_counter() - t0:.1f} s")
    while rollups_follow()["days"]:  # the cursors catch up with what the rebuild already counted
        pass

    day = timezone.now() - timedelta(days=3)
    chunk = [Transaction(source=Source.FILE, kind="payment", channel="card", customer_ref=f"B{i % 50_000}",
                         amount="12.50", currency="USD", occurred_at=day + timedelta(seconds=i))
             for i in range(20_000)]  # fmt: skip
    with transaction.atomic():
        Transaction.objects.bulk_create(chunk, batch_size=BATCH)
    t0 = time.perf_counter()
    followed = rollups_follow()
    print(f"rollup refresh after a 20,000-row chunk: {followed['days']} day(s) in {time.perf_counter() - t0:.2f} s")

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(make_user(Role.ANALYST, email="bench-analyst@bank.test"))
    times = []
    for _ in range(50):
        t0 = time.perf_counter()
        assert client.get("/analytics/").status_code == 200
        times.append((time.perf_counter() - t0) * 1000)
    print(f"analytics page, last 30 days: p50 {percentile(times, 50):.1f} ms, p95 {percentile(times, 95):.1f} ms")

    quarter = last_complete_quarter(timezone.localdate()).name
    params = Params.parse(period=quarter)
    previews, pdfs = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        as_html(build("board-quarterly", params))
        previews.append(time.perf_counter() - t0)
        with tempfile.TemporaryFile() as handle:
            t0 = time.perf_counter()
            made = services.report_file(actor=None, slug="board-quarterly", params=params, kind="pdf", handle=handle)
            pdfs.append(time.perf_counter() - t0)
    print(f"board report {quarter}: preview {min(previews):.2f} / {max(previews):.2f} s (best / worst of 3); PDF "
          f"{min(pdfs):.2f} / {max(pdfs):.2f} s, {made['size']:,} bytes")  # fmt: skip

    start = (timezone.localdate() - timedelta(days=DAYS)).isoformat()
    out = var / "transactions.xlsx"
    env = {**os.environ, "CHEQUECLOUD_VAR_DIR": str(var)}
    t0 = time.perf_counter()
    run = subprocess.run([sys.executable, str(ROOT / "manage.py"), "build_report", "transactions", "--period",
                          f"{start}..{timezone.localdate().isoformat()}", "--format", "xlsx", "--out", str(out)],
                         env=env, capture_output=True, text=True, check=True)  # fmt: skip
    wall = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rows = Transaction.objects.filter(occurred_at__date__gte=start).count()
    print(f"transaction report as XLSX, {rows:,} detail rows: {wall:.1f} s (process), peak memory {peak_mb:.0f} MB, "
          f"{out.stat().st_size / 1e6:.1f} MB; {run.stdout.strip().splitlines()[-1]}")  # fmt: skip


if __name__ == "__main__":
    main()
