"""Cheque pipeline (`make bench`): time per cheque and field accuracy, on BENCH_CHEQUES (default 60)
generated cheques (apps.cheques.generator, a third each US, Canada, India), stored and processed one
after another with the embedded default settings, on one core (OMP_THREAD_LIMIT=1 for Tesseract).

- Time: median and p95 per step and end to end (receive excluded; cheque_process from "received" to
  routed, database writes included).
- Field accuracy on the clean cheques without deliberate frauds: per field, the share read exactly
  (typed value equal to the ground truth), and the share read exactly *and* confidently enough to skip
  keying; plus the routes, and how many confident reads were wrong (those would clear unseen).
- The same on noisy cheques (blur, noise, rotation): BENCH_NOISY=1 adds a second run.
"""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter
from decimal import Decimal
from io import BytesIO

os.environ["OMP_THREAD_LIMIT"] = "1"

from common import percentile, setup

FIELDS = ["amount", "legal_amount", "date", "payee", "cheque_number", "routing", "account", "serial", "signature",
          "endorsement"]  # fmt: skip


def _expected(name: str, truth: dict):
    if name in ("amount", "legal_amount"):
        return Decimal(truth[name])
    if name == "cheque_number":
        return truth["cheque_number"].lstrip("0")
    if name in ("signature", "endorsement"):
        return "yes" if truth[name] else "no"
    return truth[name]


def _got(name: str, field):
    from apps.cheques import fields as specs

    if field is None:
        return None
    if name in ("signature", "endorsement"):
        return field.read_value
    try:
        value = specs.parse(name, field.read_value)
    except Exception:  # noqa: BLE001 - an unparseable read is a wrong read
        return None
    if name == "date":
        return value.isoformat()
    if name == "cheque_number":
        return value.lstrip("0")
    return value


def run(n: int, clean: bool) -> None:
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from apps.cheques import generator, services
    from apps.cheques.models import Cheque, ChequeStep

    first = 1000 if clean else 5000  # other cheques for the noisy run (the same ones would be duplicates)
    made = [generator.generate(first + i, country=("us", "ca", "in")[i % 3], clean=clean) for i in range(n)]
    ids = []
    for g in made:
        files = []
        for image, name in ((g.front, "front.png"), (g.back, "back.png")):
            out = BytesIO()
            image.save(out, format="PNG")
            files.append(SimpleUploadedFile(name, out.getvalue(), "image/png"))
        cheque = services.cheque_receive(actor=None, front=files[0], back=files[1], country=g.truth["country"])
        ids.append(cheque.pk)  # on_commit never fires here: processed below, timed
    totals = []
    for pk in ids:
        t0 = time.perf_counter()
        services.cheque_process(cheque_id=pk)
        totals.append((time.perf_counter() - t0) * 1000)
    thresholds = settings.CHEQUE_MIN_CONFIDENCE
    right, sure, confident_wrong, routes = Counter(), Counter(), Counter(), Counter()
    for pk, g in zip(ids, made, strict=True):
        cheque = Cheque.objects.get(pk=pk)
        routes[cheque.status] += 1
        read = {f.name: f for f in cheque.fields.all()}
        for name in FIELDS:
            f = read.get(name)
            ok = _got(name, f) == _expected(name, g.truth)
            confident = (
                f is not None
                and f.read_confidence is not None
                and f.read_confidence >= thresholds.get(f.read_source, 0.8)
            )
            right[name] += ok
            sure[name] += ok and confident
            confident_wrong[name] += confident and not ok
    kind = "clean" if clean else "noisy"
    print(f"cheques ({kind}): database {connection.vendor}; {n} cheques, one core")
    for name in ("quality", "ocr", "micr", "fields", "duplicates", "route"):
        ms = list(ChequeStep.objects.filter(name=name, cheque_id__in=ids).values_list("duration_ms", flat=True))
        print(f"  step {name:<11} median {statistics.median(ms):6.0f} ms   p95 {percentile(ms, 95):6.0f} ms")
    print(f"  end to end       median {statistics.median(totals):6.0f} ms   p95 {percentile(totals, 95):6.0f} ms")
    print(f"  routes: {dict(routes)}")
    print(f"  {'field':<14} {'read right':>10} {'right+confident':>16} {'confident but wrong':>20}")
    for name in FIELDS:
        print(f"  {name:<14} {right[name] / n:>10.1%} {sure[name] / n:>16.1%} {confident_wrong[name]:>20}")


def main() -> None:
    setup("cheques")
    n = int(os.environ.get("BENCH_CHEQUES", "60"))
    run(n, clean=True)
    if os.environ.get("BENCH_NOISY") == "1":
        run(n, clean=False)


if __name__ == "__main__":
    main()
