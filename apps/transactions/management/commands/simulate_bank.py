"""python manage.py simulate_bank [--customers N] [--days D] [--seed S] [--end YYYY-MM-DD]"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from apps.transactions.history import bank_history_simulate


class Command(BaseCommand):
    help = (
        "Generate a bank's history for reporting: customers of four branches, daily balances of their current, "
        "savings and term accounts, and loans in every state. Deterministic for a seed; once per seed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=300)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--end", type=date.fromisoformat, help="The history's last day (default: yesterday).")

    def handle(self, *args, **o):
        try:
            made = bank_history_simulate(customers=o["customers"], days=o["days"], seed=o["seed"], end=o["end"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        loans = ", ".join(f"{count} {status}" for status, count in sorted(made["loans"].items()))
        self.stdout.write(
            f"{made['customers']:,} customers, {made['accounts']:,} accounts, {made['daily_balances']:,} daily "
            f"balances from {made['first_day']} to {made['last_day']}; loans: {loans}."
        )
