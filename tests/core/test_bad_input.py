"""Bad input answers 4xx with the one error body, never a 500 or an HTML page from the API: numbers and
days past any sensible range, transactions dated in year 1, JSON nested a thousand deep, big CSV uploads
with a column mapping. A CSV with a year-1 timestamp finishes, the row reported."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from apps.fraud.models import Rule
from apps.transactions.models import Transaction, TransactionFile
from tests.transactions.test_files import EXPENSE_HEADER, _ingest, _report

ROW = {"external_id": "T-1", "customer_ref": "E-9", "amount": "10.00", "occurred_at": "2026-03-04T10:00:00Z"}


@pytest.fixture
def staff(supervisor):
    client = APIClient()
    client.force_login(supervisor)
    return client


@pytest.mark.parametrize(
    ("route", "query", "field"),
    [
        ("api:case-list", "older_than_days=99999999999", "older_than_days"),
        ("api:case-list", "min_amount=1e400", "min_amount"),
        ("api:case-list", "team=99999999999999999999999", "team"),
        ("api:transaction-list", "until=9999-12-31", "until"),
        ("api:transaction-list", "since=0001-01-01", "since"),
        ("api:alert-list", "min_score=1e30", "min_score"),
        ("api:auditevent-list", "after=0001-01-01T00:00:00Z&before=9999-01-01T00:00:00Z", "after"),
        ("api:cheque-list", "amount_max=-1e99", "amount_max"),
    ],
)
def test_a_query_past_any_range_is_a_400_naming_the_filter(staff, auditor, route, query, field):
    if route == "api:auditevent-list":
        staff.force_login(auditor)
    response = staff.get(f"{reverse(route)}?{query}")
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert field in response.json()["errors"]


PORTAL_LISTS = [
    ("fraud:cases", "older_than_days=99999999999", "Older than (days)"),
    ("transactions:list", "until=9999-12-31", "Until (day, inclusive)"),
    ("fraud:alerts", "since=0001-01-01", "From (day)"),
]


@pytest.mark.parametrize(("name", "query", "label"), PORTAL_LISTS)
def test_the_portal_shows_the_list_with_the_filter_s_error(client, supervisor, name, query, label):
    client.force_login(supervisor)
    response = client.get(f"{reverse(name)}?{query}")
    assert response.status_code == 200
    errors = response.content.decode().split('data-testid="filter-errors"')[1].split("</div>")[0]
    assert f"<strong>{label}</strong>" in errors
    assert "between 1900 and 2199" in errors or "less than or equal" in errors


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1969-12-31T00:00:00Z"])
def test_a_transaction_dated_out_of_range_is_refused(feed, moment):
    response = feed.post(reverse("api:transaction-list"), {**ROW, "occurred_at": moment}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["occurred_at"] == ["The date and time must be between 1970 and 2099."]
    assert not Transaction.objects.exists()


def test_a_back_test_over_far_out_dates_is_refused(staff):
    rule = Rule.objects.filter(status="active").first()
    url = reverse("api:rule-backtest", args=[rule.pk])
    response = staff.post(url, {"start": "0001-01-01T00:00:00Z", "end": "9999-12-31T00:00:00Z"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"start", "end"}


def test_json_nested_a_thousand_deep_is_a_400(feed):
    body = "[" * 100_000 + "]" * 100_000
    response = feed.post(reverse("api:transaction-list"), body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["type"] == "parse_error"


def test_the_api_answers_json_for_a_url_it_does_not_have(feed):
    response = feed.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["type"] == "not_found"


def test_a_csv_over_the_in_memory_limit_with_a_column_mapping_is_accepted(staff, supervisor, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # the limit is 5 MB; a small one shows the same path
    lines = ["Ref,When,Amt"] + [f"R{i},2026-03-04 10:{i % 60:02d}:00,{i + 1}.00" for i in range(200)]
    upload = SimpleUploadedFile("big.csv", ("\n".join(lines) + "\n").encode(), "text/csv")
    response = staff.post(reverse("api:transactionfile-list"),
                          {"file": upload, "format": "mapping",
                           "mapping": "external_id=Ref,occurred_at=When,amount=Amt"}, format="multipart")  # fmt: skip
    assert response.status_code == 202, response.content[:500]
    assert TransactionFile.objects.get().mapping == {"external_id": "Ref", "occurred_at": "When", "amount": "Amt"}


def test_a_csv_row_dated_in_year_one_is_reported_and_the_file_finishes(db):
    record = _ingest(EXPENSE_HEADER + (
        "OK1,E1,10.00,Oslo,Taxi,2026-03-04 09:00:00\n"
        "OLD,E1,10.00,Oslo,Taxi,0001-01-01 00:00:00\n"
        "ISO,E1,10.00,Oslo,Taxi,0001-01-01T00:00:00+05:30\n"
        "FAR,E1,10.00,Oslo,Taxi,9999-12-31 23:59:59\n"
    ))  # fmt: skip
    assert (record.status, record.rows_stored, record.rows_rejected) == ("done", 1, 3)
    assert all("between 1970 and 2099" in row[2] for row in _report(record)), _report(record)
    assert json.dumps(_report(record))  # the report is plain data
