"""Every work list downloads as filtered, in CSV and Excel: all pages, only what the person may see,
spreadsheet formulas neutralised, the download in the audit trail."""

from datetime import UTC, datetime
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.accounts.choices import Role
from apps.core.models import AuditEvent
from apps.fraud.models import Case
from apps.transactions import services
from tests.factories import make_team, make_user

NIGHT = datetime(2026, 3, 4, 23, 30, tzinfo=UTC)


def _ingest(n: int, **row):
    data = {"external_id": f"X-{n}", "customer_ref": "C-1", "amount": "42.50", "description": "groceries",
            "occurred_at": datetime(2026, 3, 4, 12, n % 60, tzinfo=UTC), "kind": "expense", **row}  # fmt: skip
    services.transaction_ingest(actor=None, data=data)


@pytest.fixture
def analyst(client, db, settings):
    settings.PORTAL_PAGE_SIZE = 5
    team = make_team("Card fraud")
    user = make_user(Role.ANALYST, teams=[team], email="ana@bank.test")
    client.force_login(user)
    return user


def test_the_transaction_list_exports_every_page_as_filtered_in_csv(client, analyst):
    for n in range(12):
        _ingest(n)
    _ingest(99, amount="12000.00", description='=HYPERLINK("http://evil") gift card', occurred_at=NIGHT)
    response = client.get(reverse("transactions:list"), {"decision": "approve", "export": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("occurred_at,id,customer,kind,amount,currency")
    assert len(lines) == 1 + 12  # every page (5 a page on screen), only the approved ones
    everything = b"".join(client.get(reverse("transactions:list"), {"export": "csv"}).streaming_content).decode()
    assert "'=HYPERLINK" in everything  # a formula is written as text
    event = AuditEvent.objects.filter(action="list.export").order_by("id").first()
    assert event.after == {"list": "transactions", "format": "csv", "filters": {"decision": "approve"}}


def test_the_case_queue_exports_to_excel_with_amounts_as_numbers(client, analyst):
    _ingest(1, amount="12000.00", description="Gift card purchase", occurred_at=NIGHT)
    response = client.get(reverse("fraud:cases"), {"status": "", "export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows[0][:5] == ("case", "title", "kind", "priority", "status") and len(rows) == 2
    assert rows[1][0] == Case.objects.get().reference and rows[1][rows[0].index("amount")] == 12000
    assert rows[1][rows[0].index("team")] == "Card fraud"


def test_an_export_shows_only_what_the_person_may_see(client, db):
    make_team("Card fraud")
    client.force_login(make_user(Role.ANALYST, teams=[make_team("Other")], email="other@bank.test"))
    _ingest(1, amount="12000.00", description="Gift card purchase", occurred_at=NIGHT)
    rows = b"".join(client.get(reverse("fraud:cases"), {"export": "csv"}).streaming_content).decode().splitlines()
    assert len(rows) == 1  # the header: the case is another team's
    assert client.get(reverse("fraud:cases"), {"export": "pdf"}).status_code == 400
