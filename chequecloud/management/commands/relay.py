"""`python manage.py relay`: publish background work waiting in the outbox, and send again work whose
worker was lost. Runs beside the workers (`make run` starts one; the image's `relay` role in production).
Several may run: on a server database each publishes only the messages it has locked."""

from __future__ import annotations

import logging
import os
import signal
import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger("chequecloud.relay")


class Command(BaseCommand):
    help = "Publish the outbox's pending work to the broker; sweep stale work; repeat."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass (publish, sweep), then stop.")
        parser.add_argument("--interval", type=float, default=0.5, help="Seconds between passes when idle.")
        parser.add_argument("--sweep-every", type=float, default=30.0, help="Seconds between sweeps.")
        parser.add_argument("--heartbeat", default="", help="A file touched after every pass (a health check).")

    def handle(self, *args, once=False, interval=0.5, sweep_every=30.0, heartbeat="", **options):
        from apps.core.dispatch import outbox_prune, relay_pending
        from chequecloud.operations import sweep

        stopping = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stopping.append(True))
        next_sweep, next_prune, backoff = 0.0, 0.0, interval
        while not stopping:
            close_old_connections()
            try:
                result = relay_pending()
                if result["error"]:
                    logger.warning("broker refused, %s due: %s", result["due"] - result["sent"], result["error"])
                    backoff = min(backoff * 2, 10.0)
                else:
                    backoff = interval
                    if result["sent"]:
                        logger.info("published %s waiting messages", result["sent"])
                now = time.monotonic()
                if now >= next_sweep:
                    swept = sweep()
                    next_sweep = now + sweep_every
                    for name, done in swept.items():
                        if done.get("resent") or done.get("failed"):
                            logger.warning("%s: sent again %s, failed %s", name, done["resent"], done["failed"])
                if now >= next_prune:
                    outbox_prune(now=timezone.now())
                    next_prune = now + timedelta(hours=1).total_seconds()
            except Exception:
                logger.exception("relay pass failed")
                backoff = min(backoff * 2, 10.0)
                result = {"sent": 0, "due": 0}
            if heartbeat:
                with open(heartbeat, "a"):
                    os.utime(heartbeat)
            if once:
                break
            if result["sent"] < result["due"] or not result["sent"]:
                time.sleep(backoff)
