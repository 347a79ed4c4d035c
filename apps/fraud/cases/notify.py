"""Case notifications: email to the people concerned (by their preferences), and for the events an
operations centre watches, SNS and a signed webhook when configured."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from apps.core.dispatch import dispatch_on_commit

from ..models import Case

# event → (preference kind, email subject, also to SNS / webhook)
EVENTS: dict[str, tuple[str, str, bool]] = {
    "case.critical": ("critical_case", "New critical case {ref}", True),
    "case.sla_due_soon": ("sla", "SLA due soon on {ref}", False),
    "case.sla_breached": ("sla", "SLA breached on {ref}", True),
    "case.approval_requested": ("approval", "Decision waiting for your approval on {ref}", True),
    "case.approved": ("approval", "Your decision on {ref} was approved", False),
    "case.sent_back": ("approval", "Your decision on {ref} was sent back", False),
    "case.escalated": ("approval", "{ref} was escalated", False),
    "case.woken": ("sla", "{ref} is back from snooze", False),
    "case.mention": ("mention", "You were mentioned on {ref}", False),
}


def case_notify_send(*, event: str, case_id: int, user_ids: list[int], note: str = "") -> dict:
    from apps.accounts.selectors import users_wanting
    from apps.core.models import WebhookDelivery
    from apps.core.notify import publish_sns, send_email

    kind, subject_fmt, broadcast = EVENTS[event]
    case = Case.objects.filter(pk=case_id).select_related("assignee", "team").first()
    if case is None:
        return {"emails": 0, "skipped": "case not found"}
    subject = subject_fmt.format(ref=case.reference)
    link = settings.PORTAL_BASE_URL.rstrip("/") + reverse("fraud:case_detail", args=[case.pk])
    body = "\n".join([
        f"{case.reference}: {case.title}",
        f"Priority {case.get_priority_display()}, status {case.get_status_display()}, "
        f"SLA due {case.sla_due_at:%Y-%m-%d %H:%M} UTC",
        f"Assigned to {case.assignee}" if case.assignee else "Not assigned",
        f"\n{note}" if note else "",
        "",
        f"Open the case: {link}",
    ])  # fmt: skip
    sent = send_email(subject=subject, body=body, recipients=users_wanting(user_ids, kind))
    result = {"emails": sent, "sns": None, "webhook": None}
    if broadcast:
        payload = {"event": event, "case": {"id": case.pk, "reference": case.reference, "priority": case.priority,
                                            "status": case.status, "sla_due_at": case.sla_due_at.isoformat(),
                                            "team": case.team.slug if case.team else None}}  # fmt: skip
        result["sns"] = publish_sns(subject=subject, payload=payload)
        if settings.ALERT_WEBHOOK_URL:
            from apps.core.tasks import deliver_webhook

            webhook = WebhookDelivery.objects.create(url=settings.ALERT_WEBHOOK_URL, event=event, payload=payload)
            dispatch_on_commit(deliver_webhook, webhook.pk)
            result["webhook"] = webhook.pk
    return result
