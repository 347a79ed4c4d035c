"""The compliance score: each KPI's arithmetic against its levels, the domain and overall scores on a
hand-made book, breaches (alert, compliance case, officers told; at most one open per KPI, held by the
database), levels changed under maker-checker, the records behind every figure, and the API."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.compliance import services as compliance
from apps.compliance.actions import services as actions
from apps.compliance.kyc import services as kyc
from apps.compliance.models import Breach, CorrectiveAction, CustomerRisk, KpiSnapshot, ScoreSnapshot, Threshold
from apps.compliance.score.kpis import KPIS, cash_report_due
from apps.compliance.score.services import kpi_grade, score_refresh, weighted
from apps.fraud.choices import CaseKind
from apps.fraud.models import Case
from apps.transactions import services as txn_services
from tests.factories import make_user

D = Decimal


def _levels(target="0", warning="10", breach="25", higher_is_worse=True):
    return Threshold(metric="kpi_x", version=1, unit="percent", target=D(target), breach=D(breach),
                     warning=D(warning) if warning is not None else None, higher_is_worse=higher_is_worse)  # fmt: skip


@pytest.mark.parametrize(
    ("value", "score", "status"),
    [("0", "100", "on_target"), ("5", "75", "ok"), ("9.99", "50.05", "ok"), ("10", "50", "approaching"),
     ("17.5", "25", "approaching"), ("24.99", "0.03", "approaching"), ("25", "0", "breach"), ("80", "0", "breach")],
)  # fmt: skip
def test_a_kpi_scores_100_at_target_50_at_warning_0_at_breach_and_a_line_between(value, score, status):
    assert kpi_grade(D(value), _levels()) == (D(score), status)


def test_without_a_warning_level_the_line_runs_from_target_to_breach_and_lower_can_be_worse():
    assert kpi_grade(D("5"), _levels(warning=None, breach="10")) == (D("50"), "ok")
    lower_worse = _levels(target="95", warning="90", breach="80", higher_is_worse=False)
    assert kpi_grade(D("97"), lower_worse) == (D("100"), "on_target")
    assert kpi_grade(D("85"), lower_worse) == (D("25"), "approaching")
    assert kpi_grade(D("80"), lower_worse) == (D("0"), "breach")


def test_scores_are_weighted_means():
    assert weighted([(D(100), D(3)), (D(0), D(1))]) == D("75.00")
    assert weighted([(D(50), D(0))]) is None  # nothing weighs


@pytest.fixture
def officers(db):
    return (make_user(Role.COMPLIANCE, email="cora@bank.test", full_name="Cora Officer"),
            make_user(Role.COMPLIANCE, email="omar@bank.test", full_name="Omar Officer"))  # fmt: skip


def _kyc_book(today: date) -> list[CustomerRisk]:
    """Four customers: two rated high (one of them past its review day), two low and current; one of the
    low ones never screened."""
    risks = []
    for i in range(4):
        customer = txn_services.customer_create(actor=None, external_id=f"C-{i}", full_name=f"Customer {i}")
        risks.append(kyc.customer_risk_open(actor=None, customer=customer))
    CustomerRisk.objects.update(screening="clear", review_due=today + timedelta(days=200))
    CustomerRisk.objects.filter(pk__in=[risks[0].pk, risks[1].pk]).update(override_rating="high",
                                                                         override_reason="Adverse media")  # fmt: skip
    CustomerRisk.objects.filter(pk=risks[0].pk).update(review_due=today - timedelta(days=1))
    CustomerRisk.objects.filter(pk=risks[3].pk).update(screening="not_screened")
    return risks


def _overdue_action(owner, creator, domain: str, days_late: int = 2) -> CorrectiveAction:
    return CorrectiveAction.objects.create(title="Late", plan="P", owner=owner, created_by=creator, domain=domain,
                                           due_on=timezone.localdate() - timedelta(days=days_late))  # fmt: skip


def test_the_score_of_a_hand_made_book(officers):
    today = timezone.localdate()
    _kyc_book(today)
    _overdue_action(officers[1], officers[0], "data_protection")
    result = score_refresh()
    points = {p.kpi: p for p in KpiSnapshot.objects.filter(day=today)}
    assert set(points) == set(KPIS)
    high, unscreened, dp_late = (
        points["kpi_kyc_overdue_high"],
        points["kpi_kyc_unscreened"],
        points["kpi_dp_actions_overdue"],
    )
    assert (high.numerator, high.denominator, high.value, high.status) == (1, 2, D("50.00"), "breach")
    assert (unscreened.numerator, unscreened.denominator, unscreened.value) == (1, 4, D("25.00"))
    assert unscreened.status == "breach"  # the shipped levels: breach at 20%
    assert (dp_late.numerator, dp_late.denominator, dp_late.value, dp_late.score) == (1, None, D(1), D(50))
    # KYC: high (0, weight 3), medium (100, 2), low (100, 1), unscreened (0, 2), actions (100, 2) → 500 / 10
    scores = {s.domain: s.score for s in ScoreSnapshot.objects.filter(day=today)}
    assert scores["kyc"] == D("50.00")
    # data protection: retention (100, 2), full numbers (100, 2), actions (50, 2)
    assert scores["data_protection"] == D("83.33")
    every = [(p.score, p.threshold.weight) for p in points.values()]
    assert scores[""] == weighted(every) == result["score"]
    assert scores["aml"] == scores["reporting"] == D("100.00")


def test_a_breach_raises_one_alert_and_case_tells_the_officers_and_closes_when_the_kpi_recovers(
    officers, django_capture_on_commit_callbacks
):
    cora, omar = officers
    action = actions.action_create(actor=cora, title="Check access", plan="P", owner=omar, domain="kyc",
                                   due_on=timezone.localdate())  # fmt: skip
    for late in range(3):  # three overdue KYC actions: the breach level
        _overdue_action(omar, cora, "kyc", days_late=late + 1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert score_refresh()["opened"] == 1
    breach = Breach.objects.get(kpi="kpi_kyc_actions_overdue")
    assert (breach.status, breach.value, breach.level) == ("open", D(3), D(3))
    case = breach.alert.case
    assert case.kind == CaseKind.COMPLIANCE and case.customer_ref == ""
    assert case.title.startswith("KYC actions overdue is 3")
    assert any("cora@bank.test" in m.to for m in mail.outbox)  # high severity: the officers are told
    assert score_refresh()["opened"] == 0  # still in breach: the same breach
    assert Breach.objects.count() == 1 and Case.objects.filter(kind=CaseKind.COMPLIANCE).count() == 1

    # the owner finishes one late action and another officer verifies it: the KPI is back under its level
    late = CorrectiveAction.objects.filter(due_on__lt=timezone.localdate()).first()
    actions.action_done(actor=omar, action=late, note="Done")
    score_refresh()
    assert Breach.objects.get().status == "open"  # done is not enough: it waits for verification
    with django_capture_on_commit_callbacks(execute=True):
        actions.action_verify(actor=cora, action=late, note="Checked")  # measures again on commit
    breach.refresh_from_db()
    assert (breach.status, breach.closing_value) == ("closed", D(2))
    point = KpiSnapshot.objects.get(kpi="kpi_kyc_actions_overdue", day=timezone.localdate())
    assert (point.numerator, point.status) == (2, "approaching")
    assert action.status == "open"  # not yet due: never counted


def test_the_database_holds_one_open_breach_per_kpi(db):
    now = timezone.now()
    Breach.objects.create(kpi="kpi_kyc_unscreened", value=30, level=20, worst=30, opened_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Breach.objects.create(kpi="kpi_kyc_unscreened", value=40, level=20, worst=40, opened_at=now)
    Breach.objects.update(status="closed", closed_at=now)
    Breach.objects.create(kpi="kpi_kyc_unscreened", value=40, level=20, worst=40, opened_at=now)  # a new one


def test_a_kpi_s_levels_and_weight_change_through_maker_and_checker(officers):
    cora, omar = officers
    today = timezone.localdate()
    with pytest.raises(Exception, match="target"):
        compliance.threshold_draft(actor=cora, metric="kpi_kyc_unscreened", breach="30", warning="10",
                                   effective_from=today, reason="Board appetite")  # fmt: skip
    with pytest.raises(Exception, match="at or below the warning level"):
        compliance.threshold_draft(actor=cora, metric="kpi_kyc_unscreened", breach="30", warning="10", target="15",
                                   weight="2", effective_from=today, reason="Board appetite")  # fmt: skip
    draft = compliance.threshold_draft(actor=cora, metric="kpi_kyc_unscreened", breach="50", warning="30", target="5",
                                       weight="4", effective_from=today, reason="Board appetite")  # fmt: skip
    with pytest.raises(Exception, match="someone other"):
        compliance.threshold_approve(actor=cora, threshold=draft)
    _kyc_book(today)
    score_refresh()
    assert KpiSnapshot.objects.get(kpi="kpi_kyc_unscreened").status == "breach"  # 25% against the shipped 20%
    compliance.threshold_approve(actor=omar, threshold=draft)
    score_refresh()
    point = KpiSnapshot.objects.get(kpi="kpi_kyc_unscreened")
    assert (point.status, point.threshold.version, point.score) == ("ok", 2, D("60.00"))  # 100 - 50 x 20/25
    assert Breach.objects.get(kpi="kpi_kyc_unscreened").status == "closed"


@pytest.mark.parametrize(
    ("period", "due_days", "due"),
    [("2026-03-02:in", 15, date(2026, 3, 17)), ("2026-03:ACC-1:out", 15, date(2026, 4, 15)),
     ("2026-12:-:in", 15, date(2027, 1, 15))],
)  # fmt: skip
def test_a_cash_report_is_due_days_after_its_day_or_by_the_15th_of_the_next_month(period, due_days, due):
    assert cash_report_due(period, due_days) == due


def test_full_account_numbers_shown_outside_the_compliance_role_are_counted(officers, client):
    from django.contrib.auth.models import Permission

    cora, _ = officers
    customer = txn_services.customer_create(actor=None, external_id="C-PII", full_name="Pat Private")
    txn_services.account_open(actor=None, customer=customer, number="12345678901", name="Current", currency="USD")
    outsider = make_user(Role.SUPERVISOR, email="sup@bank.test")
    outsider.user_permissions.add(Permission.objects.get(codename="view_full_account_number"))
    url = reverse("transactions:customer_detail", args=[customer.pk])
    for user in (cora, outsider, outsider):
        client.force_login(user)
        assert client.get(url).status_code == 200
    score_refresh()
    point = KpiSnapshot.objects.get(kpi="kpi_dp_full_numbers_outside_role")
    assert point.numerator == 2  # the supervisor's two views; the compliance officer's are their job
    client.force_login(cora)
    page = client.get(reverse("compliance:kpi", args=["kpi_dp_full_numbers_outside_role"]))
    assert page.context["count"] == 2 and "sup@bank.test" in page.content.decode()


def test_every_figure_opens_the_records_it_counts_and_they_export(officers, client):
    cora, _ = officers
    _kyc_book(timezone.localdate())
    client.force_login(cora)
    home = client.get(reverse("compliance:dashboard"))  # the first look of the day measures
    assert home.status_code == 200
    body = home.content.decode()
    kpi_url = reverse("compliance:kpi", args=["kpi_kyc_overdue_high"])
    assert f'href="{kpi_url}" data-testid="kpi-value-kpi_kyc_overdue_high">50%' in body
    page = client.get(kpi_url)
    assert page.context["count"] == 1 and "C-0" in page.content.decode() and "C-1" not in page.content.decode()
    assert "state=expired" in page.context["list_url"] and "rating=high" in page.context["list_url"]
    listed = client.get(page.context["list_url"])
    assert listed.status_code == 200 and "Customer 0" in listed.content.decode()
    export = client.get(kpi_url, {"export": "csv"})
    rows = b"".join(export.streaming_content).decode().splitlines()
    assert rows[0].startswith("customer,name,rating") and len(rows) == 2
    assert client.get(reverse("compliance:kpi", args=["kpi_nothing"])).status_code == 404
    assert client.get(reverse("compliance:breaches"), {"status": "open"}).status_code == 200


def test_the_api_gives_today_s_kpis_the_scores_history_and_breaches(officers):
    from rest_framework.test import APIClient

    cora, _ = officers
    _kyc_book(timezone.localdate())
    api = APIClient()
    api.force_authenticate(cora)
    now = api.get("/api/v1/compliance/kpis/current/").json()
    assert len(now["kpis"]) == len(KPIS) and set(now["domains"]) == {"aml", "kyc", "data_protection", "reporting"}
    high = next(k for k in now["kpis"] if k["kpi"] == "kpi_kyc_overdue_high")
    assert (high["value_text"], high["status"], high["levels"]["breach"]) == ("50%", "breach", "5.00")
    assert high["records_url"].endswith("/compliance/kpis/kpi_kyc_overdue_high/")
    trend = api.get("/api/v1/compliance/kpis/", {"kpi": "kpi_kyc_overdue_high"}).json()
    assert trend["count"] == 1
    assert api.get("/api/v1/compliance/scores/", {"overall": "true"}).json()["count"] == 1
    kyc_score = api.get("/api/v1/compliance/scores/", {"domain": "kyc"}).json()["results"][0]["score"]
    assert kyc_score == now["domains"]["kyc"]
    breaches = api.get("/api/v1/compliance/breaches/", {"status": "open"}).json()["results"]
    assert {b["kpi"] for b in breaches} == {"kpi_kyc_overdue_high", "kpi_kyc_unscreened"}
    assert all(b["case"] for b in breaches)
