"""python manage.py read_micr IMAGE [IMAGE ...] [--json] [--country us|ca|in]: the MICR line of each
image (a whole cheque or a cropped line), one JSON object per line with --json."""

from __future__ import annotations

import json as jsonlib

from django.core.management.base import BaseCommand
from PIL import Image, UnidentifiedImageError

from apps.cheques.micr import reader


class Command(BaseCommand):
    help = "Read the E-13B MICR line of cheque images."

    def add_arguments(self, parser):
        parser.add_argument("images", nargs="+")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--country", choices=["us", "ca", "in"], help="default: the layout that fits")

    def handle(self, *args, images: list[str], country, **o):
        as_json = o["json"]
        failed = 0
        for path in images:
            try:
                with Image.open(path) as image:
                    read = reader.read(image.convert("L"), level=True)
            except (OSError, UnidentifiedImageError) as exc:
                failed += 1
                self._out({"file": path, "error": f"not a readable image: {exc}"}, as_json)
                continue
            fields = read.fields(country)
            self._out({"file": path, "micr": read.micr, "routing": fields["routing"], "account": fields["account"],
                       "serial": fields["serial"], "amount": fields["amount"], "confidence": read.confidence},
                      as_json)  # fmt: skip
        if failed:
            raise SystemExit(1)

    def _out(self, row: dict, as_json: bool) -> None:
        if as_json:
            self.stdout.write(_dumps(row))
        elif "error" in row:
            self.stderr.write(f"{row['file']}: {row['error']}")
        else:
            self.stdout.write(
                f"{row['file']}: {row['micr']}  routing {row['routing'] or '-'}  account "
                f"{row['account'] or '-'}  serial {row['serial'] or '-'}  ({row['confidence']:.2f})"
            )


def _dumps(row: dict) -> str:
    return jsonlib.dumps(row, ensure_ascii=False)
