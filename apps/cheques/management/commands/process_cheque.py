"""python manage.py process_cheque IMAGE [IMAGE ...] [--json] [--country us|ca|in] [--back IMAGE]: the whole
pipeline on files, storing nothing: per image every field (value, confidence, source), the validations,
the risk score with its reasons and the route. A two-page TIFF is the front and the back."""

from __future__ import annotations

from django.core.management.base import CommandError
from PIL import Image

from apps.cheques.management.imagecommand import ImageCommand
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


class Command(ImageCommand):
    help = "Run the cheque pipeline on image files without storing anything."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--back", help="the back of the (single) cheque")

    def handle(self, *args, **options):
        if options["back"] and len(options["images"]) > 1:
            raise CommandError("--back goes with one front image.")
        super().handle(*args, **options)

    def read(self, path: str, options: dict) -> dict:
        front, back = _pages(path)
        if options["back"]:
            back = _pages(options["back"])[0]
        ctx = Context(front=front, back=back, found={"country": options["country"]})
        steps: list[dict] = []

        def record(name, outcome, confidence, ms, detail):
            steps.append({"step": name, "outcome": outcome, "confidence": confidence, "ms": ms})

        route, reason = run(ctx, on_step=record)
        found = ctx.found
        return {
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
        }  # fmt: skip

    def as_text(self, row: dict) -> list[str]:
        lines = [f"{row['file']}: {row['route']} - {row['reason']}"]
        lines += [
            f"  {name:<14} {f['value']:<40} {f['confidence']:.2f} {f['source']}" for name, f in row["fields"].items()
        ]
        if row["risk"]:
            lines.append(
                f"  risk {row['risk']['score']}: " + "; ".join(r["explanation"] for r in row["risk"]["reasons"])
            )
        return lines
