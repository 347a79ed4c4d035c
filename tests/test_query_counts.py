"""Lists cost a fixed number of queries, however many rows they show (an N+1 fails here)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.core.services import audit_record
from tests.factories import make_team, make_user


@pytest.fixture
def populated(admin_user):
    teams = [make_team(f"Team {i}") for i in range(8)]
    for i in range(40):
        make_user(Role.ANALYST, teams=teams[i % 8 : i % 8 + 2], email=f"many{i}@bank.test", mfa=False)
    for i in range(60):
        audit_record(actor=admin_user, action=f"bulk.{i}", obj=teams[i % 8])
    return teams


@pytest.mark.parametrize(
    ("url_name", "ceiling"),
    [("accounts:user_list", 16), ("accounts:team_list", 14), ("core:audit_list", 14), ("accounts:token_list", 14)],
)
def test_portal_list_pages_have_a_query_ceiling(client, admin_user, populated, url_name, ceiling,
                                                django_assert_max_num_queries):  # fmt: skip
    client.force_login(admin_user)
    with django_assert_max_num_queries(ceiling):
        assert client.get(reverse(url_name)).status_code == 200


@pytest.mark.parametrize(
    ("url_name", "ceiling"), [("api:user-list", 10), ("api:team-list", 10), ("api:auditevent-list", 10)]
)
def test_api_lists_have_a_query_ceiling(admin_user, populated, url_name, ceiling, django_assert_max_num_queries):
    api = APIClient()
    api.force_login(admin_user)
    with django_assert_max_num_queries(ceiling):
        response = api.get(reverse(url_name), {"page_size": 100})
    assert response.status_code == 200
    assert response.json()["count"] >= 8


@pytest.fixture
def busy_queue(db):
    from apps.fraud.cases import services as cases

    team = make_team("Queue team")
    boss = make_user(Role.SUPERVISOR, teams=[team], email="queue-boss@bank.test")
    analysts = [make_user(Role.ANALYST, teams=[team], email=f"q{i}@bank.test", mfa=False) for i in range(3)]
    for i in range(60):
        case = cases.case_open(actor=boss, team=team, title=f"Case {i}", customer_ref=f"QC-{i}",
                               priority=["critical", "high", "medium", "low"][i % 4])  # fmt: skip
        if i % 2:
            cases.case_claim(case=case, actor=analysts[i % 3])
    return boss


def _queries(client_get) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client_get()
    assert response.status_code == 200
    return len(captured)


def test_the_case_queue_page_costs_the_same_queries_for_any_page_size(client, busy_queue, settings):
    client.force_login(busy_queue)
    counts = []
    for size in (10, 50):
        settings.PORTAL_PAGE_SIZE = size
        counts.append(_queries(lambda: client.get(reverse("fraud:cases"))))
    assert counts[0] == counts[1] <= 16, counts


def test_the_case_list_api_costs_the_same_queries_for_any_page_size(busy_queue):
    api = APIClient()
    api.force_login(busy_queue)
    counts = [_queries(lambda s=s: api.get(reverse("api:case-list"), {"page_size": s})) for s in (10, 100)]
    assert counts[0] == counts[1] <= 10, counts
    assert len(api.get(reverse("api:case-list"), {"page_size": 100}).json()["results"]) == 60


def test_a_case_page_has_a_query_ceiling(client, busy_queue, django_assert_max_num_queries):
    from apps.fraud.models import Case

    case = Case.objects.filter(assignee__isnull=False).first()
    client.force_login(busy_queue)
    with django_assert_max_num_queries(30):
        assert client.get(reverse("fraud:case_detail", args=[case.pk])).status_code == 200
