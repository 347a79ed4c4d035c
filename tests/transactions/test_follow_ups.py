"""Finding one's way: a transaction's and a cheque's page link to their alert and case (for those who may
open them), the alerts list finds a transaction's alert, and a file's page lists its rows with their
decisions and reasons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from apps.accounts.choices import Role
from apps.fraud.models import Case
from apps.transactions import services as txn_services
from apps.transactions.models import Transaction
from tests.factories import make_team, make_user
from tests.fraud.test_case_routing import _flagged_cheque_case
from tests.transactions.test_files import GOLDEN, _ingest

NIGHT_GIFT = {"customer_ref": "C-9", "amount": "12000.00", "description": "Gift card purchase", "kind": "expense",
              "occurred_at": datetime(2026, 3, 4, 23, 30, tzinfo=UTC), "external_id": "R-77"}  # fmt: skip


@pytest.fixture
def alerted(team):
    return txn_services.transaction_ingest(actor=None, data=NIGHT_GIFT)


def test_a_transactions_page_links_its_alert_and_its_case(client, alerted, analyst):
    case = alerted.alert.case
    client.force_login(analyst)
    html = client.get(reverse("transactions:detail", args=[alerted.pk])).content.decode()
    assert f'href="{reverse("fraud:case_detail", args=[case.pk])}"' in html and case.reference in html
    alert_link = f"{reverse('fraud:alerts')}?transaction_id={alerted.pk}"
    assert "High alert, score" in html and alert_link.replace("transaction_id", "transaction") in html
    listed = client.get(reverse("fraud:alerts"), {"transaction": alerted.pk}).content.decode()
    assert listed.count('data-testid="alert-transaction"') == 1 and ">R-77</a>" in listed and case.reference in listed


def test_another_teams_analyst_sees_the_alert_but_no_link_to_a_case_they_cannot_open(client, alerted):
    stranger = make_user(Role.ANALYST, teams=[make_team("Elsewhere")], email="stranger@bank.test")
    client.force_login(stranger)
    html = client.get(reverse("transactions:detail", args=[alerted.pk])).content.decode()
    assert "High alert, score" in html and alerted.alert.case.reference not in html


def test_a_quiet_transaction_says_no_alert_was_raised(client, team, analyst):
    quiet = txn_services.transaction_ingest(actor=None, data={**NIGHT_GIFT, "amount": "12.00", "description": "Tea",
                                                               "occurred_at": datetime(2026, 3, 4, 12, tzinfo=UTC),
                                                               "external_id": "R-78"})  # fmt: skip
    client.force_login(analyst)
    assert "No alert was raised." in client.get(reverse("transactions:detail", args=[quiet.pk])).content.decode()


def test_a_flagged_cheques_page_links_its_case(client, team):
    case = _flagged_cheque_case("125.40")
    supervisor = make_user(Role.SUPERVISOR, teams=[case.team], email="sup-links@bank.test")
    client.force_login(supervisor)
    cheque_id = int(case.subject.split(":")[1])
    html = client.get(reverse("cheques:detail", args=[cheque_id])).content.decode()
    assert case.reference in html and f"{reverse('fraud:alerts')}?cheque={cheque_id}" in html


def test_a_files_page_lists_its_rows_with_decisions_and_reasons(client, team, supervisor):
    record = _ingest(GOLDEN)
    client.force_login(supervisor)
    url = reverse("transactions:file_detail", args=[record.pk])
    html = client.get(url).content.decode()
    assert html.count("transactions/") >= 3 and "TX1" in html and "TX2" in html and "TX3" in html
    assert "Amount above 10,000" in html  # TX2's and TX3's reasons
    blocked = client.get(url, {"decision": "block"}).content.decode()
    assert "TX2" in blocked and "TX1" not in blocked and "TX3" not in blocked
    assert Transaction.objects.filter(file=record).count() == 3
    listed = client.get(reverse("transactions:list"), {"file": record.pk}).content.decode()
    assert all(ref in listed for ref in ("TX1", "TX2", "TX3"))
    assert Case.objects.exists()


def test_an_api_transaction_belongs_to_no_file(alerted):
    assert alerted.file_id is None
