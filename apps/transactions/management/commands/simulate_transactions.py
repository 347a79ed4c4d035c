"""python manage.py simulate_transactions --customers N --terminals M --days D [--seed S] [--fraud-rate R]
[--out FILE.csv] [--start YYYY-MM-DD]"""

import csv
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.transactions.simulator import HEADER, as_csv_row, simulate


class Command(BaseCommand):
    help = "Generate labelled card transactions with known fraud scenarios, into the database or a CSV."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, required=True)
        parser.add_argument("--terminals", type=int, required=True)
        parser.add_argument("--days", type=int, required=True)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--fraud-rate", type=float, default=0.008)
        parser.add_argument("--start", type=date.fromisoformat, help="First day (default: DAYS days ago).")
        parser.add_argument("--out", help="Write a CSV (card format, label column tx_fraud), not the database.")
        parser.add_argument(
            "--label-delay-days", type=int, default=7,
            help="In the database, a fraud label becomes known this many days after the payment.",
        )  # fmt: skip

    def handle(self, *args, **o):
        start = o["start"] or timezone.localdate() - timedelta(days=o["days"])
        try:
            rows = simulate(customers=o["customers"], terminals=o["terminals"], days=o["days"], start=start,
                            seed=o["seed"], fraud_rate=o["fraud_rate"])  # fmt: skip
            if o["out"]:
                total = frauds = 0
                with open(o["out"], "w", newline="") as fh:
                    writer = csv.writer(fh)
                    writer.writerow(HEADER)
                    for row in rows:
                        writer.writerow(as_csv_row(row))
                        total += 1
                        frauds += row.is_fraud
                where = o["out"]
            else:
                from apps.transactions.services import simulated_store

                total, frauds, alerts = simulated_store(rows=rows, label_delay=timedelta(days=o["label_delay_days"]))
                where = f"the database ({alerts:,} alerts)"
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        share = frauds / total if total else 0
        self.stdout.write(f"{total:,} transactions, {frauds:,} fraud ({share:.2%}), written to {where}.")
