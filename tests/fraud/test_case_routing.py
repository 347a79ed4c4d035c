"""New cases reach the team whose work they are: routes an admin keeps (kind, priority, currency, amount,
customer), tried in order; the default team takes the rest. A cheque case's amount is the best value
known (keyed, then read, then declared), so the approval rule sees the money on the cheque."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.accounts.choices import Role
from apps.cheques import services as cheque_services
from apps.core.models import AuditEvent
from apps.fraud.cases.services import case_route_create
from apps.fraud.models import Case, CaseRoute
from apps.transactions import services as transaction_services
from tests.cheques.test_keying import _values, _waiting
from tests.factories import make_team, make_user

NIGHT_GIFT = {"customer_ref": "C-9", "amount": "12000.00", "description": "Gift card purchase",
              "occurred_at": datetime(2026, 3, 4, 23, 30, tzinfo=UTC), "kind": "expense"}  # fmt: skip


@pytest.fixture
def teams(db):
    return {"card": make_team("Card fraud"), "cheque": make_team("Cheque fraud"), "big": make_team("Large value")}


WORDS = {"125.40": "One hundred twenty five and 40/100", "25000.00": "Twenty five thousand",
         "330000.00": "Three hundred thirty thousand"}  # fmt: skip


def _flagged_cheque_case(amount: str) -> Case:
    keyer = make_user(Role.ANALYST, email=f"keyer-{amount}@bank.test")
    values = _values(amount=amount, legal_amount=WORDS[amount], account="000111222333")
    cheque_services.cheque_key(cheque=_waiting(), actor=keyer, values=values, country="us")
    copy = cheque_services.cheque_key(cheque=_waiting(), actor=keyer, values=values, country="us")
    assert copy.status == "flagged"  # presented twice: the second is the duplicate, and becomes a case
    return Case.objects.get(subject=f"cheque:{copy.pk}")


def test_cheque_cases_go_to_the_cheque_team_and_transaction_cases_to_the_card_team(teams):
    # "Card fraud" sorts first by name: without routes every case would land there.
    case_route_create(actor=None, team=teams["cheque"], position=10, kind="cheque")
    case_route_create(actor=None, team=teams["card"], position=20, kind="transaction")
    cheque_case = _flagged_cheque_case("125.40")
    assert cheque_case.kind == "cheque" and cheque_case.team == teams["cheque"]
    transaction_services.transaction_ingest(actor=None, data={**NIGHT_GIFT, "external_id": "R-1"})
    assert Case.objects.get(kind="transaction").team == teams["card"]


def test_the_first_matching_route_wins_and_the_default_team_takes_the_rest(teams, settings):
    settings.CASE_DEFAULT_TEAM = teams["card"].slug
    case_route_create(actor=None, team=teams["big"], position=5, min_amount=Decimal("10000"), currency="usd")
    case_route_create(actor=None, team=teams["cheque"], position=10, kind="cheque")
    large = _flagged_cheque_case("25000.00")
    assert large.team == teams["big"]  # the large-value route comes first
    transaction_services.transaction_ingest(actor=None, data={**NIGHT_GIFT, "external_id": "R-2", "amount": "900.00",
                                                              "customer_ref": "C-10"})  # fmt: skip
    small = Case.objects.get(kind="transaction")
    assert small.team == teams["card"]  # no route takes it: the default team


def test_a_cheque_case_carries_the_keyed_amount_not_the_empty_declared_one(teams):
    case = _flagged_cheque_case("330000.00")
    assert case.amount == Decimal("330000.00")  # nothing was declared; the keyed amount counts


def test_an_admin_adds_and_removes_a_route_in_the_portal_and_both_are_audited(client, teams):
    admin = make_user(Role.ADMIN, email="ari@bank.test")
    client.force_login(admin)
    page = client.get(reverse("fraud:case_routes"))
    assert page.status_code == 200 and "No routes" in page.text
    added = client.post(reverse("fraud:case_routes"), {"position": "100", "kind": "cheque", "priority": "",
                                                       "currency": "", "min_amount": "", "customer_prefix": "",
                                                       "team": teams["cheque"].pk})  # fmt: skip
    assert added.status_code == 302
    route = CaseRoute.objects.get()
    assert (route.kind, route.team) == ("cheque", teams["cheque"])
    assert "cheque cases" in client.get(reverse("fraud:case_routes")).text
    client.post(reverse("fraud:case_route_delete", args=[route.pk]))
    assert not CaseRoute.objects.exists()
    assert list(AuditEvent.objects.filter(action__startswith="case_route.").values_list("action", flat=True)
                .order_by("id")) == ["case_route.create", "case_route.delete"]  # fmt: skip
    bad = client.post(reverse("fraud:case_routes"), {"position": "1", "currency": "rupees", "team": ""})
    assert bad.status_code == 400 and not CaseRoute.objects.exists()


def test_a_copys_case_takes_the_originals_amount_once_it_is_keyed_and_then_needs_approval(teams, settings):
    """A second scan stopped as a duplicate before anything was read counts 0 (nothing declared); once the
    original is keyed at 25,000 the copy's case says 25,000 and confirming fraud needs a supervisor."""
    from apps.cheques.models import Cheque
    from apps.fraud.cases import services as cases
    from apps.fraud.services import cheque_flag

    settings.CASE_APPROVAL_AMOUNT = Decimal("10000")
    original, copy = _waiting(), _waiting()
    Cheque.objects.filter(pk=copy.pk).update(status="flagged")
    reason = {"type": "rule", "rule": "cheque-duplicate-image", "version": 1, "weight": 90,
              "explanation": f"Duplicate of cheque #{original.pk}", "duplicate_of": original.pk}  # fmt: skip
    cheque_flag(cheque=Cheque.objects.get(pk=copy.pk), score=90, reasons=[reason])
    case = Case.objects.get(subject=f"cheque:{copy.pk}")
    assert case.amount == 0
    keyer = make_user(Role.ANALYST, email="keyer-orig@bank.test")
    values = _values(amount="25000.00", legal_amount=WORDS["25000.00"], account="000999888777")
    cheque_services.cheque_key(cheque=original, actor=keyer, values=values, country="us")
    case.refresh_from_db()
    assert case.amount == Decimal("25000.00")
    assert case.events.filter(kind="amount", body__contains="25,000.00").exists()
    assert AuditEvent.objects.filter(action="case.amount", object_id=str(case.pk)).exists()
    reasons = cases.approval_reasons(case=case, outcome="fraud", freeze_account=False)
    assert any("approval limit" in r for r in reasons)
