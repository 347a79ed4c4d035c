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


def test_a_compliance_officer_sees_aml_cases_thresholds_to_approve_and_kyc_reviews_due(client, db):
    from datetime import timedelta

    from django.utils import timezone

    from apps.compliance import services as compliance
    from apps.compliance.kyc.services import customer_risks_open_missing

    cora, other = make_user(Role.COMPLIANCE, email="cora@bank.test"), make_user(Role.COMPLIANCE, email="o@bank.test")
    for i, amount in enumerate(["9000.00", "9500.00", "9900.00"]):  # structuring: a compliance case
        row = {"customer_ref": "C-AML", "amount": amount, "kind": "deposit", "channel": "cash",
               "occurred_at": timezone.now() - timedelta(days=3 - i)}  # fmt: skip
        services.transaction_ingest(actor=None, data=row)
    compliance.scenarios_monitor_new()
    today = timezone.localdate()
    compliance.threshold_draft(actor=other, metric="dormant_days", breach="200", effective_from=today,
                               reason="Calibration")  # fmt: skip
    compliance.threshold_draft(actor=cora, metric="round_amount_count", breach="4", effective_from=today,
                               reason="Mine: another officer approves it")  # fmt: skip
    for ref, due in (("K-1", today - timedelta(days=10)), ("K-2", today + timedelta(days=5))):
        services.customer_create(actor=None, external_id=ref, full_name=f"Customer {ref}", kyc_status="verified",
                                 kyc_review_date=due)  # fmt: skip
    customer_risks_open_missing()
    client.force_login(cora)
    home = client.get(reverse("home"))
    assert _count(home, "aml_cases") == 1 and _count(home, "thresholds") == 1
    assert _count(home, "kyc_expired") == 1 and _count(home, "kyc_review_due") == 1
    assert "C-AML" in client.get(reverse("fraud:cases"), {"kind": "compliance"}).text
    assert "K-1" in client.get(reverse("compliance:kyc_queue"), {"state": "expired"}).text
