"""python manage.py generate_cheques --count N --out DIR [--country us|ca|in] [--seed S] [--clean]
[--fraud-rate R]: synthetic cheques (front and back PNG) with their ground truth as JSON beside them."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.cheques import generator


class Command(BaseCommand):
    help = "Draw synthetic cheques with their ground truth, including deliberate frauds."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--country", choices=["us", "ca", "in"], help="default: a mix")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--fraud-rate", type=float, default=0.2, help="share of deliberate frauds (0-1)")
        parser.add_argument("--clean", action="store_true", help="no noise, blur or rotation")

    def handle(self, *args, count: int, out: Path, country, seed: int, fraud_rate: float, clean: bool, **o):
        if count < 1:
            raise CommandError("--count must be at least 1.")
        if not 0 <= fraud_rate <= 1:
            raise CommandError("--fraud-rate is a share between 0 and 1.")
        out.mkdir(parents=True, exist_ok=True)
        frauds = 0
        for i, cheque in enumerate(generator.batch(count, seed=seed, country=country, fraud_rate=fraud_rate,
                                                   clean=clean), 1):  # fmt: skip
            cheque.front.save(out / f"{cheque.name}-front.png")
            cheque.back.save(out / f"{cheque.name}-back.png")
            (out / f"{cheque.name}.json").write_text(json.dumps(cheque.truth, indent=2, ensure_ascii=False))
            frauds += cheque.truth["fraud"] is not None
            if i % 10 == 0 or i == count:
                self.stderr.write(f"\r{i}/{count}", ending="")
        self.stderr.write("")
        self.stdout.write(self.style.SUCCESS(f"{count} cheques ({frauds} deliberate frauds) in {out}"))
