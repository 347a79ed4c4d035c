"""Signed webhooks against a real HTTP receiver on loopback."""

import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from apps.core.models import WebhookDelivery
from apps.core.notify import SIGNATURE_HEADER
from apps.core.tasks import _Failed, deliver_webhook
from apps.fraud.services import alerts_notify
from apps.transactions import services as txn_services

SECRET = "whsec-test-0123456789abcdef0123456789"
HIGH = {"customer_ref": "E-1", "amount": "12000", "description": "Gift card purchase",
        "occurred_at": datetime(2026, 3, 4, 23, 30, tzinfo=UTC)}  # fmt: skip


@pytest.fixture
def receiver():
    """A webhook endpoint that fails the first `fail_first` requests with 500, then accepts."""
    state = {"requests": [], "fail_first": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state["requests"].append(({k.lower(): v for k, v in self.headers.items()}, body))
            failing = len(state["requests"]) <= state["fail_first"]
            self.send_response(500 if failing else 204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_port}/hooks/chequecloud"
    yield state
    server.shutdown()


def _configure(settings, url):
    settings.ALERT_WEBHOOK_URL = url
    settings.ALERT_WEBHOOK_SECRET = SECRET


def test_a_high_alert_is_delivered_signed(db, settings, receiver, django_capture_on_commit_callbacks):
    _configure(settings, receiver["url"])
    txn = txn_services.transaction_ingest(actor=None, data=HIGH)
    with django_capture_on_commit_callbacks(execute=True):
        result = alerts_notify(alert_ids=[txn.alert.pk])
    delivery = WebhookDelivery.objects.get(pk=result["webhook"])
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 204)

    headers, body = receiver["requests"][0]
    assert headers["x-chequecloud-event"] == "alerts.high"
    signature = dict(part.split("=", 1) for part in headers[SIGNATURE_HEADER.lower()].split(","))
    stamp, mac = signature["t"], signature["v1"]
    expected = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mac, expected)
    assert json.loads(body)["data"]["alerts"][0]["severity"] == "high"


def _deliver_like_a_worker(delivery_id: int) -> None:
    """What a worker does: run the task body, and again for each retry Celery would schedule (the
    unwrapped body raises the retryable error instead of re-queueing itself)."""
    for attempt in range(deliver_webhook.max_retries + 1):
        deliver_webhook.push_request(retries=attempt)
        try:
            deliver_webhook._orig_run(delivery_id)
            return
        except _Failed:
            continue
        finally:
            deliver_webhook.pop_request()


def _delivery_for_a_high_alert(settings, receiver, capture) -> WebhookDelivery:
    _configure(settings, receiver["url"])
    txn = txn_services.transaction_ingest(actor=None, data=HIGH)
    with capture(execute=False):  # the worker, not the commit, sends it here
        result = alerts_notify(alert_ids=[txn.alert.pk])
    return WebhookDelivery.objects.get(pk=result["webhook"])


def test_a_failing_receiver_is_retried_until_it_accepts(db, settings, receiver, django_capture_on_commit_callbacks):
    receiver["fail_first"] = 2
    delivery = _delivery_for_a_high_alert(settings, receiver, django_capture_on_commit_callbacks)
    _deliver_like_a_worker(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    assert len(receiver["requests"]) == 3


def test_a_receiver_that_never_accepts_leaves_a_failed_delivery(db, settings, receiver,
                                                                django_capture_on_commit_callbacks):  # fmt: skip
    receiver["fail_first"] = 100
    delivery = _delivery_for_a_high_alert(settings, receiver, django_capture_on_commit_callbacks)
    _deliver_like_a_worker(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert delivery.attempts == 7  # the first try and six retries
    assert delivery.last_status_code == 500 and "HTTP 500" in delivery.last_error


def test_a_webhook_url_without_a_secret_refuses_to_start():
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "chequecloud.settings.local",
           "ALERT_WEBHOOK_URL": "https://siem.bank.example/hook"}  # fmt: skip
    env.pop("ALERT_WEBHOOK_SECRET", None)
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=Path(__file__).resolve().parents[2], env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode != 0 and "ALERT_WEBHOOK_SECRET" in result.stderr
