"""python manage.py train_fraud_model [--kind transaction|cheque] [--train START END] [--test START END] [--json]
[--seed S] [--no-promote]"""

import json
from datetime import date, datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.fraud.ml.training import TrainingError, train
from apps.fraud.models import ModelVersion


def _day(text: str) -> datetime:
    return timezone.make_aware(datetime.combine(date.fromisoformat(text), time.min))


class Command(BaseCommand):
    help = (
        "Train a fraud model on labelled transactions (or, with --kind cheque, cheques), evaluate it on the test "
        "window and store it signed. It becomes active only if it beats the active model of its kind on the same "
        "test window. Default windows: test = the "
        "last 7 days, train = the 21 days before a 7-day gap (labels arrive late)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--train", nargs=2, metavar=("START", "END"), help="Days, YYYY-MM-DD; END exclusive.")
        parser.add_argument("--test", nargs=2, metavar=("START", "END"), help="Days, YYYY-MM-DD; END exclusive.")
        parser.add_argument("--kind", choices=ModelVersion.Kind.values, default=ModelVersion.Kind.TRANSACTION,
                            help="What the model scores: transactions (default) or cheques.")  # fmt: skip
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
        parser.add_argument("--no-promote", action="store_true", help="Keep it as a candidate whatever it scores.")

    def handle(self, *args, **o):
        today = _day(timezone.localdate().isoformat())
        try:
            test = [_day(d) for d in o["test"]] if o["test"] else [today - timedelta(days=7), today]
            train_window = [_day(d) for d in o["train"]] if o["train"] else [test[0] - timedelta(days=28),
                                                                               test[0] - timedelta(days=7)]  # fmt: skip
            model = train(train_start=train_window[0], train_end=train_window[1], test_start=test[0],
                          test_end=test[1], seed=o["seed"], promote=not o["no_promote"], kind=o["kind"])  # fmt: skip
        except (ValueError, TrainingError) as exc:
            raise CommandError(str(exc)) from exc
        result = {"version": model.version, "status": model.status, "metrics": model.metrics,
                  "top_features": model.importances[:5]}  # fmt: skip
        if o["json"]:
            self.stdout.write(json.dumps(result, default=str))
            return
        m, b = model.metrics, model.metrics["baseline_amount_logreg"]
        self.stdout.write(f"{model.version}: {model.get_status_display().lower()}")
        self.stdout.write(f"  train {m['train']['rows']:,} rows ({m['train']['frauds']:,} fraud); test {m['rows']:,} "
                          f"rows ({m['frauds']:,} fraud)")  # fmt: skip
        for key in ("average_precision", "roc_auc", "precision_at_review", "recall_at_review", "card_precision_at_100"):
            self.stdout.write(f"  {key:<24} {m[key]!s:>8}   baseline (amount only) {b[key]!s:>8}")
