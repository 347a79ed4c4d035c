"""AML scenarios at their boundaries: each pattern is raised once, as an alert on the customer in a
compliance case, with the thresholds in force; days are the bank's days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.choices import Role
from apps.compliance import services
from apps.compliance.models import HighRiskJurisdiction, ScenarioHit, Threshold
from apps.fraud.models import Alert, Case
from apps.transactions import services as txn_services
from tests.factories import make_user

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _txn(customer: str, amount: str, when: datetime, kind: str = "deposit", channel: str = "cash", **extra):
    data = {"customer_ref": customer, "amount": amount, "occurred_at": when, "kind": kind, "channel": channel,
            "currency": "USD", **extra}  # fmt: skip
    return txn_services.transaction_ingest(actor=None, data=data)


def _run(codes=None, start=MONDAY - timedelta(days=400), end=MONDAY + timedelta(days=30)):
    return services.scenarios_run(start=start, end=end, codes=codes)


def _hits(code: str) -> list[ScenarioHit]:
    return list(ScenarioHit.objects.filter(scenario=code))


# ------------------------------------------------------------------------------------------ cash aggregation
@pytest.mark.parametrize(("second", "hit"), [("4000.00", False), ("4000.01", True)])
def test_cash_over_the_report_amount_in_one_business_day(db, second, hit):
    _txn("C-1", "6000.00", MONDAY)
    _txn("C-1", second, MONDAY + timedelta(hours=5))
    _run(["cash-aggregation"])
    assert bool(_hits("cash-aggregation")) is hit
    if hit:
        assert "10,000.01 USD in one business day" in _hits("cash-aggregation")[0].explanation


def test_cash_in_and_cash_out_are_counted_apart_and_non_cash_not_at_all(db):
    _txn("C-1", "6000.00", MONDAY)
    _txn("C-1", "6000.00", MONDAY + timedelta(hours=1), kind="withdrawal")
    _txn("C-1", "9000.00", MONDAY + timedelta(hours=2), channel="transfer")
    _run(["cash-aggregation"])
    assert _hits("cash-aggregation") == []


def test_the_business_day_is_the_banks_day(db, settings):
    # 23:00 and 01:00 in Kolkata: two days there, one day in UTC.
    _txn("C-1", "6000.00", datetime(2026, 3, 4, 17, 30, tzinfo=UTC))
    _txn("C-1", "6000.00", datetime(2026, 3, 4, 19, 30, tzinfo=UTC))
    settings.TIME_ZONE = "Asia/Kolkata"
    _run(["cash-aggregation"])
    assert _hits("cash-aggregation") == []
    settings.TIME_ZONE = "UTC"
    _run(["cash-aggregation"])
    assert len(_hits("cash-aggregation")) == 1


def test_india_counts_connected_cash_over_a_calendar_month(db, settings):
    Threshold.objects.all().delete()
    services.profile_load(profile="in")
    for day in (2, 12, 25):
        _txn("C-IN", "400000.00", datetime(2026, 3, day, 10, tzinfo=UTC), currency="INR")
    _txn("C-IN", "400000.00", datetime(2026, 4, 1, 10, tzinfo=UTC), currency="INR")  # April: another month
    _run(["cash-aggregation"])
    (hit,) = _hits("cash-aggregation")
    assert hit.amount == Decimal("1200000.00") and hit.currency == "INR" and hit.period.startswith("2026-03")
    assert "12,00,000.00 INR in the month" in hit.explanation


# ------------------------------------------------------------------------------------------ structuring
@pytest.mark.parametrize(
    ("amounts", "gap_days", "hit"),
    [
        (["9000.00", "9500.00", "9900.00"], 3, True),
        (["9000.00", "9500.00"], 3, False),  # one deposit short
        (["7999.99", "9500.00", "9900.00"], 3, False),  # the first is below 80% of the threshold
        (["9000.00", "9500.00", "9900.00"], 4, False),  # spread over 8 days: outside the 7-day window
    ],
)
def test_structuring(db, amounts, gap_days, hit):
    for i, amount in enumerate(amounts):
        _txn("C-2", amount, MONDAY + timedelta(days=i * gap_days))
    _run(["structuring"])
    assert bool(_hits("structuring")) is hit


# ------------------------------------------------------------------------------------------ rapid movement
@pytest.mark.parametrize(
    ("out", "hours", "hit"), [("17000.00", 24, True), ("15000.00", 24, False), ("17000.00", 49, False)]
)
def test_rapid_movement(db, out, hours, hit):
    _txn("C-3", "20000.00", MONDAY, channel="wire")
    _txn("C-3", out, MONDAY + timedelta(hours=hours), kind="transfer", channel="wire")
    _run(["rapid-movement"])
    assert bool(_hits("rapid-movement")) is hit


def test_a_wire_with_a_high_risk_country(db):
    HighRiskJurisdiction.objects.create(country="KP", reason="FATF call for action")
    _txn("C-4", "1200.00", MONDAY, kind="transfer", channel="wire", counterparty_country="KP")
    _txn("C-4", "1200.00", MONDAY, kind="transfer", channel="wire", counterparty_country="DE")
    _run(["high-risk-jurisdiction"])
    (hit,) = _hits("high-risk-jurisdiction")
    assert "with KP, a high-risk jurisdiction" in hit.explanation


@pytest.mark.parametrize(("quiet_days", "hit"), [(366, True), (300, False)])
def test_a_dormant_customer_active_again(db, quiet_days, hit):
    _txn("C-5", "50.00", MONDAY - timedelta(days=quiet_days), channel="card", kind="payment")
    _txn("C-5", "5000.00", MONDAY, kind="withdrawal")
    _run(["dormant-reactivated"], start=MONDAY - timedelta(days=1))
    assert bool(_hits("dormant-reactivated")) is hit


def test_round_amounts(db):
    for i in range(3):
        _txn("C-6", "3000.00", MONDAY + timedelta(days=i * 5), channel="wire", kind="transfer")
    _run(["round-amounts"])
    assert len(_hits("round-amounts")) == 1


# ------------------------------------------------------------------------------------------ raising
def test_a_pattern_is_raised_once_into_one_compliance_case(db):
    for i, amount in enumerate(["9000.00", "9500.00", "9900.00"]):
        _txn("C-7", amount, MONDAY + timedelta(days=i))
    first, again = _run(), _run()
    assert first["raised"] >= 1 and again["raised"] == 0
    case = Case.objects.get(subject="aml:customer:C-7")
    assert case.kind == "compliance" and case.team.slug == "compliance" and case.customer_ref == "C-7"
    alerts = Alert.objects.filter(case=case)
    assert alerts.count() == first["raised"] and case.amount == sum(a.amount for a in alerts)
    assert any(r["rule"] == "structuring" for a in alerts for r in a.reasons)


def test_an_approved_threshold_change_applies_to_the_next_run(db):
    asha, ben = make_user(Role.COMPLIANCE, email="asha@bank.test"), make_user(Role.COMPLIANCE, email="ben@bank.test")
    _txn("C-8", "6000.00", timezone.now() - timedelta(hours=1))
    now = timezone.now()
    _run(["cash-aggregation"], start=now - timedelta(days=1), end=now)
    assert _hits("cash-aggregation") == []
    draft = services.threshold_draft(actor=asha, metric="cash_report_amount", breach="5000", currency="USD",
                                     effective_from=timezone.localdate(), reason="Lower house limit")  # fmt: skip
    services.threshold_approve(actor=ben, threshold=draft)
    _run(["cash-aggregation"], start=now - timedelta(days=1), end=now)
    assert len(_hits("cash-aggregation")) == 1


def test_a_backtest_counts_without_raising(db):
    officer = make_user(Role.COMPLIANCE, email="asha@bank.test")
    for i, amount in enumerate(["9000.00", "9500.00", "9900.00"]):
        _txn("C-9", amount, MONDAY + timedelta(days=i))
    result = services.scenario_backtest(actor=officer, code="structuring", start=MONDAY - timedelta(days=1),
                                        end=MONDAY + timedelta(days=10))  # fmt: skip
    assert (result["hits"], result["customers"]) == (1, 1) and "3 cash deposits" in result["examples"][0]["explanation"]
    assert not ScenarioHit.objects.exists() and not Alert.objects.filter(subject__startswith="aml:").exists()


def test_officers_keep_the_high_risk_list_and_add_the_fatf_list_in_one_step(db, client):
    officer = make_user(Role.COMPLIANCE, email="asha@bank.test")
    assert services.jurisdictions_add_fatf(actor=officer) == 3
    assert services.jurisdictions_add_fatf(actor=officer) == 0
    assert set(HighRiskJurisdiction.objects.values_list("country", flat=True)) == {"KP", "IR", "MM"}
    client.force_login(officer)
    from django.urls import reverse

    url = reverse("compliance:jurisdictions")
    page = client.post(url, {"action": "add", "country": "zz", "reason": "x"}, follow=True).content.decode()
    assert "not an ISO 3166-1 alpha-2 country code" in page
    client.post(url, {"action": "remove", "pk": HighRiskJurisdiction.objects.get(country="MM").pk, "reason": ""})
    assert HighRiskJurisdiction.objects.filter(country="MM").exists()  # a removal needs its reason
    client.post(
        url, {"action": "remove", "pk": HighRiskJurisdiction.objects.get(country="MM").pk, "reason": "Delisted"}
    )
    assert not HighRiskJurisdiction.objects.filter(country="MM").exists()
    from apps.core.models import AuditEvent

    assert AuditEvent.objects.filter(action="jurisdiction.remove", reason="Delisted").exists()


def test_every_minute_the_scenarios_look_at_what_every_path_stored(db, checking):
    """The API, a batch, a file and the ledger store; the next monitoring run looks at exactly the new
    transactions' customers, and the one after finds nothing new."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.compliance.tasks import monitor_new_transactions
    from apps.transactions import files

    for i, amount in enumerate(["9000.00", "9500.00"]):
        _txn("C-API", amount, MONDAY + timedelta(days=i))
    assert monitor_new_transactions() == {"transactions": 2, "raised": 0, "missing_rates": []}
    _txn("C-API", "9900.00", MONDAY + timedelta(days=2))  # the third deposit makes the pattern
    txn_services.transaction_ingest_batch(actor=None, rows=[
        {"customer_ref": "C-BATCH", "amount": a, "occurred_at": MONDAY + timedelta(hours=i), "kind": "deposit",
         "channel": "cash"} for i, a in enumerate(["6000.00", "6000.00"])])  # fmt: skip
    text = ("external_id,customer,amount,when,kind,channel\n"
            "F-1,C-FILE,6000.00,2026-03-02T10:00:00Z,deposit,cash\n"
            "F-2,C-FILE,6000.00,2026-03-02T11:00:00Z,deposit,cash\n")  # fmt: skip
    record = files.transaction_file_create(
        actor=None, upload=SimpleUploadedFile("aml.csv", text.encode(), "text/csv"), fmt="mapping",
        mapping={"external_id": "external_id", "customer_ref": "customer", "amount": "amount",
                 "occurred_at": "when", "kind": "kind", "channel": "channel"}, process_now=True)  # fmt: skip
    files.transaction_file_process(file_id=record.pk)
    txn_services.ledger_deposit(actor=None, account=checking, amount="100.00")
    run = monitor_new_transactions()
    assert run["transactions"] == 6 and run["raised"] >= 3
    assert ScenarioHit.objects.filter(scenario="structuring", subject="C-API").exists()
    assert ScenarioHit.objects.filter(scenario="cash-aggregation", subject="C-BATCH").exists()
    assert ScenarioHit.objects.filter(scenario="cash-aggregation", subject="C-FILE").exists()
    assert monitor_new_transactions()["transactions"] == 0


def test_the_hourly_sweep_finds_what_ingestion_did_not_see(db, settings):
    """Rows the minute's runs did not take (a row that committed late, a run lost with its worker) are
    caught by the hourly sweep."""
    from apps.compliance.tasks import sweep_scenarios

    now = timezone.now()
    for i, amount in enumerate(["9000.00", "9500.00", "9900.00"]):
        _txn("C-SWEEP", amount, now - timedelta(days=3 - i))
    assert not ScenarioHit.objects.exists()
    assert sweep_scenarios()["raised"] >= 1
    assert ScenarioHit.objects.filter(scenario="structuring", subject="C-SWEEP").exists()
    assert sweep_scenarios()["raised"] == 0
