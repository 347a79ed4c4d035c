"""python manage.py read_micr IMAGE [IMAGE ...] [--json] [--country us|ca|in]: the MICR line of each
image (a whole cheque or a cropped line), one JSON object per line with --json."""

from __future__ import annotations

from PIL import Image

from apps.cheques.management.imagecommand import ImageCommand
from apps.cheques.micr import reader


class Command(ImageCommand):
    help = "Read the E-13B MICR line of cheque images."

    def read(self, path: str, options: dict) -> dict:
        with Image.open(path) as image:
            read = reader.read(image.convert("L"), level=True)
        fields = read.fields(options["country"])
        return {"micr": read.micr, "routing": fields["routing"], "account": fields["account"],
                "serial": fields["serial"], "amount": fields["amount"], "confidence": read.confidence}  # fmt: skip

    def as_text(self, row: dict) -> list[str]:
        return [f"{row['file']}: {row['micr']}  routing {row['routing'] or '-'}  account {row['account'] or '-'}  "
                f"serial {row['serial'] or '-'}  ({row['confidence']:.2f})"]  # fmt: skip
