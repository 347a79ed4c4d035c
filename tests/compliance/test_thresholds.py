"""Regulatory thresholds are data: the bank's profile gives each metric its first version, and every
change is a new version drafted by one compliance officer and approved by another, in force from its day."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.accounts.choices import Role
from apps.compliance import selectors, services
from apps.compliance.models import Threshold
from apps.compliance.profiles import METRICS, PROFILES
from apps.core.models import AuditEvent
from tests.factories import make_user


@pytest.fixture
def officers(db):
    return make_user(Role.COMPLIANCE, email="asha@bank.test"), make_user(Role.COMPLIANCE, email="ben@bank.test")


def _profile(name: str) -> dict[str, Threshold]:
    Threshold.objects.all().delete()
    services.profile_load(profile=name)
    return selectors.thresholds_current()


def test_the_banks_profile_gives_every_metric_its_first_approved_version(db, settings):
    current = selectors.thresholds_current()
    assert set(current) == set(METRICS) == set(PROFILES[settings.COMPLIANCE_PROFILE])
    cash = current["cash_report_amount"]
    assert (cash.version, cash.status, cash.breach, cash.currency) == (1, "approved", Decimal("10000.00"), "USD")
    assert "31 CFR 1010.311" in cash.source
    assert services.profile_load() == 0  # loading again adds nothing


@pytest.mark.parametrize(
    ("profile", "metric", "breach", "currency"),
    [
        ("us", "cash_report_amount", "10000", "USD"),
        ("us", "cash_report_due_days", "15", ""),
        ("us", "suspicious_report_amount", "5000", "USD"),
        ("us", "suspicious_report_due_days", "30", ""),
        ("us", "records_retention_years", "5", ""),
        ("in", "cash_report_amount", "1000000", "INR"),
        ("in", "cash_report_due_days", "15", ""),
        ("in", "cross_border_wire_amount", "500000", "INR"),
        ("in", "suspicious_report_due_days", "7", ""),
        ("in", "kyc_review_years_high", "2", ""),
        ("in", "kyc_review_years_medium", "8", ""),
        ("in", "kyc_review_years_low", "10", ""),
        ("eu", "records_retention_years", "5", ""),
    ],
)
def test_each_profile_carries_the_numbers_of_its_law(db, profile, metric, breach, currency):
    threshold = _profile(profile)[metric]
    assert (threshold.profile, threshold.breach, threshold.currency) == (profile, Decimal(breach), currency)
    assert threshold.source


def test_a_change_is_drafted_by_one_officer_and_approved_by_another(officers):
    asha, ben = officers
    today = timezone.localdate()
    draft = services.threshold_draft(actor=asha, metric="cash_report_amount", breach="9000", warning="7500",
                                     currency="usd", effective_from=today, reason="Tighter")  # fmt: skip
    assert (draft.version, draft.status, draft.currency) == (2, "pending", "USD")
    assert selectors.thresholds_current()["cash_report_amount"].version == 1  # not in force until approved
    with pytest.raises(ValidationError, match="someone other than"):
        services.threshold_approve(actor=asha, threshold=draft)
    with pytest.raises(PermissionDenied):
        services.threshold_approve(actor=make_user(Role.SUPERVISOR, email="s@bank.test"), threshold=draft)
    services.threshold_approve(actor=ben, threshold=draft, note="Agreed")
    current = selectors.thresholds_current()["cash_report_amount"]
    assert (current.version, current.breach, current.warning, current.reviewed_by) == (2, 9000, 7500, ben)
    assert Threshold.objects.get(metric="cash_report_amount", version=1).breach == 10000  # still readable
    actions = list(AuditEvent.objects.filter(object_id=str(draft.pk)).values_list("action", flat=True))
    assert sorted(actions) == ["threshold.approve", "threshold.draft"]


def test_a_version_for_a_later_day_waits_for_its_day(officers):
    asha, ben = officers
    later = timezone.localdate() + timedelta(days=30)
    draft = services.threshold_draft(actor=asha, metric="dormant_days", breach="180", effective_from=later,
                                     reason="Six months, as the regulator now expects")  # fmt: skip
    services.threshold_approve(actor=ben, threshold=draft)
    assert selectors.thresholds_current()["dormant_days"].breach == 365
    assert selectors.thresholds_current(on=later)["dormant_days"].breach == 180
    assert selectors.thresholds_scheduled()["dormant_days"] == draft


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"warning": "12000"}, "warning level comes before the breach level: below it"),
        ({"currency": "XYZ"}, "XYZ is not an ISO 4217"),
        ({"breach": "-1"}, "from 0 up to"),
        ({"breach": "ten thousand"}, "is not a number"),
        ({"reason": " "}, "Say why"),
        ({"effective_from": timezone.localdate() - timedelta(days=1)}, "from today or a later day"),
        ({"metric": "made_up"}, "Unknown metric"),
    ],
)
def test_a_bad_draft_is_refused_with_the_reason(officers, changes, message):
    data = {"metric": "cash_report_amount", "breach": "10000", "currency": "USD", "reason": "Review",
            "effective_from": timezone.localdate(), **changes}  # fmt: skip
    with pytest.raises(ValidationError, match=message):
        services.threshold_draft(actor=officers[0], **data)
    assert not Threshold.objects.filter(status="pending").exists()


def test_analysts_cannot_draft_and_a_rejection_needs_a_note(officers):
    asha, ben = officers
    with pytest.raises(PermissionDenied):
        services.threshold_draft(actor=make_user(Role.ANALYST, email="a@bank.test"), metric="dormant_days",
                                 breach="200", effective_from=timezone.localdate(), reason="x")  # fmt: skip
    draft = services.threshold_draft(actor=asha, metric="dormant_days", breach="200",
                                     effective_from=timezone.localdate(), reason="Calibration")  # fmt: skip
    with pytest.raises(ValidationError, match="Say why it is rejected"):
        services.threshold_reject(actor=ben, threshold=draft, note="")
    services.threshold_reject(actor=ben, threshold=draft, note="Too short")
    assert Threshold.objects.get(pk=draft.pk).status == "rejected"
    assert selectors.thresholds_current()["dormant_days"].breach == 365


def test_adopting_another_profile_drafts_the_metrics_that_differ(officers):
    asha, ben = officers
    drafts = services.profile_adopt(actor=asha, profile="in", effective_from=timezone.localdate(),
                                    reason="The bank now operates in India")  # fmt: skip
    by_metric = {d.metric: d for d in drafts}
    assert by_metric["cash_report_amount"].breach == 1000000 and by_metric["cash_report_amount"].currency == "INR"
    assert "structuring_count" not in by_metric  # the same under both profiles
    for draft in drafts:
        services.threshold_approve(actor=ben, threshold=draft)
    assert selectors.thresholds_current()["kyc_review_years_high"].breach == 2
