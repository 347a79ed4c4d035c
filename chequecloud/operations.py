"""Keeping background work moving: the relay's sweep and what the operations page and /metrics show.

Each app owns its work and its limits (a cheque's run touches it at every step; a file's at every chunk):
`apps.cheques.services.cheques_resend_stale` and `apps.transactions.files.transaction_files_resend_stale`
send again what lost its worker, and list as failed what keeps losing it. This module calls them all
(it names every app's work, so it lives above them), and counts what waits: the outbox's backlog and the
work that is stale now.
"""

from __future__ import annotations

import logging

from django.utils import timezone

logger = logging.getLogger(__name__)


def sweep() -> dict:
    """One pass of every app's sweeper; a sweeper that fails is logged and the others still run."""
    from apps.cheques.services import cheques_resend_stale
    from apps.transactions.files import transaction_files_resend_stale

    done = {}
    for name, sweeper in (("cheques", cheques_resend_stale), ("transaction_files", transaction_files_resend_stale)):
        try:
            done[name] = sweeper()
        except Exception:
            logger.exception("sweeper %s failed", name)
    return done


def work_status() -> dict:
    """The backlog and stale counts, with where each is listed."""
    from django.urls import reverse

    from apps.cheques.services import STALE_PROCESSING, STALE_RECEIVED, cheques_stale_count
    from apps.core.dispatch import outbox_backlog
    from apps.core.models import FailedTask
    from apps.transactions.files import STALE_PROCESSING as FILE_PROCESSING
    from apps.transactions.files import STALE_QUEUED, transaction_files_stale_count

    now = timezone.now()
    cheques, files = cheques_stale_count(now=now), transaction_files_stale_count(now=now)

    def limit(delta) -> str:
        seconds = int(delta.total_seconds())
        return f"{seconds // 60} min" if seconds >= 120 else f"{seconds} s"

    cheques_url, files_url = reverse("cheques:list"), reverse("transactions:files")
    see_cheques, see_files = "cheques.view_cheque", "transactions.view_transactionfile"
    stale = [
        {"what": "Cheques processing", "key": "cheque_processing", "count": cheques["processing"],
         "limit": limit(STALE_PROCESSING), "url": f"{cheques_url}?status=processing&stale=true", "perm": see_cheques},
        {"what": "Cheques received, not yet taken", "key": "cheque_received", "count": cheques["received"],
         "limit": limit(STALE_RECEIVED), "url": f"{cheques_url}?status=received&stale=true", "perm": see_cheques},
        {"what": "Files processing", "key": "file_processing", "count": files["processing"],
         "limit": limit(FILE_PROCESSING), "url": f"{files_url}?status=processing&stale=true", "perm": see_files},
        {"what": "Files queued, not yet taken", "key": "file_queued", "count": files["queued"],
         "limit": limit(STALE_QUEUED), "url": f"{files_url}?status=queued&stale=true", "perm": see_files},
    ]  # fmt: skip
    return {
        "outbox": outbox_backlog(now=now),
        "stale": stale,
        "failed_tasks": FailedTask.objects.filter(retried_at__isnull=True).count(),
        "at": now,
    }


class WorkCollector:
    """Prometheus gauges, computed from the database at each scrape."""

    def describe(self):  # the names, without touching the database (the registry asks when registering)
        from prometheus_client.core import GaugeMetricFamily

        for name in ("chequecloud_outbox_pending", "chequecloud_outbox_oldest_pending_seconds",
                     "chequecloud_stale_work", "chequecloud_failed_tasks"):  # fmt: skip
            yield GaugeMetricFamily(name, "")

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        try:
            status = work_status()
        except Exception:
            logger.exception("work status unavailable")
            return
        yield GaugeMetricFamily("chequecloud_outbox_pending", "Background work waiting to be published.",
                                value=status["outbox"]["pending"])  # fmt: skip
        yield GaugeMetricFamily("chequecloud_outbox_oldest_pending_seconds",
                                "How long the oldest unpublished work has waited.",
                                value=status["outbox"]["oldest_seconds"])  # fmt: skip
        stale = GaugeMetricFamily("chequecloud_stale_work", "Work waiting or processing beyond its time limit.",
                                  labels=["kind"])  # fmt: skip
        for row in status["stale"]:
            stale.add_metric([row["key"]], row["count"])
        yield stale
        yield GaugeMetricFamily("chequecloud_failed_tasks", "Failed background tasks not yet sent again.",
                                value=status["failed_tasks"])  # fmt: skip


_registered = False


def register_metrics() -> None:
    global _registered
    if not _registered:
        from prometheus_client import REGISTRY

        REGISTRY.register(WorkCollector())
        _registered = True
