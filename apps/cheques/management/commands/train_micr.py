"""python manage.py train_micr [--data DIR] [--epochs N] [--glyphs]: train the E-13B line reader on
the training part of the real MICR lines (TIFF + .gt.txt) and write it beside the code; with --glyphs,
also find the glyphs of the sheet the cheque generator draws MICR lines with. Needs PyTorch
(requirements/train.txt); reading does not."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.cheques.micr import ctc, ctc_training, training
from apps.cheques.micr.model import GLYPHS_PATH

DEFAULT_DATA = Path(os.environ.get("MICR_DATA_DIR", settings.BASE_DIR.parent / "shared/data/micr-e13b/lines"))


class Command(BaseCommand):
    help = "Train the E-13B MICR line reader on the training part of the real lines."

    def add_arguments(self, parser):
        parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of *.tif lines with *.gt.txt")
        parser.add_argument("--epochs", type=int, default=30, help="passes over the training lines")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--drawn", type=int, default=600, help="lines of generated cheques trained on as well")
        parser.add_argument("--out", type=Path, default=ctc.MODEL_PATH)
        parser.add_argument("--same-ink", action="store_true",
                            help="no lines printed heavier or lighter (as networks a and b were trained)")  # fmt: skip
        parser.add_argument("--loops", action="store_true", help="also lines with handwritten loops through characters")
        parser.add_argument("--glyphs", action="store_true", help="also remake the generator's glyph sheet")
        parser.add_argument("--glyphs-out", type=Path, default=GLYPHS_PATH)

    def handle(self, *args, data: Path, epochs: int, seed: int, drawn: int, out: Path, glyphs: bool, glyphs_out: Path,
               same_ink: bool = False, loops: bool = False, **options):  # fmt: skip
        if not data.is_dir():
            raise CommandError(f"No MICR lines at {data} (set --data or MICR_DATA_DIR).")
        try:
            import torch  # noqa: F401
        except ImportError as exc:
            raise CommandError("Training needs PyTorch: pip install -r requirements/train.txt") from exc
        self.stdout.write(f"Reading lines from {data} …")
        lines = ctc_training.load(data)
        if not lines:
            raise CommandError(f"No *.tif with a .gt.txt beside it in {data}.")
        train, held_out = ctc_training.split(lines)
        self.stdout.write(f"{len(lines)} lines: training on {len(train)}, holding out {len(held_out)}")
        if drawn:
            self.stdout.write(f"drawing {drawn} lines of generated cheques to train on as well …")
            train += ctc_training.drawn(drawn)
        ctc_training.train(
            train, epochs=epochs, seed=seed, vary_ink=not same_ink, loops=loops, progress=self.stdout.write
        ).save(out)
        self.stdout.write(self.style.SUCCESS(f"Wrote {out}"))
        if glyphs:
            samples, _ = training.split(training.load(data))
            _, found = training.train(samples, rounds=1, seed=seed, progress=self.stdout.write)
            np.savez_compressed(glyphs_out, **training.glyph_sheet(found, seed=seed))
            self.stdout.write(self.style.SUCCESS(f"Wrote {glyphs_out}"))
