"""Money is shown grouped, two decimals, with its ISO code (lakh and crore for INR); currencies are ISO
4217 codes in use, checked wherever an amount comes in; what comes without one is the bank's currency."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.core.money import money_text
from apps.transactions.models import Transaction

ROW = {"external_id": "M-1", "customer_ref": "C-1", "amount": "330000.00", "description": "groceries",
       "occurred_at": "2026-03-04T12:00:00Z", "kind": "expense"}  # fmt: skip


@pytest.mark.parametrize(("amount", "currency", "shown"), [
    ("330000", "INR", "3,30,000.00 INR"),
    ("10000000", "inr", "1,00,00,000.00 INR"),
    ("1000000", "USD", "1,000,000.00 USD"),
    ("12.5", "EUR", "12.50 EUR"),
])  # fmt: skip
def test_amounts_are_grouped_as_their_currency_is_read(amount, currency, shown):
    assert money_text(Decimal(amount), currency) == shown


def test_the_api_refuses_a_currency_that_is_not_iso_4217_and_defaults_to_the_banks(feed, settings):
    bad = feed.post(reverse("api:transaction-list"), {**ROW, "currency": "XYZ"}, format="json")
    assert bad.status_code == 400 and "ISO 4217" in bad.json()["errors"]["currency"][0]
    settings.BANK_CURRENCY = "INR"
    ok = feed.post(reverse("api:transaction-list"), ROW, format="json")
    assert ok.status_code == 201 and Transaction.objects.get().currency == "INR"
    lower = feed.post(reverse("api:transaction-list"), {**ROW, "external_id": "M-2", "currency": "eur"}, format="json")
    assert lower.status_code == 201 and lower.json()["currency"] == "EUR"


def test_lists_show_rupees_in_lakh_and_crore(client, feed, team):
    from apps.accounts.choices import Role
    from tests.factories import make_user

    feed.post(reverse("api:transaction-list"), {**ROW, "currency": "INR"}, format="json")
    client.force_login(make_user(Role.ANALYST, teams=[team], email="ana@bank.test"))
    assert "3,30,000.00 INR" in client.get(reverse("transactions:list")).text
