"""Each role's front page lists its work, and every count opens the list it counts."""

from datetime import UTC, datetime

from django.urls import reverse

from apps.accounts.choices import Role
from apps.fraud.models import Case
from apps.transactions import services
from tests.factories import make_team, make_user


def _case(n: int) -> Case:
    services.transaction_ingest(actor=None, data={"external_id": f"D-{n}", "customer_ref": f"C-{n}",
                                                  "amount": "12000.00", "description": "Gift card purchase",
                                                  "occurred_at": datetime(2026, 3, 4, 23, 30, tzinfo=UTC),
                                                  "kind": "expense"})  # fmt: skip
    return Case.objects.get(customer_ref=f"C-{n}")


def _count(page, key: str) -> int:
    import re

    found = re.search(rf'data-testid="work-{key}">.*?class="cc-value">(\d+)<', page.text, re.S)
    assert found, key
    return int(found.group(1))


def test_a_supervisor_sees_approvals_waiting_and_breaches_by_team_each_linking_to_its_list(client, db):
    team = make_team("Card fraud")
    boss = make_user(Role.SUPERVISOR, teams=[team], email="sam@bank.test")
    first, second, third = _case(1), _case(2), _case(3)
    Case.objects.filter(pk=first.pk).update(status="pending")
    Case.objects.filter(pk=second.pk).update(sla_due_at=datetime(2026, 1, 1, tzinfo=UTC))
    client.force_login(boss)
    home = client.get(reverse("home"))
    assert _count(home, "approvals") == 1 and _count(home, "breached") == 1
    listed = client.get(reverse("fraud:cases"), {"status": "pending"})
    assert first.reference in listed.text and third.reference not in listed.text
    assert 'data-testid="team-queues"' in home.text and "Card fraud" in home.text
    breached = client.get(reverse("fraud:cases"), {"team": team.pk, "sla": "breached"})
    assert second.reference in breached.text and first.reference not in breached.text


def test_an_analyst_sees_their_cases_and_the_keying_queue(client, db):
    team = make_team("Card fraud")
    analyst = make_user(Role.ANALYST, teams=[team], email="ana@bank.test")
    case = _case(1)
    _case(2)
    Case.objects.filter(pk=case.pk).update(assignee=analyst)
    client.force_login(analyst)
    home = client.get(reverse("home"))
    assert _count(home, "mine") == 1 and _count(home, "unassigned") == 1 and _count(home, "keying") == 0
    assert 'data-testid="work-approvals"' not in home.text  # approving is not an analyst's work
    mine = client.get(reverse("fraud:cases"), {"assignee": "me"})
    assert case.reference in mine.text
