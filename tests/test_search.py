"""One search box finds a case, a transaction, a cheque or a customer by what a person has in hand, among
what they may see; a single hit opens at once."""

from datetime import UTC, datetime

from django.urls import reverse

from apps.accounts.choices import Role
from apps.fraud.models import Case
from apps.transactions import services
from apps.transactions.models import Transaction
from tests.factories import make_team, make_user


def _alerting(external_id: str, customer: str):
    services.transaction_ingest(actor=None, data={"external_id": external_id, "customer_ref": customer,
                                                  "amount": "12000.00", "description": "Gift card purchase",
                                                  "occurred_at": datetime(2026, 3, 4, 23, 30, tzinfo=UTC),
                                                  "kind": "expense"})  # fmt: skip
    return Transaction.objects.get(external_id=external_id)


def test_a_case_number_or_a_transaction_id_opens_it(client, db):
    team = make_team("Card fraud")
    client.force_login(make_user(Role.ANALYST, teams=[team], email="ana@bank.test"))
    txn = _alerting("TX-778", "C-1")
    case = Case.objects.get()
    opened = client.get(reverse("search"), {"q": case.reference.lower()})
    assert opened.status_code == 302 and opened.url == reverse("fraud:case_detail", args=[case.pk])
    opened = client.get(reverse("search"), {"q": " TX-778 "})
    assert opened.url == reverse("transactions:detail", args=[txn.pk])
    nothing = client.get(reverse("search"), {"q": "CASE-999999"})
    assert nothing.status_code == 200 and "Nothing you may see matches" in nothing.text


def test_search_finds_only_what_the_person_may_see(client, db):
    mine, theirs = make_team("Card fraud"), make_team("Other team")
    client.force_login(make_user(Role.ANALYST, teams=[theirs], email="ana@bank.test"))
    _alerting("TX-1", "C-7")
    case = Case.objects.get()
    assert case.team == mine  # the default team (first by name), not the analyst's
    page = client.get(reverse("search"), {"q": case.reference})
    assert page.status_code == 200 and "Nothing you may see matches" in page.text
    assert reverse("fraud:case_detail", args=[case.pk]) not in page.text
    auditor = make_user(Role.AUDITOR, email="aud@bank.test")
    client.force_login(auditor)
    assert client.get(reverse("search"), {"q": case.reference}).status_code == 302  # auditors see every case
