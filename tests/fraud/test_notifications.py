import json
from datetime import UTC, datetime

import boto3
from botocore.stub import Stubber
from django.core import mail

from apps.accounts.choices import Role
from apps.fraud.services import alerts_notify
from apps.transactions import services as txn_services
from tests.factories import make_user

HIGH = {"customer_ref": "E-1", "amount": "12000", "description": "Gift card purchase",
        "occurred_at": datetime(2026, 3, 4, 23, 30, tzinfo=UTC)}  # fmt: skip


def test_a_high_alert_emails_supervisors_and_compliance_after_commit(db, django_capture_on_commit_callbacks, settings):
    settings.ALERT_NOTIFY_EMAILS = ["fraud-desk@bank.test"]
    make_user(Role.SUPERVISOR, email="sup@bank.test")
    make_user(Role.COMPLIANCE, email="comp@bank.test")
    make_user(Role.ANALYST, email="ana@bank.test")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        txn_services.transaction_ingest(actor=None, data=HIGH)
        assert mail.outbox == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["comp@bank.test", "fraud-desk@bank.test", "sup@bank.test"]
    assert "1 new high-severity alert" in message.subject
    assert "customer:E-1" in message.body and "/alerts/" in message.body


def test_medium_alerts_send_nothing(db, django_capture_on_commit_callbacks):
    make_user(Role.SUPERVISOR, email="sup@bank.test")
    with django_capture_on_commit_callbacks(execute=True):
        medium = {**HIGH, "description": "Hotel", "occurred_at": datetime(2026, 3, 4, 12, tzinfo=UTC)}
        txn_services.transaction_ingest(actor=None, data=medium)
    assert mail.outbox == []


def test_sns_receives_the_alert_when_a_topic_is_configured(db, settings, monkeypatch):
    settings.ALERT_SNS_TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:chequecloud-alerts"
    txn = txn_services.transaction_ingest(actor=None, data=HIGH)
    client = boto3.client("sns", region_name="eu-west-1", aws_access_key_id="test", aws_secret_access_key="test")
    stubber = Stubber(client)
    stubber.add_response(
        "publish",
        {"MessageId": "5c7a1a5e-2f0b-5b9b-9d3c-6a7e2b1f0c11", "ResponseMetadata": {"HTTPStatusCode": 200}},
        {
            "TopicArn": settings.ALERT_SNS_TOPIC_ARN,
            "Subject": "1 new high-severity alert",
            "Message": _CapturedMessage(),
        },
    )
    monkeypatch.setattr(boto3, "client", lambda *a, **k: client)
    with stubber:
        result = alerts_notify(alert_ids=[txn.alert.pk])
    stubber.assert_no_pending_responses()
    assert result["sns"] == "5c7a1a5e-2f0b-5b9b-9d3c-6a7e2b1f0c11"
    payload = json.loads(_CapturedMessage.last)
    assert payload["alerts"][0]["severity"] == "high"
    assert payload["alerts"][0]["reasons"][:2] == ["large-amount", "risky-keywords"]


class _CapturedMessage:
    """Matches any message body in the Stubber's expected params, keeping it for inspection."""

    last = ""

    def __eq__(self, other):
        _CapturedMessage.last = other
        return isinstance(other, str)
