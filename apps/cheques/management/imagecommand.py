"""What the commands that read cheque image files share: the image arguments, one JSON object per image
with --json (an unreadable file gets an "error" and the command exits 1 at the end), or text."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand
from PIL import UnidentifiedImageError


class ImageCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("images", nargs="+")
        parser.add_argument("--json", action="store_true", help="one JSON object per image")
        parser.add_argument("--country", choices=["us", "ca", "in"], help="default: the MICR layout that fits")

    def read(self, path: str, options: dict) -> dict:
        raise NotImplementedError

    def as_text(self, row: dict) -> list[str]:
        raise NotImplementedError

    def handle(self, *args, images: list[str], **options):
        failed = 0
        for path in images:
            try:
                row = {"file": path, **self.read(path, options)}
            except (OSError, UnidentifiedImageError) as exc:
                failed += 1
                row = {"file": path, "error": f"not a readable image: {exc}"}
            if options["json"]:
                self.stdout.write(json.dumps(row, ensure_ascii=False, default=str))
            elif "error" in row:
                self.stderr.write(f"{row['file']}: {row['error']}")
            else:
                for line in self.as_text(row):
                    self.stdout.write(line)
        if failed:
            raise SystemExit(1)
