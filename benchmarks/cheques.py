"""Cheque pipeline time per cheque (`make bench`): the steps that exist (image quality, OCR by
Tesseract, duplicate search), on one core (OMP_THREAD_LIMIT=1 for Tesseract), over BENCH_CHEQUES
(default 40) generated 1400 x 600 cheque images with different payees and amounts, with the embedded
default settings. Prints the median and p95 per step and end to end."""

from __future__ import annotations

import os
import random
import statistics
import time
from io import BytesIO

os.environ["OMP_THREAD_LIMIT"] = "1"

from common import percentile, setup

NAMES = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Katherine Johnson", "Edsger Dijkstra", "Barbara Liskov"]


def _image(rng: random.Random) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1400, 600), 255)
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 32)
    except OSError:
        font = ImageFont.load_default(size=32)
    amount = rng.randint(100, 9_999_999) / 100
    draw.rectangle([8, 8, 1392, 592], outline=0, width=3)
    draw.text((60, 60), f"BANK OF {rng.choice(['OSLO', 'LAGOS', 'PUNE', 'TORONTO'])}", font=font, fill=0)
    draw.text((1050, 60), f"No. {rng.randint(1000, 9999)}", font=font, fill=0)
    draw.text((60, 200), f"PAY TO THE ORDER OF  {rng.choice(NAMES)}", font=font, fill=0)
    draw.text((1000, 200), f"$ {amount:,.2f}", font=font, fill=0)
    draw.text((60, 480), f"A{rng.randint(10**8, 10**9 - 1)}A {rng.randint(10**7, 10**8)}C", font=font, fill=0)
    image = image.rotate(rng.uniform(-2, 2), expand=True, fillcolor=255)
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def main() -> None:
    setup("cheques")
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from apps.cheques import services
    from apps.cheques.models import ChequeStep

    n = int(os.environ.get("BENCH_CHEQUES", "40"))
    rng = random.Random(3)
    ids = []
    for i in range(n):
        upload = SimpleUploadedFile(f"c{i}.png", _image(rng), "image/png")
        ids.append(services.cheque_receive(actor=None, front=upload).pk)  # on_commit never fires here
    totals = []
    for pk in ids:
        t0 = time.perf_counter()
        cheque = services.cheque_process(cheque_id=pk)
        totals.append((time.perf_counter() - t0) * 1000)
        assert cheque.status == "keying", (cheque.status, cheque.status_reason)
    print(f"database: {connection.vendor}; {n} cheques, one core")
    for name in ("quality", "ocr", "duplicates"):
        ms = list(ChequeStep.objects.filter(name=name).values_list("duration_ms", flat=True))
        print(f"step {name:<11} median {statistics.median(ms):7.0f} ms   p95 {percentile(ms, 95):7.0f} ms")
    print(f"end to end        median {statistics.median(totals):7.0f} ms   p95 {percentile(totals, 95):7.0f} ms")


if __name__ == "__main__":
    main()
