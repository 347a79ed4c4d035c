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
