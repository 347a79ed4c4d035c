"""Reads of KYC: the records with their effective rating, the review queue, and what a rating reads from
the bank's records (the high-risk list, the customer's alerts)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from apps.fraud.models import Alert
from apps.transactions.models import Customer

from ..choices import KycState
from ..models import CustomerRisk, HighRiskJurisdiction, IdentityDocument
from .rating import ALERT_WINDOW_DAYS

AML_CUSTOMER_SUBJECT = "aml:customer:"  # the subject of the AML scenarios' alerts on a customer


def customer_risk_list() -> QuerySet[CustomerRisk]:
    """Every KYC record with its customer and `effective` (the override, else the computed rating)."""
    return CustomerRisk.objects.select_related("customer", "override_by", "reviewed_by").annotate(
        effective=Coalesce(NullIf("override_rating", Value("")), "rating")
    )


def state_filter(state: str, today: date | None = None) -> Q:
    """The records in a KYC state, as a filter on the due day (the state is computed, not stored)."""
    today = today or timezone.localdate()
    soon = today + timedelta(days=settings.KYC_REVIEW_DUE_SOON_DAYS)
    return {
        KycState.PENDING: Q(review_due__isnull=True),
        KycState.EXPIRED: Q(review_due__lt=today),
        KycState.REVIEW_DUE: Q(review_due__gte=today, review_due__lte=soon),
        KycState.VERIFIED: Q(review_due__gt=soon),
    }[state]


def kyc_queue() -> QuerySet[CustomerRisk]:
    """The review queue: never-reviewed customers first (their first review is due now), then by due
    day, the most overdue first."""
    return customer_risk_list().order_by(F("review_due").asc(nulls_first=True), "customer__full_name", "id")


def customers_without_record() -> QuerySet[Customer]:
    return Customer.objects.filter(kyc__isnull=True).order_by("id")


def high_risk_countries() -> dict[str, str]:
    """The bank's high-risk list: country → why."""
    return dict(HighRiskJurisdiction.objects.values_list("country", "reason"))


def _alert_window_start():
    return timezone.now() - timedelta(days=ALERT_WINDOW_DAYS)


def customer_alerts(customer: Customer) -> QuerySet[Alert]:
    """The customer's alerts of the last year: fraud alerts on their transactions and the AML scenarios'
    alerts on them."""
    mine = Q(transaction__customer_ref=customer.external_id) | Q(
        subject=f"{AML_CUSTOMER_SUBJECT}{customer.external_id}"
    )
    return (
        Alert.objects.filter(mine, created_at__gte=_alert_window_start())
        .select_related("transaction", "case")
        .order_by("-created_at", "-id")
    )


def alert_counts(external_ids: list[str]) -> dict[str, int]:
    """How many alerts of the last year each customer has (two grouped queries per 500 customers)."""
    since, counts = _alert_window_start(), dict.fromkeys(external_ids, 0)
    for i in range(0, len(external_ids), 500):
        chunk = external_ids[i : i + 500]
        fraud = (
            Alert.objects.filter(created_at__gte=since, transaction__customer_ref__in=chunk)
            .values("transaction__customer_ref")
            .annotate(n=Count("id"))
            .values_list("transaction__customer_ref", "n")
        )
        for ref, n in fraud:
            counts[ref] += n
        subjects = {f"{AML_CUSTOMER_SUBJECT}{ref}": ref for ref in chunk}
        aml = (
            Alert.objects.filter(created_at__gte=since, subject__in=list(subjects), transaction__isnull=True)
            .values("subject")
            .annotate(n=Count("id"))
            .values_list("subject", "n")
        )
        for subject, n in aml:
            counts[subjects[subject]] += n
    return counts


def identity_documents(customer: Customer) -> QuerySet[IdentityDocument]:
    return IdentityDocument.objects.filter(customer=customer).select_related("uploaded_by")
