"""Exchange rates: an admin keeps dated rates (by hand or from the ECB's file), and every amount
threshold (rules, the case approval limit, case routes) compares amounts in one currency."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.accounts.choices import Role
from apps.core import services
from apps.core.models import AuditEvent, ExchangeRate
from apps.core.rates import RatesFileError, convert
from apps.fraud.cases import services as cases
from apps.fraud.models import Alert, CaseRoute
from apps.fraud.rules.conditions import ConditionError, validate
from apps.transactions import services as txn_services
from tests.factories import make_team, make_user

ECB = Path(__file__).resolve().parents[2] / "apps" / "core" / "data" / "ecb-eurofxref-excerpt.csv"
MAY_9 = datetime(2025, 5, 9, 14, 0, tzinfo=UTC)


def _ecb_day(day: str) -> dict[str, Decimal]:
    with ECB.open() as f:
        for row in csv.DictReader(f):
            if row["Date"] == day:
                return {k: Decimal(v) for k, v in row.items() if k and k != "Date" and v not in ("N/A", "")}
    raise KeyError(day)


@pytest.fixture
def ecb(db, admin_user, settings):
    settings.BANK_CURRENCY = "USD"
    return services.exchange_rates_load(actor=admin_user, data=ECB.read_bytes(), source="ECB reference rates")


def test_the_ecb_file_becomes_rates_against_the_banks_currency(ecb):
    may9 = _ecb_day("2025-05-09")
    del may9["BGN"]  # the lev gave way to the euro in 2026: no longer a currency to convert
    quoted = len(may9) - 1 + 1  # every currency but USD itself, and the euro
    assert ecb["days"] == 10 and ecb["added"] == ExchangeRate.objects.count() and ecb["changed"] == 0
    assert ExchangeRate.objects.filter(valid_on=date(2025, 5, 9)).count() == quoted
    inr = ExchangeRate.objects.get(currency="INR", valid_on=date(2025, 5, 9))
    assert inr.base == "USD" and abs(inr.per_base - may9["INR"] / may9["USD"]) < Decimal("1e-9")
    eur = ExchangeRate.objects.get(currency="EUR", valid_on=date(2025, 5, 9))
    assert abs(eur.per_base - 1 / may9["USD"]) < Decimal("1e-9")
    event = AuditEvent.objects.get(action="exchange_rates.load")
    assert event.after["added"] == ecb["added"] and len(event.after["sha256"]) == 64


def test_loading_the_same_file_again_adds_nothing_and_a_corrected_rate_is_counted(ecb, admin_user):
    again = services.exchange_rates_load(actor=admin_user, data=ECB.read_bytes(), source="ECB")
    assert (again["added"], again["changed"]) == (0, 0) and again["unchanged"] == ecb["added"]
    corrected = ECB.read_text().replace(",96.0755,", ",96.5000,", 1).encode()
    third = services.exchange_rates_load(actor=admin_user, data=corrected, source="ECB, corrected")
    assert (third["added"], third["changed"]) == (0, 1)
    assert ExchangeRate.objects.get(currency="INR", valid_on=date(2025, 5, 9)).source == "ECB, corrected"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace(",96.0755,", ",ninety,", 1), "Line 2, INR: 'ninety' is not a rate"),
        (lambda t: t.replace("2025-05-07", "07/05/2025", 1), "Line 4: '07/05/2025' is not a date"),
        (lambda t: t.replace(",INR,", ",XYZ,", 1), "Line 1: XYZ is not an ISO 4217 currency code"),
        (lambda t: "when,what\n1,2\n", "Line 1: expected the ECB's layout"),
    ],
)
def test_a_bad_rates_file_changes_nothing_and_names_the_line(db, admin_user, change, message):
    with pytest.raises(RatesFileError, match=message):
        services.exchange_rates_load(actor=admin_user, data=change(ECB.read_text()).encode(), source="ECB")
    assert not ExchangeRate.objects.exists() and not AuditEvent.objects.filter(action="exchange_rates.load").exists()


def test_a_banks_own_rates_file_and_a_rate_entered_by_hand(db, admin_user, settings):
    settings.BANK_CURRENCY = "INR"
    own = b"date,currency,rate\n2026-11-30,USD,0.011850\n2026-11-30,EUR,0.010240\n"
    assert services.exchange_rates_load(actor=admin_user, data=own, source="Treasury")["added"] == 2
    rate = services.exchange_rate_set(actor=admin_user, currency="usd", per_base="0.0119", valid_on=date(2026, 12, 1))
    assert str(rate) == "1 INR = 0.0119 USD on 2026-12-01"
    assert convert(Decimal("100000"), "INR", "USD", date(2026, 12, 2)) == Decimal("1190.00")
    assert convert(Decimal("100000"), "INR", "USD", date(2026, 11, 30)) == Decimal("1185.00")
    with pytest.raises(ValidationError, match="bank's own currency"):
        services.exchange_rate_set(actor=admin_user, currency="INR", per_base="1", valid_on=date(2026, 12, 1))
    assert AuditEvent.objects.filter(action="exchange_rate.set").count() == 1


def test_a_weekend_takes_fridays_rate_and_a_currency_without_rates_converts_to_nothing(ecb):
    may9 = _ecb_day("2025-05-09")
    saturday = convert(Decimal("330000"), "INR", "USD", date(2025, 5, 10))
    assert saturday == (Decimal("330000") / (may9["INR"] / may9["USD"])).quantize(Decimal("0.01"))
    assert convert(Decimal("100"), "XAF", "USD", date(2025, 5, 9)) is None


# ------------------------------------------------------------------------------------------ rules
def _ingest(amount: str, currency: str, **extra):
    data = {"customer_ref": "E-41", "amount": amount, "currency": currency, "occurred_at": MAY_9,
            "description": "Supplies", "kind": "expense", **extra}  # fmt: skip
    return txn_services.transaction_ingest(actor=None, data=data)


def test_three_lakh_thirty_thousand_rupees_is_not_above_ten_thousand_dollars(ecb):
    """The walk's complaint: ₹3,30,000 (about 3,870 USD) fired "Amount above 10,000"."""
    txn = _ingest("330000.00", "INR")
    assert "large-amount" not in [r["rule"] for r in txn.reasons]
    assert not Alert.objects.filter(transaction=txn).exists()


