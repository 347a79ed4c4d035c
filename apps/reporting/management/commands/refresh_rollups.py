"""Recompute the daily rollups: the last ROLLUP_SWEEP_DAYS days (what the nightly sweep runs), every day
from `--since`, or `--all` from the first transaction."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Recompute the daily rollups (reports and charts read them)."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="First day to recompute, YYYY-MM-DD.")
        parser.add_argument("--all", action="store_true", help="Every day from the first transaction.")

    def handle(self, *args, **options):
        from apps.reporting.rollups import first_fact_day, rollups_sweep

        since = None
        if options["since"]:
            try:
                since = date.fromisoformat(options["since"])
            except ValueError:
                raise CommandError("--since is a day, YYYY-MM-DD.") from None
        elif options["all"]:
            since = first_fact_day()
            if since is None:
                self.stdout.write("No transactions: nothing to roll up.")
                return
        started = time.perf_counter()
        result = rollups_sweep(since=since)
        self.stdout.write(f"{result['days']} day(s) recomputed, {result['rows']} rollup row(s), "
                          f"in {time.perf_counter() - started:.2f} s")  # fmt: skip
