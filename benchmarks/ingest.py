"""CSV ingest throughput: the chunked file pipeline vs a naive one-ORM-save-per-row loop, same run.

Rows: BENCH_ROWS (default 200,000; the issue's figure is 1,000,000). Simulated card transactions with
labels; every row validated, scored (rules + behavioural features + the active model, if any), stored,
alerts raised.
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
from datetime import date, timedelta

from common import setup


def main() -> None:
    setup("ingest")
    from django.core.files import File
    from django.db import connection

    from apps.transactions import files, services
    from apps.transactions.formats import BUILT_IN, parse_row
    from apps.transactions.simulator import HEADER, as_csv_row, simulate

    rows = int(os.environ.get("BENCH_ROWS", "200000"))
    customers = max(100, rows // 50)
    days = 25
    path = os.path.join(tempfile.mkdtemp(), "bench.csv")
    t0 = time.perf_counter()
    written = 0
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for row in simulate(customers=customers, terminals=customers * 2, days=days, start=date(2026, 1, 1), seed=1):
            writer.writerow(as_csv_row(row))
            written += 1
            if written >= rows:
                break
    print(f"database: {connection.vendor}; generated {written:,} rows in {time.perf_counter() - t0:.1f} s")

    with open(path, "rb") as fh:
        upload = File(fh, name="bench.csv")
        upload.size = os.path.getsize(path)
        record = files.transaction_file_create(actor=None, upload=upload, fmt="card", label_column="tx_fraud",
                                               process_now=True)  # fmt: skip
    t0 = time.perf_counter()
    record = files.transaction_file_process(file_id=record.pk)
    took = time.perf_counter() - t0
    print(f"file pipeline: {record.rows_stored:,} rows stored, {record.alerts_raised:,} alerts in {took:.1f} s "
          f"= {record.rows_stored / took:,.0f} rows/s")  # fmt: skip

    naive_rows = 2000
    layout = BUILT_IN["card"]
    t0 = time.perf_counter()
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        for i, raw in enumerate(reader):
            if i >= naive_rows:
                break
            data, _ = parse_row(layout, raw, "tx_fraud")
            data["external_id"] = "N" + data["external_id"]
            data["occurred_at"] = data["occurred_at"] + timedelta(days=days + 1)
            services.transaction_ingest(actor=None, data=data)  # one ORM save + DB history + score per row
    took = time.perf_counter() - t0
    print(f"naive loop (one ORM save and score per row): {naive_rows:,} rows in {took:.1f} s "
          f"= {naive_rows / took:,.0f} rows/s")  # fmt: skip


if __name__ == "__main__":
    main()
