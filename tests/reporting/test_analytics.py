"""The analytics page: figures from the rollups, in one currency, each opening the transactions it counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.reporting.rollups import rollups_follow
from apps.transactions import services as txn_services
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    now = timezone.now()
    rows = [("payment", "10.00", "USD", 1), ("payment", "20.00", "USD", 1), ("deposit", "500.00", "USD", 3),
            ("deposit", "75000.00", "INR", 1)]  # fmt: skip
    for i, (kind, amount, currency, days_ago) in enumerate(rows):
        data = {
            "customer_ref": f"C-{i}",
            "kind": kind,
            "amount": amount,
            "currency": currency,
            "channel": "card" if kind == "payment" else "cash",
            "occurred_at": now - timedelta(days=days_ago),
        }
        txn_services.transaction_ingest(actor=None, data=data)
    rollups_follow()


def test_the_figures_come_from_the_data_in_one_currency_and_open_the_rows_they_count(client, book):
    client.force_login(make_user(Role.ANALYST, email="ana@bank.test"))
    page = client.get(reverse("reporting:analytics"))
    assert page.status_code == 200
    totals = page.context["totals"]
    assert (totals["count"], str(totals["amount"]), str(totals["average"])) == (3, "530.00", "176.67")
    mix = {m["key"]: m for m in page.context["mix"]}
    assert (mix["payment"]["count"], str(mix["payment"]["amount"])) == (2, "30.00")
    listed = client.get(mix["payment"]["url"])
    assert listed.context["paginator"].count == 2  # the slice opens exactly what it counts
    busiest = max(page.context["days"], key=lambda d: d["count"])
    assert client.get(busiest["url"]).context["paginator"].count == busiest["count"] == 2
    rupees = client.get(reverse("reporting:analytics"), {"currency": "INR"})
    assert (rupees.context["totals"]["count"], str(rupees.context["totals"]["amount"])) == (1, "75000.00")
    assert "75,000.00 INR" in rupees.content.decode() or "75,000.00" in rupees.content.decode()


def test_a_period_that_ends_before_it_starts_is_refused_with_a_reason(client, book):
    client.force_login(make_user(Role.ANALYST, email="ana@bank.test"))
    page = client.get(reverse("reporting:analytics"), {"since": "2026-12-01", "until": "2026-11-01"})
    assert page.status_code == 400 and "The period ends before it starts." in page.content.decode()
    page = client.get(reverse("reporting:analytics"), {"since": "1.1.2026"})
    assert page.status_code == 400 and "From" in page.content.decode()


def test_a_branch_cut_counts_the_account_s_branch_else_the_customer_s_and_opens_the_same_rows(client):
    north = txn_services.customer_create(actor=None, external_id="C-N", full_name="North", branch="NTH01")
    txn_services.customer_create(actor=None, external_id="C-S", full_name="South", branch="STH01")
    txn_services.account_open(actor=None, customer=north, number="12340001", branch="STH01")  # held in the south
    now = timezone.now()
    for ref, account in (("C-N", None), ("C-N", None), ("C-S", None), ("C-N", "12340001")):
        data = {"customer_ref": ref, "kind": "payment", "amount": "10.00", "occurred_at": now}
        if account:
            data["account_number"] = account
        txn_services.transaction_ingest(actor=None, data=data)
    rollups_follow()
    client.force_login(make_user(Role.ANALYST, email="ana@bank.test"))
    for branch, expected in (("NTH01", 2), ("STH01", 2)):
        page = client.get(reverse("reporting:analytics"), {"branch": branch})
        assert page.context["totals"]["count"] == expected
        assert client.get(page.context["all_url"]).context["paginator"].count == expected
