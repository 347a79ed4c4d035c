"""The case state machine: for each action, the states it may start from and where it leads.

new → in review → pending approval → closed, plus escalated and snoozed (which wakes by itself).
Services call `next_state` before any change; nothing else writes `Case.status`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from ..choices import CaseStatus

NEW, REVIEW, ESCALATED, SNOOZED, PENDING, CLOSED = (
    CaseStatus.NEW,
    CaseStatus.IN_REVIEW,
    CaseStatus.ESCALATED,
    CaseStatus.SNOOZED,
    CaseStatus.PENDING_APPROVAL,
    CaseStatus.CLOSED,
)

TRANSITIONS: dict[str, dict[str, str]] = {
    # taking the work
    "claim": {NEW: REVIEW, REVIEW: REVIEW, ESCALATED: ESCALATED},
    "assign": {NEW: REVIEW, REVIEW: REVIEW, ESCALATED: ESCALATED, SNOOZED: SNOOZED, PENDING: PENDING},
    # side tracks
    "escalate": {NEW: ESCALATED, REVIEW: ESCALATED},
    "snooze": {NEW: SNOOZED, REVIEW: SNOOZED, ESCALATED: SNOOZED},
    "resume": {ESCALATED: REVIEW, SNOOZED: REVIEW},
    # deciding
    "propose": {REVIEW: PENDING, ESCALATED: PENDING},  # a decision that needs a second person
    "close": {REVIEW: CLOSED, ESCALATED: CLOSED},  # a decision that does not
    "approve": {PENDING: CLOSED},
    "send_back": {PENDING: REVIEW},
    "reopen": {CLOSED: REVIEW},
}

LABELS = {
    "claim": "claim",
    "assign": "assign",
    "escalate": "escalate",
    "snooze": "snooze",
    "resume": "resume",
    "propose": "propose a decision on",
    "close": "close",
    "approve": "approve the decision on",
    "send_back": "send back",
    "reopen": "reopen",
}


def allowed(status: str, action: str) -> bool:
    return status in TRANSITIONS[action]


def next_state(status: str, action: str) -> str:
    """Where `action` takes a case in `status`, or a ValidationError that says why it cannot."""
    if action not in TRANSITIONS:
        raise ValueError(f"unknown case action {action!r}")
    try:
        return TRANSITIONS[action][status]
    except KeyError:
        label = CaseStatus(status).label.lower()
        raise ValidationError(f"You cannot {LABELS[action]} a case that is {label}.", code="invalid_state") from None


def actions_from(status: str) -> list[str]:
    return [a for a, moves in TRANSITIONS.items() if status in moves]
