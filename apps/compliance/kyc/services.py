"""Writes of KYC, each audited in the transaction that makes it and permission-checked (`actor=None` is
the system: the data pass and the scheduled reassessment).

A record's rating is computed from its facts (`rating.rate`); an officer may override it with a reason.
The effective rating (the override, else the computed one) sets the review period: the next review is
due `kyc_review_years_<rating>` years (the thresholds in force) after the last one. The customer's own
risk rating, review date and KYC status follow through `apps.transactions.services.customer_kyc_set`.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.services import audit_record, audit_record_many
from apps.transactions import services as customer_services
from apps.transactions.choices import KYCStatus, RiskRating
from apps.transactions.models import Customer

from ..choices import BusinessType, DocumentKind, KycState, OnboardingChannel, ScreeningResult
from ..files import checked_upload, read_encrypted, save_encrypted
from ..models import CustomerRisk, IdentityDocument, Threshold
from ..profiles import PROFILES
from ..score.services import score_refresh_soon
from . import selectors
from .rating import Facts, add_years, rate, review_years_metric

# Customers without a record get one when the queue is opened (portal or API), this many at a time; the
# rest by `manage.py kyc_assess_all`, which the scheduler also runs daily.
OPEN_ON_VIEW = 200
_SNAPSHOT = ["pep", "business_type", "channel", "screening", "rating", "score", "override_rating", "last_review",
             "review_due"]  # fmt: skip
# The customer's coarse status: a review due soon is still verified until its day passes.
_CUSTOMER_STATUS = {
    KycState.PENDING: KYCStatus.PENDING,
    KycState.VERIFIED: KYCStatus.VERIFIED,
    KycState.REVIEW_DUE: KYCStatus.VERIFIED,
    KycState.EXPIRED: KYCStatus.EXPIRED,
}


def _check(actor, perm: str, message: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(message)


def _snapshot(risk: CustomerRisk) -> dict:
    snap = {name: getattr(risk, name) for name in _SNAPSHOT}
    snap["effective_rating"] = risk.effective_rating
    return snap


def review_years(rating: str, levels: dict[str, Threshold] | None = None):
    """How many years a customer of this rating goes between reviews: the threshold in force (the bank's
    profile's value if the metric has none)."""
    from ..selectors import thresholds_current

    metric = review_years_metric(rating)
    found = (levels if levels is not None else thresholds_current()).get(metric)
    return found.breach if found is not None else PROFILES[settings.COMPLIANCE_PROFILE][metric].breach


def _due(risk: CustomerRisk, levels=None) -> date | None:
    """The next review day: the last review plus the period of the effective rating. A record never
    reviewed here keeps the day it carries (empty, or the date the customer held before)."""
    if risk.last_review is None:
        return risk.review_due
    return add_years(risk.last_review, review_years(risk.effective_rating, levels))


def _recompute(risk: CustomerRisk, *, countries: dict[str, str], alerts: int, levels=None) -> None:
    country = (risk.customer.country or "").upper()
    facts = Facts(pep=risk.pep, country=country, high_risk_reason=countries.get(country),
                  business_type=risk.business_type, channel=risk.channel, screening=risk.screening,
                  alerts=alerts)  # fmt: skip
    found = rate(facts)
    risk.rating, risk.score, risk.factors, risk.assessed_at = found.rating, found.score, found.factors, timezone.now()
    risk.review_due = _due(risk, levels)


def _facts_now(risk: CustomerRisk, levels=None) -> None:
    ref = risk.customer.external_id
    _recompute(risk, countries=selectors.high_risk_countries(), alerts=selectors.alert_counts([ref])[ref],
               levels=levels)  # fmt: skip


def _sync_customer(actor, risk: CustomerRisk) -> None:
    """The customer's own rating, review date and status, as this record has them (a rejected customer
    stays rejected)."""
    customer = risk.customer
    status = customer.kyc_status if customer.kyc_status == KYCStatus.REJECTED else _CUSTOMER_STATUS[risk.state]
    risk.customer = customer_services.customer_kyc_set(actor=actor, customer=customer,
                                                       risk_rating=risk.effective_rating,
                                                       review_date=risk.review_due, status=status)  # fmt: skip


def _locked(risk: CustomerRisk) -> CustomerRisk:
    return CustomerRisk.objects.select_for_update().select_related("customer").get(pk=risk.pk)


# ------------------------------------------------------------------------------------ records
def _new_record(customer: Customer, *, countries, alerts: int, levels) -> CustomerRisk:
    """A first record from what the customer's data says: the business type from the segment when it
    names one ("retail" is salaried), and a review date the customer already held when verified."""
    segment = (customer.segment or "").strip().lower()
    business = BusinessType.SALARIED if segment in ("", "retail") else segment
    if business not in BusinessType.values:
        business = BusinessType.NOT_STATED
    carried = customer.kyc_review_date if customer.kyc_status in (KYCStatus.VERIFIED, KYCStatus.EXPIRED) else None
    risk = CustomerRisk(customer=customer, business_type=business, review_due=carried)
    _recompute(risk, countries=countries, alerts=alerts, levels=levels)
    return risk


def customer_risk_open(*, actor, customer: Customer) -> CustomerRisk:
    """The customer's KYC record, made (rated, audited) the first time it is needed."""
    found = CustomerRisk.objects.select_related("customer").filter(customer=customer).first()
    if found is not None:
        return found
    from ..selectors import thresholds_current

    ref = customer.external_id
    risk = _new_record(customer, countries=selectors.high_risk_countries(), alerts=selectors.alert_counts([ref])[ref],
                       levels=thresholds_current())  # fmt: skip
    try:
        with transaction.atomic():
            risk.save()
            audit_record(actor=actor, action="kyc.open", obj=risk, after=_snapshot(risk))
            _sync_customer(actor, risk)
    except IntegrityError:  # opened meanwhile by another request
        return CustomerRisk.objects.select_related("customer").get(customer=customer)
    return risk


def customer_risks_open_missing(*, actor=None, limit: int | None = None) -> int:
    """Records for customers who have none (the data pass; at most `limit`). Returns how many were made."""
    from ..selectors import thresholds_current

    customers = list(selectors.customers_without_record()[:limit] if limit else selectors.customers_without_record())
    if not customers:
        return 0
    levels, countries = thresholds_current(), selectors.high_risk_countries()
    before = CustomerRisk.objects.count()
    for i in range(0, len(customers), 500):
        chunk = customers[i : i + 500]
        alerts = selectors.alert_counts([c.external_id for c in chunk])
        records = [_new_record(c, countries=countries, alerts=alerts[c.external_id], levels=levels) for c in chunk]
        try:
            with transaction.atomic():
                for risk in records:  # one by one: MySQL does not return the keys of a bulk insert
                    risk.save()
                audit_record_many(actor=actor, action="kyc.open", objs=records)
                for risk in records:
                    _sync_customer(actor, risk)
        except IntegrityError:  # some were opened meanwhile: one by one
            for customer in chunk:
                customer_risk_open(actor=actor, customer=customer)
    return CustomerRisk.objects.count() - before


def customer_risk_assess(*, actor, risk: CustomerRisk, levels=None, countries=None, alerts: int | None = None
                         ) -> CustomerRisk:  # fmt: skip
    """Rate again from the facts as they are now (new alerts, a changed high-risk list, changed review
    periods). Audited when the computed rating changes."""
    _check(actor, "compliance.change_customerrisk", "You may not reassess KYC ratings.")
    with transaction.atomic():
        risk = _locked(risk)
        before = _snapshot(risk)
        if countries is None or alerts is None:
            _facts_now(risk, levels)
        else:
            _recompute(risk, countries=countries, alerts=alerts, levels=levels)
        risk.save()
        if risk.rating != before["rating"]:
            audit_record(actor=actor, action="kyc.assess", obj=risk, before=before, after=_snapshot(risk))
        _sync_customer(actor, risk)
    return risk


def customer_risks_assess_all(*, actor=None) -> dict:
    """The data pass and the daily reassessment: a record for every customer who has none, then every
    record rated again and the customers' KYC summaries brought in step (a due day that passed makes the
    customer's status expired)."""
    from ..selectors import thresholds_current

    opened = customer_risks_open_missing(actor=actor)
    levels, countries = thresholds_current(), selectors.high_risk_countries()
    assessed = changed = 0
    ids = list(CustomerRisk.objects.order_by("id").values_list("id", flat=True))
    for i in range(0, len(ids), 500):
        chunk = list(CustomerRisk.objects.filter(id__in=ids[i : i + 500]).select_related("customer"))
        alerts = selectors.alert_counts([r.customer.external_id for r in chunk])
        for risk in chunk:
            rating = risk.rating
            risk = customer_risk_assess(actor=actor, risk=risk, levels=levels, countries=countries,
                                        alerts=alerts[risk.customer.external_id])  # fmt: skip
            assessed += 1
            changed += risk.rating != rating
    return {"opened": opened, "assessed": assessed, "rating_changed": changed}


def customer_risk_set_factors(*, actor, risk: CustomerRisk, pep: bool, business_type: str, channel: str,
                              screening: str) -> CustomerRisk:  # fmt: skip
    """The stated factors, as an officer records them; the rating follows at once."""
    _check(actor, "compliance.change_customerrisk", "You may not change KYC factors.")
    errors = {}
    if business_type not in BusinessType.values:
        errors["business_type"] = [f"Unknown business type {business_type!r}."]
    if channel not in OnboardingChannel.values:
        errors["channel"] = [f"Unknown onboarding channel {channel!r}."]
    if screening not in ScreeningResult.values:
        errors["screening"] = [f"Unknown screening result {screening!r}."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        risk = _locked(risk)
        before = _snapshot(risk)
        risk.pep, risk.business_type, risk.channel, risk.screening = bool(pep), business_type, channel, screening
        _facts_now(risk)
        risk.save()
        after = _snapshot(risk)
        if before != after:
            audit_record(actor=actor, action="kyc.factors_set", obj=risk, before=before, after=after)
        _sync_customer(actor, risk)
    return risk


def customer_risk_override(*, actor, risk: CustomerRisk, rating: str, reason: str) -> CustomerRisk:
    """Set the rating by hand (or, with an empty rating, go back to the computed one). A reason is
    required; compliance officers only. The review period follows the overridden rating."""
    _check(actor, "compliance.override_customerrisk", "Only compliance officers override KYC ratings.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the rating is overridden."]})
    if rating and rating not in RiskRating.values:
        raise ValidationError({"rating": [f"Unknown risk rating {rating!r}."]})
    with transaction.atomic():
        risk = _locked(risk)
        before = _snapshot(risk)
        if rating:
            risk.override_rating, risk.override_reason = rating, reason
            risk.override_by, risk.override_at = actor, timezone.now()
        else:
            risk.override_rating, risk.override_reason, risk.override_by, risk.override_at = "", "", None, None
        risk.review_due = _due(risk)
        risk.save()
        audit_record(actor=actor, action="kyc.override" if rating else "kyc.override_clear", obj=risk,
                     before=before, after=_snapshot(risk), reason=reason)  # fmt: skip
        _sync_customer(actor, risk)
    return risk


