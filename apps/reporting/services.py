"""Writes of the reporting app: a report made and recorded (who, when, what, how long, its digest)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from apps.core.services import audit_record

from .models import ReportRun
from .reports import render
from .reports.templates import Params, build

FORMATS = ("pdf", "xlsx", "csv")


def _record(*, actor, slug: str, params: Params, kind: str, started, duration: float, size: int, digest: str) -> None:
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        run = ReportRun.objects.create(
            actor=user, actor_name=user.get_username() if user else "system", template=slug, format=kind,
            params={"period": params.period.name, "branch": params.branch, "currency": params.currency,
                    "compare": list(params.compare)},
            started_at=started, duration_ms=int(duration * 1000), size=size, sha256=digest,
        )  # fmt: skip
        after = {**run.params, "template": slug, "format": kind, "sha256": digest}
        audit_record(actor=actor, action="report.export", obj=run, after=after)


def report_file(*, actor, slug: str, params: Params, kind: str, handle) -> dict:
    """Make a report as PDF or XLSX into the binary `handle`, record the run; returns size, digest, seconds."""
    if actor is not None and not actor.has_perm("reporting.export_report"):
        raise PermissionDenied("You may not export reports.")
    started, clock = timezone.now(), time.perf_counter()
    document = build(slug, params)
    if kind == "pdf":
        handle.write(render.as_pdf(document))
    elif kind == "xlsx":
        render.as_xlsx(document, handle)
    else:
        raise ValueError(kind)
    handle.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
    handle.seek(0)
    seconds = time.perf_counter() - clock
    _record(actor=actor, slug=slug, params=params, kind=kind, started=started, duration=seconds, size=size,
            digest=digest.hexdigest())  # fmt: skip
    return {"size": size, "sha256": digest.hexdigest(), "seconds": seconds}


def report_csv(*, actor, slug: str, params: Params) -> Callable:
    """The report as CSV lines, streamed; the run is recorded when the last line has gone."""
    if actor is not None and not actor.has_perm("reporting.export_report"):
        raise PermissionDenied("You may not export reports.")
    started, clock = timezone.now(), time.perf_counter()
    document = build(slug, params)

    def lines():
        digest, size = hashlib.sha256(), 0
        for line in render.csv_lines(document):
            data = line.encode()
            digest.update(data)
            size += len(data)
            yield line
        _record(actor=actor, slug=slug, params=params, kind="csv", started=started,
                duration=time.perf_counter() - clock, size=size, digest=digest.hexdigest())  # fmt: skip

    return lines
