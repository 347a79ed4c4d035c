"""The case page says each thing once and in plain English: a closed case's status is not repeated by its
SLA badge, counts agree with their nouns, and the decision form chooses no outcome for the analyst."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.fraud.cases import services as cases
from apps.fraud.cases.forms import ProposeForm
from apps.fraud.choices import CaseOutcome, CaseStatus
from apps.fraud.models import Case
from apps.fraud.templatetags.cases import sla_badge
from apps.transactions import services as txn_services

pytestmark = pytest.mark.django_db


def _case(actor, team, ref="C-41"):
    return cases.case_open(actor=actor, team=team, title=f"About {ref}", customer_ref=ref, priority="medium")


def _page(client, user, case) -> str:
    client.force_login(user)
    response = client.get(reverse("fraud:case_detail", args=[case.pk]))
    assert response.status_code == 200
    return response.text


def _badges(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", b).strip() for b in re.findall(r'<span class="badge[^"]*"[^>]*>(.*?)</span>', html)]


def test_a_closed_case_says_closed_once_and_its_sla_column_is_a_dash(client, supervisor, team):
    case = _case(supervisor, team)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, outcome=CaseOutcome.NO_ACTION)
    case.refresh_from_db()

    assert sla_badge(case) == ""
    assert _badges(_page(client, supervisor, case)).count("Closed") == 1

    client.force_login(supervisor)
    queue = client.get(reverse("fraud:cases"), {"status": CaseStatus.CLOSED}).text
    row = re.search(rf"<tr>.*?{case.reference}.*?</tr>", queue, re.S).group(0)
    assert "data-sla" not in row and "<td>—</td>" in row


def test_an_open_case_still_shows_its_sla_clock(client, supervisor, team):
    case = _case(supervisor, team)
    assert 'data-sla="ok"' in sla_badge(case)
    assert "On time" in _badges(_page(client, supervisor, case))


def test_one_earlier_transaction_is_one_transaction_not_one_transactions(client, supervisor, team):
    yesterday = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    txn_services.transaction_ingest(actor=None, data={"customer_ref": "C-41", "amount": "20.00",
                                                      "description": "coffee", "occurred_at": yesterday})  # fmt: skip
    html = _page(client, supervisor, _case(supervisor, team))
    assert "1 transaction in 90 days" in html
    assert "1 transactions" not in html


def test_the_decision_form_starts_with_no_outcome_and_requires_one(client, supervisor, team):
    case = cases.case_claim(case=_case(supervisor, team), actor=supervisor)
    html = _page(client, supervisor, case)
    select = re.search(r'<select name="outcome".*?</select>', html, re.S).group(0)
    selected = re.findall(r'<option value="([^"]*)" selected>([^<]*)</option>', select)
    assert selected == [("", "Choose…")]

    form = ProposeForm({"note": "Looked at it.", "outcome": ""})
    assert not form.is_valid()
    assert form.errors["outcome"] == ["This field is required."]
    assert ProposeForm({"note": "Looked at it.", "outcome": CaseOutcome.FALSE_POSITIVE}).is_valid()