def test_ten_lakh_rupees_is_above_ten_thousand_dollars(ecb):
    txn = _ingest("1000000.00", "INR")  # about 11,700 USD
    assert "large-amount" in [r["rule"] for r in txn.reasons]


def test_an_amount_in_a_currency_without_a_rate_meets_no_amount_threshold(ecb):
    txn = _ingest("99999999.00", "XAF")
    assert "large-amount" not in [r["rule"] for r in txn.reasons]


def test_a_threshold_in_a_named_currency_converts_each_amount_to_it(ecb):
    from apps.fraud import services as fraud

    drafter = make_user(Role.ANALYST, email="drafter@bank.test")
    above = {"field": "amount", "op": "gt", "value": 500000, "currency": "INR"}
    rule = fraud.rule_draft_create(actor=drafter, code="big-in-rupees", name="Over 5 lakh rupees", weight=40,
                                   explanation="Above ₹5,00,000", condition=above)  # fmt: skip
    rule = fraud.rule_submit(actor=drafter, rule=rule)
    fraud.rule_approve(rule=rule, actor=make_user(Role.SUPERVISOR, email="approver@bank.test"))
    assert "big-in-rupees" in [r["rule"] for r in _ingest("600000.00", "INR").reasons]
    assert "big-in-rupees" in [r["rule"] for r in _ingest("6000.00", "USD", customer_ref="E-42").reasons]
    assert "big-in-rupees" not in [r["rule"] for r in _ingest("5000.00", "USD", customer_ref="E-43").reasons]


@pytest.mark.parametrize(
    ("leaf", "message"),
    [
        ({"field": "amount", "op": "gt", "value": 1, "currency": "XYZ"}, "XYZ is not an ISO 4217"),
        ({"field": "hour", "op": "gt", "value": 1, "currency": "USD"}, "only with a comparison of an amount"),
        ({"field": "amount", "op": "eq", "value": 1, "currency": "USD"}, "only with a comparison of an amount"),
    ],
)
def test_a_rule_names_only_real_currencies_and_only_on_amounts(leaf, message):
    with pytest.raises(ConditionError, match=message):
        validate(leaf)


