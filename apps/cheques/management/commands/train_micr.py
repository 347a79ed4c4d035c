"""python manage.py train_micr [--data DIR] [--rounds N]: train the E-13B glyph classifier on real
MICR lines (TIFF + .gt.txt) and write the model and the glyph sheet the cheque generator uses."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.cheques.micr import training
from apps.cheques.micr.model import MODEL_PATH, Model

DEFAULT_DATA = Path(os.environ.get("MICR_DATA_DIR", settings.BASE_DIR.parent / "shared/data/micr-e13b/lines"))
GLYPHS_PATH = MODEL_PATH.with_name("glyphs.npz")


class Command(BaseCommand):
    help = "Train the E-13B MICR glyph classifier on the training part of the real lines."

    def add_arguments(self, parser):
        parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of *.tif lines with *.gt.txt")
        parser.add_argument("--rounds", type=int, default=1, help="alignment rounds after the first guess")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--members", type=int, default=3, help="classifiers averaged (each its own seed)")
        parser.add_argument("--out", type=Path, default=MODEL_PATH)
        parser.add_argument("--glyphs", type=Path, default=GLYPHS_PATH)

    def handle(self, *args, data: Path, rounds: int, seed: int, members: int, out: Path, glyphs: Path, **options):
        if not data.is_dir():
            raise CommandError(f"No MICR lines at {data} (set --data or MICR_DATA_DIR).")
        self.stdout.write(f"Reading lines from {data} …")
        samples = training.load(data)
        if not samples:
            raise CommandError(f"No *.tif with a .gt.txt beside it in {data}.")
        train, held_out = training.split(samples)
        self.stdout.write(f"{len(samples)} lines: training on {len(train)}, holding out {len(held_out)}")
        models, found = [], []
        for k in range(max(1, members)):
            self.stdout.write(f"member {k + 1} of {members} (seed {seed + k})")
            model, sure = training.train(train, rounds=rounds, seed=seed + k, progress=self.stdout.write)
            models.append(model)
            found = found or sure
        Model.ensemble(models).save(out)
        np.savez_compressed(glyphs, **training.glyph_sheet(found, seed=seed))
        self.stdout.write(self.style.SUCCESS(f"Wrote {out} and {glyphs}"))
