"""Keying: the next cheque is held for one analyst; confirmed fields keep what was read beside what was
keyed; the validations run and the cheque is routed (cleared, or flagged to a case)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.cheques import services, validation
from apps.cheques.models import Cheque, ChequeField
from apps.cheques.words import NotAnAmount, words_to_amount
from apps.core.models import AuditEvent
from apps.fraud.models import Case
from tests.factories import make_user

from .images import cheque_image, upload

GOOD = {"amount": "125.40", "legal_amount": "One hundred twenty five and 40/100", "payee": "Ada Lovelace",
        "cheque_number": "1172", "routing": "031300465", "account": "02380145", "serial": "1172"}  # fmt: skip


@pytest.fixture
def keyer(team):
    return make_user(Role.ANALYST, teams=[team], email="keyer@bank.test")


def _waiting(**kw) -> Cheque:
    cheque = services.cheque_receive(actor=None, front=upload(cheque_image()), **kw)
    Cheque.objects.filter(pk=cheque.pk).update(status="keying")
    ChequeField.objects.create(cheque=cheque, name="amount", read_value="125.4O", read_confidence=0.41,
                               read_source="ocr")  # fmt: skip
    cheque.refresh_from_db()
    return cheque


def _values(**changes):
    return {**GOOD, "date": (timezone.localdate() - timedelta(days=3)).isoformat(), **changes}


@pytest.mark.parametrize(
    ("words", "amount"),
    [
        ("One hundred twenty five and 40/100 dollars", "125.40"),
        ("Rupees Two Lakh Thirty Five Thousand Only", "235000.00"),
        ("Twelve crore fifty lakh and fifty paise", "125000000.50"),
        ("twenty-one thousand four hundred six dollars and 07/100", "21406.07"),
        ("Seventy five cents", "0.75"),
        ("One million two hundred thousand", "1200000.00"),
    ],
)
def test_legal_amounts_in_words_become_numbers(words, amount):
    assert words_to_amount(words) == Decimal(amount)


def test_words_that_are_not_an_amount_are_refused():
    with pytest.raises(NotAnAmount):
        words_to_amount("pay the bearer")


@pytest.mark.parametrize(
    ("country", "routing", "ok"),
    [("us", "031300465", True), ("us", "031300466", False), ("us", "12345678", False), ("ca", "00012345", True),
     ("ca", "0001234", False), ("in", "400002012", True), ("in", "000002012", False)],
)  # fmt: skip
def test_routing_numbers_by_country(country, routing, ok):
    assert validation.routing_ok(country, routing) is ok


def test_a_clean_keyed_cheque_is_cleared_and_both_values_are_kept(keyer):
    cheque = _waiting(declared_amount=Decimal("125.40"))
    cheque = services.cheque_key(cheque=cheque, actor=keyer, values=_values(), country="us")
    assert cheque.status == "cleared" and cheque.risk_score == 0
    amount = cheque.fields.get(name="amount")
    assert (amount.read_value, amount.keyed_value, amount.keyed_by) == ("125.4O", "125.40", keyer)
    assert amount.source == "keyed" and amount.value == "125.40"
    event = AuditEvent.objects.get(action="cheque.key", object_id=str(cheque.pk))
    assert event.before["read"]["amount"] == "125.4O" and event.after["keyed"]["amount"] == "125.40"
    assert all(v["passed"] is not False for v in cheque.validations)


@pytest.mark.parametrize(
    ("changes", "declared", "failed"),
    [
        ({"legal_amount": "One hundred fifty two and 40/100"}, None, "car_lar"),
        ({"routing": "031300466"}, None, "routing"),
        ({"date": "2020-01-02"}, None, "stale"),
        ({"date": "2099-01-02"}, None, "post_dated"),
        ({"cheque_number": "1173"}, None, "serial"),
        ({}, Decimal("1125.40"), "declared"),
    ],
    ids=["car-lar", "routing-checksum", "stale", "post-dated", "serial", "declared"],
)
def test_each_failed_check_flags_the_cheque_to_a_case(keyer, changes, declared, failed):
    cheque = _waiting(declared_amount=declared)
    cheque = services.cheque_key(cheque=cheque, actor=keyer, values=_values(**changes), country="us")
    assert cheque.status == "flagged"
    assert [v["code"] for v in cheque.validations if v["passed"] is False] == [failed]
    case = Case.objects.get(subject=f"cheque:{cheque.pk}")
    assert case.kind == "cheque" and cheque.alert.score == cheque.risk_score >= 40


def test_india_cheques_go_stale_after_three_months(keyer):
    four_months = (timezone.localdate() - timedelta(days=120)).isoformat()
    us = services.cheque_key(cheque=_waiting(), actor=keyer, values=_values(date=four_months), country="us")
    cheque = _waiting()
    india = services.cheque_key(cheque=cheque, actor=keyer, values=_values(date=four_months, routing="400002012",
                                serial="1172"), country="in")  # fmt: skip
    assert us.status == "cleared" and india.status == "flagged" and india.validations[2]["code"] == "stale"


def test_the_same_routing_account_and_serial_twice_is_duplicate_presentment(keyer):
    first = services.cheque_key(cheque=_waiting(), actor=keyer, values=_values(), country="us")
    second = services.cheque_key(cheque=_waiting(), actor=keyer, values=_values(), country="us")
    assert first.status == "cleared" and second.status == "flagged"
    assert f"match cheque #{first.pk}" in second.status_reason and second.risk_score >= 90


def test_bad_keyed_values_are_refused_field_by_field(keyer):
    cheque = _waiting()
    with pytest.raises(ValidationError) as refused:
        services.cheque_key(cheque=cheque, actor=keyer, values=_values(amount="12,x", date="31/12/2026",
                            routing="03-13A"), country="us")  # fmt: skip
    assert set(refused.value.message_dict) == {"amount", "date", "routing"}
    cheque.refresh_from_db()
    assert cheque.status == "keying" and not cheque.fields.filter(keyed_at__isnull=False).exists()


def test_next_for_keying_holds_a_cheque_for_one_analyst(keyer, team):
    other = make_user(Role.ANALYST, teams=[team], email="keyer2@bank.test")
    first, second = _waiting(), _waiting()
    assert services.cheque_next_for_keying(actor=keyer) == first
    assert services.cheque_next_for_keying(actor=other) == second  # the first is held
    assert services.cheque_next_for_keying(actor=keyer) == first  # your own is yours again
    Cheque.objects.filter(pk=first.pk).update(keying_since=timezone.now() - timedelta(hours=1))
    assert services.cheque_next_for_keying(actor=other) in (first, second)


def test_the_keying_screen_shows_the_image_and_routes(client, keyer):
    cheque = _waiting()
    client.force_login(keyer)
    opened = client.post(reverse("cheques:key_next"))
    assert opened.url == reverse("cheques:key", args=[cheque.pk])
    page = client.get(opened.url)
    assert 'data-testid="key-image"' in page.text and "Read: 125.4O (OCR, 0.41)" in page.text
    bad = client.post(opened.url, {**_values(amount="abc"), "country": "us"})
    assert bad.status_code == 400 and "Write the amount in figures" in bad.text
    done = client.post(opened.url, {**_values(), "country": "us"})
    assert done.status_code == 302
    cheque.refresh_from_db()
    assert cheque.status == "cleared"


def test_the_api_shows_every_field_with_its_value_confidence_and_source(keyer):
    from rest_framework.test import APIClient

    cheque = services.cheque_key(cheque=_waiting(), actor=keyer, values=_values(), country="us")
    api = APIClient()
    api.force_login(keyer)
    body = api.get(reverse("api:cheque-detail", args=[cheque.pk])).json()
    amount = next(f for f in body["extracted_fields"] if f["name"] == "amount")
    assert amount == {"name": "amount", "value": "125.40", "confidence": 1.0, "source": "keyed", "read_value": "125.4O"}
    assert body["risk_score"] == 0 and {v["code"] for v in body["validations"]} >= {"routing", "car_lar", "stale"}


def test_the_original_presentment_is_never_the_duplicate_even_when_the_copy_is_keyed_first(keyer):
    original, copy = _waiting(), _waiting()
    copy = services.cheque_key(cheque=copy, actor=keyer, values=_values(), country="us")
    assert copy.status == "cleared"  # nothing earlier is known yet
    original = services.cheque_key(cheque=original, actor=keyer, values=_values(), country="us")
    copy.refresh_from_db()
    assert original.status == "cleared"  # the first presentment stands
    assert copy.status == "flagged" and copy.risk_score >= 90
    assert f"match cheque #{original.pk} (number " in copy.status_reason and "presented " in copy.status_reason
    assert copy.alert.score >= 90  # an alert, and so a case, for the later one only
    assert not hasattr(original, "alert") or original.alert is None


@pytest.mark.parametrize(("typed", "country", "stored"), [
    ("03-11-2026", "in", "2026-11-03"),  # day first, as an Indian cheque writes it
    ("3/11/2026", "ca", "2026-11-03"),
    ("11/03/2026", "us", "2026-11-03"),  # month first in the US
    ("2026-11-03", "in", "2026-11-03"),
])  # fmt: skip
def test_the_date_is_keyed_as_the_cheque_writes_it(typed, country, stored):
    from apps.cheques.fields import keyed_date

    assert keyed_date(typed, country) == stored


def test_the_keying_screen_asks_for_the_date_as_the_cheque_writes_it(keyer, client):
    from django.urls import reverse

    cheque = _waiting(country="in")
    Cheque.objects.filter(pk=cheque.pk).update(country="in")
    client.force_login(keyer)
    page = client.get(reverse("cheques:key", args=[cheque.pk]))
    assert 'placeholder="DD-MM-YYYY or YYYY-MM-DD"' in page.text and 'type="date"' not in page.text
    keyed = services.cheque_key(cheque=cheque, actor=keyer, country="in",
                                values=_values(date=(timezone.localdate() - timedelta(days=3)).strftime("%d-%m-%Y"),
                                               routing="400002012"))  # fmt: skip
    assert keyed.fields.get(name="date").keyed_value == (timezone.localdate() - timedelta(days=3)).isoformat()


def test_after_keying_the_steps_end_with_what_keying_decided_not_the_reads_needs_keying(keyer, client):
    from django.urls import reverse

    cheque = services.cheque_key(cheque=_waiting(declared_amount=Decimal("125.40")), actor=keyer, values=_values(),
                                 country="us")  # fmt: skip
    last = cheque.steps.order_by("id").last()
    assert (last.name, last.detail["route"], last.detail["by"]) == ("keyed", "cleared", keyer.get_username())
    client.force_login(keyer)
    html = client.get(reverse("cheques:detail", args=[cheque.pk])).content.decode()
    steps = html[html.index('data-testid="cheque-steps"') :]
    assert steps.index("keyed") > steps.rindex("needs") if "needs" in steps else "keyed" in steps
    assert "Keyed; every check passed." in steps
