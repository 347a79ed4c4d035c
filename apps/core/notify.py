"""Outbound notifications: email always; an SNS topic when ALERT_SNS_TOPIC_ARN is set."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.core.mail import send_mail

logger = logging.getLogger(__name__)


def send_email(*, subject: str, body: str, recipients: list[str]) -> int:
    if not recipients:
        return 0
    return send_mail(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}", message=body, from_email=None,
        recipient_list=sorted(set(recipients)),
    )  # fmt: skip


def publish_sns(*, subject: str, payload: dict, client=None) -> str | None:
    """Publish to the configured topic; returns the message id, or None when SNS is not configured."""
    topic = settings.ALERT_SNS_TOPIC_ARN
    if not topic:
        return None
    if client is None:
        import boto3

        client = boto3.client("sns", region_name=settings.AWS_REGION or None)
    response = client.publish(TopicArn=topic, Subject=subject[:100], Message=json.dumps(payload, default=str))
    return response["MessageId"]


SIGNATURE_HEADER = "X-ChequeCloud-Signature"


def sign_webhook(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`; receivers recompute it and reject old t."""
    import hashlib
    import hmac

    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class WebhookError(Exception):
    """The receiver did not accept the delivery (network error or a non-2xx answer)."""


def post_webhook(*, url: str, secret: str, event: str, payload: dict, timeout: float = 5.0) -> int:
    import time
    import urllib.error
    import urllib.request

    body = json.dumps({"event": event, "data": payload}, default=str, sort_keys=True).encode()
    request = urllib.request.Request(  # noqa: S310 - the URL is the bank's own configured endpoint
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "ChequeCloud-Webhook/1",
            "X-ChequeCloud-Event": event,
            SIGNATURE_HEADER: sign_webhook(secret, int(time.time()), body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        raise WebhookError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise WebhookError(str(getattr(exc, "reason", exc))) from exc