def customer_risk_review(*, actor, risk: CustomerRisk, note: str) -> CustomerRisk:
    """A completed periodic review: the facts read again, the last review today, the next one due after
    the period of the effective rating. The note (what was checked) is required."""
    _check(actor, "compliance.change_customerrisk", "You may not complete KYC reviews.")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": ["Say what the review found."]})
    with transaction.atomic():
        risk = _locked(risk)
        before = _snapshot(risk)
        risk.last_review, risk.last_review_note, risk.reviewed_by = timezone.localdate(), note, actor
        _facts_now(risk)
        risk.save()
        audit_record(actor=actor, action="kyc.review", obj=risk, before=before, after=_snapshot(risk), reason=note)
        _sync_customer(actor, risk)
        score_refresh_soon()
    return risk


# ------------------------------------------------------------------------------------ identity documents
def identity_document_add(*, actor, customer: Customer, kind: str, upload) -> IdentityDocument:
    """Keep an identity document: a PDF, PNG or JPEG (by its content), at most KYC_DOCUMENT_MAX_MB,
    encrypted with the bank's keys before it reaches storage."""
    _check(actor, "compliance.add_identitydocument", "You may not add identity documents.")
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": [f"Unknown document kind {kind!r}."]})
    checked = checked_upload(upload, limit_mb=settings.KYC_DOCUMENT_MAX_MB)
    name, content_type, data = checked.name, checked.content_type, checked.data
    document = IdentityDocument(customer=customer, kind=kind, name=name, content_type=content_type, size=len(data),
                                sha256=checked.sha256,
                                uploaded_by=actor if getattr(actor, "is_authenticated", False) else None)  # fmt: skip
    save_encrypted(document, checked, lambda: audit_record(
        actor=actor, action="kyc.document_add", obj=document,
        after={"customer": customer.external_id, "kind": kind, "name": name, "size": len(data),
               "content_type": content_type, "sha256": document.sha256}))  # fmt: skip
    return document


def identity_document_read(*, actor, document: IdentityDocument) -> bytes:
    """The document's original bytes, decrypted; every read is audited."""
    _check(actor, "compliance.view_identitydocument", "You may not read identity documents.")
    data = read_encrypted(document.file, document.sha256, f"Identity document #{document.pk}")
    with transaction.atomic():
        audit_record(actor=actor, action="kyc.document_view", obj=document,
                     after={"customer": document.customer.external_id, "kind": document.kind})  # fmt: skip
    return data
