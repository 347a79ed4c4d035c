"""python manage.py process_cheque IMAGE [IMAGE ...] [--json] [--country us|ca|in] [--back IMAGE]: the whole
pipeline on files, storing nothing: per image every field (value, confidence, source), the validations,
the risk score with its reasons and the route. A two-page TIFF is the front and the back."""

from __future__ import annotations

import json as jsonlib

from django.core.management.base import BaseCommand, CommandError
from PIL import Image, UnidentifiedImageError

from apps.cheques.pipeline import run
from apps.cheques.pipeline.base import Context


def _pages(path: str) -> tuple[Image.Image, Image.Image | None]:
    with Image.open(path) as image:
        front = image.convert("L")
        back = None
        if getattr(image, "n_frames", 1) > 1:
            image.seek(1)
            back = image.convert("L")
    return front, back


class Command(BaseCommand):
    help = "Run the cheque pipeline on image files without storing anything."

    def add_arguments(self, parser):
        parser.add_argument("images", nargs="+")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--country", choices=["us", "ca", "in"], help="default: the MICR layout that fits")
        parser.add_argument("--back", help="the back of the (single) cheque")

    def handle(self, *args, images: list[str], country, back, **o):
        if back and len(images) > 1:
            raise CommandError("--back goes with one front image.")
        failed = 0
        for path in images:
            try:
                front, back_image = _pages(path)
                if back:
                    back_image = _pages(back)[0]
            except (OSError, UnidentifiedImageError) as exc:
                failed += 1
                self._out({"file": path, "error": f"not a readable image: {exc}"}, o["json"])
                continue
            ctx = Context(front=front, back=back_image, found={"country": country})
            steps: list[dict] = []

            def record(name, outcome, confidence, ms, detail, steps=steps):
                steps.append({"step": name, "outcome": outcome, "confidence": confidence, "ms": ms})

            route, reason = run(ctx, on_step=record)
            found = ctx.found
            self._out({
                "file": path,
                "country": found.get("country"),
                "fields": {k: {"value": r.value, "confidence": round(r.confidence, 3), "source": r.source}
                           for k, r in found.get("fields", {}).items()},
                "micr": found["micr"].micr if "micr" in found else None,
                "validations": found.get("checks", []),
                "risk": found.get("risk"),
                "route": route,
                "reason": reason,
                "needs_keying": found.get("uncertain", []),
                "steps": steps,
            }, o["json"])  # fmt: skip
        if failed:
            raise SystemExit(1)

    def _out(self, row: dict, as_json: bool) -> None:
        if as_json:
            self.stdout.write(jsonlib.dumps(row, ensure_ascii=False, default=str))
        elif "error" in row:
            self.stderr.write(f"{row['file']}: {row['error']}")
        else:
            self.stdout.write(f"{row['file']}: {row['route']} - {row['reason']}")
            for name, f in row["fields"].items():
                self.stdout.write(f"  {name:<14} {f['value']:<40} {f['confidence']:.2f} {f['source']}")
            if row["risk"]:
                self.stdout.write(f"  risk {row['risk']['score']}: "
                                  + "; ".join(r["explanation"] for r in row["risk"]["reasons"]))  # fmt: skip
