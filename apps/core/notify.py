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