# ------------------------------------------------------------------------------------------ cases
def _rupee_case(amount: str, team, ref: str = "E-41"):
    night = datetime(2025, 5, 9, 23, 30, tzinfo=UTC)
    txn = _ingest(amount, "INR", description="gift card", occurred_at=night, customer_ref=ref)
    return txn.alert.case


def test_a_rupee_case_above_the_dollar_limit_needs_a_second_person_and_says_both_amounts(ecb, team, supervisor):
    case = cases.case_claim(case=_rupee_case("1500000.00", team), actor=supervisor)
    reasons = cases.approval_reasons(case=case, outcome="fraud", freeze_account=False)
    assert any("15,00,000.00 INR" in r and "USD" in r and "10,000.00 USD approval limit" in r for r in reasons)


def test_a_rupee_case_below_the_dollar_limit_closes_without_one(ecb, team, supervisor):
    case = cases.case_claim(case=_rupee_case("330000.00", team), actor=supervisor)
    assert not [r for r in cases.approval_reasons(case=case, outcome="fraud", freeze_account=False) if "limit" in r]


def test_a_case_in_a_currency_without_a_rate_always_needs_a_second_person(db, team, supervisor, settings):
    settings.BANK_CURRENCY = "USD"
    case = cases.case_claim(case=_rupee_case("330000.00", team), actor=supervisor)
    reasons = cases.approval_reasons(case=case, outcome="fraud", freeze_account=False)
    assert any("no INR exchange rate" in r for r in reasons)


def test_a_route_minimum_without_a_currency_is_in_the_banks_currency(ecb, team):
    big = make_team("High value")
    CaseRoute.objects.create(position=1, min_amount=Decimal("50000"), team=big)
    assert CaseRoute.objects.get().describe() == "of at least 50,000.00 USD"
    assert _rupee_case("330000.00", team).team == team  # about 3,870 USD: the default team
    assert _rupee_case("5000000.00", team, ref="E-99").team == big  # about 58,600 USD


# ------------------------------------------------------------------------------------------ the page
def test_admins_load_a_rates_file_on_the_page_and_others_only_read_it(db, client, admin_user, settings):
    settings.BANK_CURRENCY = "USD"
    url = reverse("exchange_rates")
    client.force_login(admin_user)
    upload = SimpleUploadedFile("eurofxref-hist.csv", ECB.read_bytes(), content_type="text/csv")
    page = client.post(url, {"action": "load", "file": upload, "source": "ECB reference rates"}, follow=True)
    assert "Rates of 10 day(s) from 2025-04-25 to 2025-05-09 loaded" in page.content.decode()
    bad = SimpleUploadedFile("rates.csv", b"Date,USD\n2025-05-09,abc\n", content_type="text/csv")
    page = client.post(url, {"action": "load", "file": bad, "source": "x"})
    assert page.status_code == 400 and "Line 2, USD: &#x27;abc&#x27; is not a rate" in page.content.decode()
    supervisor = make_user(Role.SUPERVISOR, email="sup@bank.test")
    client.force_login(supervisor)
    assert client.get(url).status_code == 200
    entered = {"action": "set", "currency": "INR", "per_base": "85", "valid_on": "2026-12-01"}
    assert client.post(url, entered).status_code == 403
    client.force_login(make_user(Role.ANALYST, email="an@bank.test"))
    assert client.get(url).status_code == 403


def test_the_page_names_currencies_in_use_without_a_rate_and_links_their_transactions(ecb, client, admin_user):
    from django.utils import timezone

    _ingest("100.00", "XAF", occurred_at=timezone.now())
    _ingest("100.00", "INR", occurred_at=timezone.now(), customer_ref="E-2")
    client.force_login(admin_user)  # may not read transactions: the counts, without links
    html = client.get(reverse("exchange_rates")).content.decode()
    assert "No rate for currencies in use" in html and "XAF: 1 transaction," not in html
    assert "XAF: 1 transaction\n" in html or "XAF: 1 transaction " in html
    client.force_login(make_user(Role.SUPERVISOR, email="sup@bank.test"))
    html = client.get(reverse("exchange_rates")).content.decode()
    assert "XAF: 1 transaction</a>" in html and "currency=XAF" in html
    listed = client.get(reverse("transactions:list"), {"currency": "XAF"}).content.decode()
    assert "XAF" in listed and "INR" not in listed
