"""KYC: a customer's risk rating from stated factors, explained factor by factor; overrides that need a
reason; review due days from the rating and the thresholds in force; states computed from the due day;
the review queue; identity documents encrypted at rest and audited when read."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.compliance import services as compliance
from apps.compliance.kyc import selectors, services
from apps.compliance.kyc.rating import Facts, add_years, band, kyc_state, rate
from apps.compliance.models import CustomerRisk, IdentityDocument, Threshold
from apps.core.crypto import decrypt_bytes
from apps.core.models import AuditEvent
from apps.fraud.models import Alert
from apps.transactions import services as txn_services
from apps.transactions.models import Customer
from tests.factories import make_user
from tests.permission_matrix import PASSPORT_PDF

BASE = Facts(pep=False, country="US", high_risk_reason=None, business_type="salaried", channel="face_to_face",
             screening="clear", alerts=0)  # fmt: skip


@pytest.fixture
def officer(db):
    return make_user(Role.COMPLIANCE, email="officer@bank.test")


def _customer(ref: str, name: str | None = None, **kwargs) -> Customer:
    return txn_services.customer_create(actor=None, external_id=ref, full_name=name or f"Customer {ref}", **kwargs)


def _risk(ref: str = "C-1", **kwargs) -> CustomerRisk:
    return services.customer_risk_open(actor=None, customer=_customer(ref, **kwargs))


def _actions(obj) -> list[str]:
    return list(AuditEvent.objects.filter(object_id=str(obj.pk), action__startswith="kyc.")
                .order_by("id").values_list("action", flat=True))  # fmt: skip


def _points(facts: Facts, factor: str) -> int:
    return next(row["points"] for row in rate(facts).factors if row["factor"] == factor)


# ------------------------------------------------------------------------------------ the rating
def test_a_customer_with_nothing_against_them_scores_nothing_and_is_low():
    found = rate(BASE)
    assert (found.score, found.rating) == (0, "low")
    assert [r["factor"] for r in found.factors] == ["pep", "jurisdiction", "business_type", "channel", "screening",
                                                    "alerts"]  # fmt: skip
    assert all(set(r) == {"factor", "label", "value", "points", "why"} and r["why"] for r in found.factors)


@pytest.mark.parametrize(
    ("change", "factor", "points"),
    [
        ({"pep": True}, "pep", 40),
        ({"high_risk_reason": "FATF call for action"}, "jurisdiction", 40),
        ({"business_type": "self_employed"}, "business_type", 0),
        ({"business_type": "company"}, "business_type", 15),
        ({"business_type": "non_profit"}, "business_type", 15),
        ({"business_type": "not_stated"}, "business_type", 15),
        ({"business_type": "cash_intensive"}, "business_type", 40),
        ({"business_type": "money_service"}, "business_type", 40),
        ({"business_type": "precious_goods"}, "business_type", 40),
        ({"channel": "remote"}, "channel", 10),
        ({"screening": "not_screened"}, "screening", 10),
        ({"screening": "possible_match"}, "screening", 25),
        ({"screening": "match"}, "screening", 60),
        ({"alerts": 1}, "alerts", 10),
        ({"alerts": 2}, "alerts", 10),
        ({"alerts": 3}, "alerts", 25),
        ({"alerts": 40}, "alerts", 25),
    ],
)
def test_each_factor_gives_its_points_and_says_why(change, factor, points):
    facts = Facts(**{**BASE.__dict__, **change})
    found = rate(facts)
    assert _points(facts, factor) == points
    assert found.score == points  # only this factor differs from a clean customer
    row = next(r for r in found.factors if r["factor"] == factor)
    assert row["why"] and row["value"]


@pytest.mark.parametrize(("score", "rating"), [(0, "low"), (24, "low"), (25, "medium"), (49, "medium"),
                                               (50, "high"), (200, "high")])  # fmt: skip
def test_the_bands(score, rating):
    assert band(score) == rating


def test_the_reason_a_country_is_high_risk_is_in_the_explanation():
    found = rate(Facts(**{**BASE.__dict__, "country": "IR", "high_risk_reason": "FATF call for action"}))
    row = next(r for r in found.factors if r["factor"] == "jurisdiction")
    assert row["value"] == "IR" and "FATF call for action" in row["why"]


def test_a_pep_resident_in_a_high_risk_country_is_rated_high(officer):
    compliance.jurisdiction_add(actor=officer, country="IR", reason="FATF call for action")
    risk = _risk("C-IR", country="IR")
    risk = services.customer_risk_set_factors(actor=officer, risk=risk, pep=False, business_type="salaried",
                                              channel="face_to_face", screening="clear")  # fmt: skip
    assert (risk.rating, risk.score) == ("medium", 40)  # the country alone
    risk = services.customer_risk_set_factors(actor=officer, risk=risk, pep=True, business_type="salaried",
                                              channel="face_to_face", screening="clear")  # fmt: skip
    assert (risk.rating, risk.score) == ("high", 80)
    assert {r["factor"]: r["points"] for r in risk.factors}["pep"] == 40
    assert _actions(risk) == ["kyc.open", "kyc.factors_set", "kyc.factors_set"]
    assert Customer.objects.get(pk=risk.customer_id).risk_rating == "high"  # the customer follows


def test_alert_history_counts_fraud_and_aml_alerts_on_the_customer_in_the_last_year(db):
    customer = _customer("C-ALERTS")
    txn = txn_services.transaction_ingest(actor=None, data={"customer_ref": "C-ALERTS", "amount": "12.00",
                                                            "occurred_at": timezone.now()})  # fmt: skip
    if not Alert.objects.filter(transaction=txn).exists():
        Alert.objects.create(transaction=txn, subject="customer:C-ALERTS", severity="low", score=45, decision="review")
    for _ in range(2):
        Alert.objects.create(subject="aml:customer:C-ALERTS", severity="medium", score=60, decision="review")
    old = Alert.objects.create(subject="aml:customer:C-ALERTS", severity="medium", score=60, decision="review")
    Alert.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=366))
    Alert.objects.create(subject="aml:customer:C-OTHER", severity="medium", score=60, decision="review")
    assert selectors.alert_counts(["C-ALERTS", "C-NONE"]) == {"C-ALERTS": 3, "C-NONE": 0}
    risk = services.customer_risk_open(actor=None, customer=customer)
    assert {r["factor"]: r["points"] for r in risk.factors}["alerts"] == 25
    assert selectors.customer_alerts(customer).count() == 3


def test_a_first_record_takes_what_the_customer_data_says(db):
    retail = _risk("C-RETAIL")
    assert (retail.business_type, retail.channel, retail.screening, retail.pep) == ("salaried", "face_to_face",
                                                                                     "not_screened", False)  # fmt: skip
    assert (retail.rating, retail.score, retail.review_due, retail.state) == ("low", 10, None, "pending")
    assert _risk("C-MSB", segment="money_service").business_type == "money_service"
    assert _risk("C-SME", segment="sme").business_type == "not_stated"
    due = timezone.localdate() + timedelta(days=100)
    carried = _risk("C-OLD", kyc_status="verified", kyc_review_date=due)
    assert (carried.review_due, carried.last_review, carried.state) == (due, None, "verified")


def test_assessing_again_is_audited_only_when_the_rating_changes(officer):
    risk = _risk("C-CHANGE", country="KP")
    services.customer_risk_assess(actor=officer, risk=risk)
    services.customer_risk_assess(actor=None, risk=risk)
    assert _actions(risk) == ["kyc.open"]
    compliance.jurisdiction_add(actor=officer, country="KP", reason="FATF call for action")
    risk = services.customer_risk_assess(actor=None, risk=risk)
    assert risk.rating == "high"  # 40 + 10 not screened
    assert _actions(risk) == ["kyc.open", "kyc.assess"]
    event = AuditEvent.objects.get(action="kyc.assess", object_id=str(risk.pk))
    assert (event.before["rating"], event.after["rating"]) == ("low", "high")
    with pytest.raises(PermissionDenied):
        services.customer_risk_assess(actor=make_user(Role.ANALYST, email="a@bank.test"), risk=risk)


# ------------------------------------------------------------------------------------ overrides
def test_an_override_needs_a_reason_is_for_compliance_officers_and_is_audited(officer, supervisor, auditor):
    risk = _risk("C-OVR")
    with pytest.raises(ValidationError, match="Say why"):
        services.customer_risk_override(actor=officer, risk=risk, rating="high", reason="  ")
    for someone in (supervisor, auditor):
        with pytest.raises(PermissionDenied):
            services.customer_risk_override(actor=someone, risk=risk, rating="high", reason="Adverse media")
    risk = services.customer_risk_override(actor=officer, risk=risk, rating="high", reason="Adverse media")
    assert (risk.rating, risk.override_rating, risk.effective_rating) == ("low", "high", "high")
    assert (risk.override_by, risk.override_reason) == (officer, "Adverse media")
    event = AuditEvent.objects.get(action="kyc.override", object_id=str(risk.pk))
    assert (event.reason, event.before["effective_rating"], event.after["effective_rating"]) == (
        "Adverse media", "low", "high")  # fmt: skip
    assert event.actor == officer
    customer = Customer.objects.get(pk=risk.customer_id)
    assert customer.risk_rating == "high"
    assert AuditEvent.objects.filter(action="customer.kyc_set", object_id=str(customer.pk)).exists()
    risk = services.customer_risk_override(actor=officer, risk=risk, rating="", reason="Media report retracted")
    assert (risk.override_rating, risk.effective_rating) == ("", "low")
    assert _actions(risk)[-1] == "kyc.override_clear"


def test_the_database_refuses_an_override_without_a_reason(db):
    risk = _risk("C-DB")
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerRisk.objects.filter(pk=risk.pk).update(override_rating="high", override_reason="")


# ------------------------------------------------------------------------------------ reviews
def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _load_profile(name: str) -> None:
    Threshold.objects.all().delete()
    compliance.profile_load(profile=name)


@pytest.mark.parametrize(
    ("profile", "rating", "years"),
    [("us", "low", 5), ("us", "medium", 3), ("us", "high", 1), ("in", "low", 10), ("in", "medium", 8),
     ("in", "high", 2)],
)  # fmt: skip
def test_a_completed_review_is_next_due_after_the_period_of_the_rating(officer, profile, rating, years):
    _load_profile(profile)
    risk = _risk(f"C-{profile}-{rating}")
    if rating != "low":
        risk = services.customer_risk_override(actor=officer, risk=risk, rating=rating, reason="Policy")
    with pytest.raises(ValidationError, match="Say what"):
        services.customer_risk_review(actor=officer, risk=risk, note="")
    risk = services.customer_risk_review(actor=officer, risk=risk, note="Passport and address checked")
    today = timezone.localdate()
    assert (risk.last_review, risk.reviewed_by, risk.review_due) == (today, officer, _years_after(today, years))
    assert risk.state == "verified"
    assert _actions(risk)[-1] == "kyc.review"
    customer = Customer.objects.get(pk=risk.customer_id)
    assert (customer.kyc_status, customer.kyc_review_date, customer.risk_rating) == ("verified", risk.review_due,
                                                                                     rating)  # fmt: skip


def test_an_override_moves_the_due_day_of_a_reviewed_customer(officer):
    risk = services.customer_risk_review(actor=officer, risk=_risk("C-MOVE"), note="All checked")
    today = timezone.localdate()
    assert risk.review_due == _years_after(today, 5)
    risk = services.customer_risk_override(actor=officer, risk=risk, rating="high", reason="Adverse media")
    assert risk.review_due == _years_after(today, 1)


def test_years_are_added_calendar_wise():
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(date(2026, 12, 2), 2) == date(2028, 12, 2)


@pytest.mark.parametrize(
    ("offset", "state"),
    [(None, "pending"), (-1, "expired"), (0, "review_due"), (30, "review_due"), (31, "verified")],
)
def test_the_states_at_their_boundaries(db, offset, state):
    today = timezone.localdate()
    due = None if offset is None else today + timedelta(days=offset)
    assert kyc_state(due, today) == state
    risk = _risk("C-STATE")
    CustomerRisk.objects.filter(pk=risk.pk).update(review_due=due)
    assert CustomerRisk.objects.get(pk=risk.pk).state == state
    assert list(CustomerRisk.objects.filter(selectors.state_filter(state)).values_list("pk", flat=True)) == [risk.pk]


def test_the_due_soon_window_is_a_setting(db, settings):
    settings.KYC_REVIEW_DUE_SOON_DAYS = 60
    today = timezone.localdate()
    assert kyc_state(today + timedelta(days=45), today) == "review_due"
    assert kyc_state(today + timedelta(days=61), today) == "verified"


def test_the_daily_pass_marks_a_passed_due_day_expired_on_the_customer(db):
    risk = _risk("C-LATE", kyc_status="verified", kyc_review_date=timezone.localdate() + timedelta(days=200))
    CustomerRisk.objects.filter(pk=risk.pk).update(review_due=timezone.localdate() - timedelta(days=1))
    _customer("C-NEW")  # no record yet
    out = io.StringIO()
    call_command("kyc_assess_all", stdout=out)
    assert "records opened" in out.getvalue()
    customer = Customer.objects.get(external_id="C-LATE")
    assert (customer.kyc_status, customer.kyc_review_date) == ("expired", timezone.localdate() - timedelta(days=1))
    assert CustomerRisk.objects.filter(customer__external_id="C-NEW").exists()
    assert services.customer_risks_assess_all(actor=None)["opened"] == 0  # safe to run again


# ------------------------------------------------------------------------------------ the queue
@pytest.fixture
def queue(db):
    today = timezone.localdate()
    made = {}
    for ref, offset in [("C-SOON", 10), ("C-LATE", -40), ("C-LATER", 400), ("C-LAST", -3), ("C-NEVER", None)]:
        risk = _risk(ref, name=f"Name {ref}")
        CustomerRisk.objects.filter(pk=risk.pk).update(
            review_due=None if offset is None else today + timedelta(days=offset)
        )
        made[ref] = risk
    return made


def test_the_queue_puts_never_reviewed_first_then_the_most_overdue(officer, queue):
    order = ["C-NEVER", "C-LATE", "C-LAST", "C-SOON", "C-LATER"]
    assert [r.customer.external_id for r in selectors.kyc_queue()] == order
    client = APIClient()
    client.force_login(officer)
    page = client.get(reverse("compliance:kyc_queue"))
    assert page.status_code == 200
    assert [r.customer.external_id for r in page.context["records"]] == order
    api = client.get(reverse("api:customerrisk-list")).json()
    assert [r["customer_ref"] for r in api["results"]] == order
    assert api["results"][1]["state"] == "expired" and api["results"][1]["url"] and api["results"][1]["display"]


def test_the_queue_filters_by_state_rating_and_customer(officer, queue):
    services.customer_risk_override(actor=officer, risk=queue["C-SOON"], rating="high", reason="Adverse media")
    client = APIClient()
    client.force_login(officer)

    def refs(**query):
        page = client.get(reverse("compliance:kyc_queue"), query)
        api = client.get(reverse("api:customerrisk-list"), query).json()["results"]
        portal = [r.customer.external_id for r in page.context["records"]]
        assert portal == [r["customer_ref"] for r in api]
        return portal

    assert refs(state="expired") == ["C-LATE", "C-LAST"]
    assert refs(state="review_due") == ["C-SOON"]
    assert refs(state="pending") == ["C-NEVER"]
    assert refs(rating="high") == ["C-SOON"]
    assert "C-SOON" not in refs(rating="low")
    assert refs(q="C-LATER") == ["C-LATER"]
    assert refs(q="name c-las") == ["C-LAST"]


def test_the_queue_opens_records_for_customers_who_have_none(officer):
    _customer("C-FRESH")
    client = APIClient()
    client.force_login(officer)
    page = client.get(reverse("compliance:kyc_queue"))
    assert [r.customer.external_id for r in page.context["records"]] == ["C-FRESH"]
    event = AuditEvent.objects.get(action="kyc.open")
    assert event.actor_name == "system"


def test_the_queue_exports_as_filtered(officer, queue):
    client = APIClient()
    client.force_login(officer)
    response = client.get(reverse("compliance:kyc_queue"), {"state": "expired", "export": "csv"})
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("customer,name,state,rating")
    assert [line.split(",")[0] for line in lines[1:]] == ["C-LATE", "C-LAST"]
    assert AuditEvent.objects.filter(action="list.export", after__list="kyc-reviews").exists()


def test_the_queue_costs_a_fixed_number_of_queries(officer, django_assert_max_num_queries):
    for i in range(30):
        _risk(f"C-Q{i:02d}")
    client = APIClient()
    client.force_login(officer)
    client.get(reverse("compliance:kyc_queue"))
    with django_assert_max_num_queries(11):
        assert client.get(reverse("compliance:kyc_queue")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("api:customerrisk-list")).status_code == 200


# ------------------------------------------------------------------------------------ the pages and the API
def test_the_risk_page_explains_the_rating_and_offers_the_forms_to_officers_only(officer, auditor):
    risk = _risk("C-PAGE")
    client = APIClient()
    client.force_login(officer)
    page = client.get(reverse("compliance:customer_risk", args=[risk.customer_id]))
    html = page.content.decode()
    assert 'data-testid="kyc-factors"' in html and "Not yet screened against the sanctions" in html
    for form in ("override-form", "review-form", "factors-form", "document-form"):
        assert f'data-testid="{form}"' in html
    client.force_login(auditor)
    html = client.get(reverse("compliance:customer_risk", args=[risk.customer_id])).content.decode()
    assert 'data-testid="kyc-factors"' in html and 'data-testid="override-form"' not in html
    customer_page = client.get(reverse("transactions:customer_detail", args=[risk.customer_id])).content.decode()
    assert reverse("compliance:customer_risk", args=[risk.customer_id]) in customer_page


def test_an_override_without_a_reason_is_shown_again_with_the_error(officer):
    risk = _risk("C-FORM")
    client = APIClient()
    client.force_login(officer)
    url = reverse("compliance:risk_step", args=[risk.customer_id, "override"])
    response = client.post(url, {"override-rating": "high", "override-reason": ""}, format="multipart")
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert CustomerRisk.objects.get(pk=risk.pk).override_rating == ""


def test_the_api_overrides_and_reviews(officer):
    risk = _risk("C-API")
    client = APIClient()
    client.force_login(officer)
    url = reverse("api:customerrisk-override", args=[risk.pk])
    assert client.post(url, {"rating": "medium", "reason": ""}, format="json").status_code == 400
    body = client.post(url, {"rating": "medium", "reason": "Cash-heavy turnover"}, format="json").json()
    assert (body["effective_rating"], body["rating"], body["override_reason"]) == ("medium", "low",
                                                                                    "Cash-heavy turnover")  # fmt: skip
    body = client.post(reverse("api:customerrisk-review", args=[risk.pk]), {"note": "Checked"}, format="json").json()
    assert body["review_due"] == _years_after(timezone.localdate(), 3).isoformat()
    assert body["state"] == "verified"


# ------------------------------------------------------------------------------------ identity documents
def _upload(data: bytes = PASSPORT_PDF, name: str = "passport.pdf", kind: str = "application/pdf"):
    return SimpleUploadedFile(name, data, kind)


def test_a_document_is_encrypted_at_rest_and_a_download_decrypts_it_and_is_audited(officer, auditor):
    risk = _risk("C-DOC")
    document = services.identity_document_add(actor=officer, customer=risk.customer, kind="passport",
                                              upload=_upload())  # fmt: skip
    with document.file.open("rb") as fh:
        stored = fh.read()
    assert stored != PASSPORT_PDF and b"%PDF" not in stored and b"Catalog" not in stored
    assert decrypt_bytes(stored) == PASSPORT_PDF
    assert "passport" not in document.file.name  # stored under a random name
    assert (document.name, document.content_type, document.size) == ("passport.pdf", "application/pdf",
                                                                      len(PASSPORT_PDF))  # fmt: skip
    assert AuditEvent.objects.filter(action="kyc.document_add", object_id=str(document.pk)).exists()
    client = APIClient()
    for reader in (officer, auditor):
        client.force_login(reader)
        response = client.get(reverse("compliance:identity_document", args=[document.pk]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PASSPORT_PDF
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
        assert "no-store" in response["Cache-Control"]
    views = AuditEvent.objects.filter(action="kyc.document_view", object_id=str(document.pk))
    assert sorted(views.values_list("actor_name", flat=True)) == sorted([officer.email, auditor.email])
    client.force_login(make_user(Role.ANALYST, email="nosy@bank.test"))
    assert client.get(reverse("compliance:identity_document", args=[document.pk])).status_code == 403


def test_a_file_that_is_not_a_pdf_png_or_jpeg_is_refused_whatever_its_name(officer):
    risk = _risk("C-BAD")
    with pytest.raises(ValidationError, match="PDF, PNG or JPEG"):
        services.identity_document_add(actor=officer, customer=risk.customer, kind="passport",
                                       upload=_upload(b"MZ\x90\x00 not a passport", "passport.pdf"))  # fmt: skip
    client = APIClient()
    client.force_login(officer)
    url = reverse("compliance:risk_step", args=[risk.customer_id, "document"])
    response = client.post(url, {"document-kind": "passport",
                                 "document-file": _upload(b"<html>hi</html>", "id.png", "image/png")},
                           format="multipart")  # fmt: skip
    assert response.status_code == 400
    assert "Attach a PDF, PNG or JPEG file." in response.content.decode()
    assert not IdentityDocument.objects.exists()


def test_a_document_over_the_size_limit_is_refused(officer, settings):
    settings.KYC_DOCUMENT_MAX_MB = 1
    risk = _risk("C-BIG")
    with pytest.raises(ValidationError, match="larger than 1 MB"):
        services.identity_document_add(actor=officer, customer=risk.customer, kind="passport",
                                       upload=_upload(b"%PDF-" + b"0" * (1024 * 1024)))  # fmt: skip
    png = services.identity_document_add(actor=officer, customer=risk.customer, kind="utility_bill",
                                         upload=_upload(b"\x89PNG\r\n\x1a\n" + b"0" * 100, "bill.png"))  # fmt: skip
    assert png.content_type == "image/png"


def test_only_those_allowed_add_documents(supervisor, auditor):
    risk = _risk("C-PERM")
    for someone in (supervisor, auditor):
        with pytest.raises(PermissionDenied):
            services.identity_document_add(actor=someone, customer=risk.customer, kind="passport", upload=_upload())
