"""The fuzz suite: bounded, deterministic (a fixed seed), over the product's own data (the permission
matrix's world: customers, accounts, transactions, alerts, cases, cheques, rules, files, models)."""

from __future__ import annotations

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from apps.accounts import services
from apps.accounts.choices import Role, TokenScope
from tests.test_permission_matrix import world  # noqa: F401 - the shared fixture

SUPERVISOR = "supervisor"


@pytest.fixture(autouse=True)
def _one_connection_for_the_test():
    """Requests reach the application as a WSGI server's would, and Django closes a connection left
    outside autocommit when a request starts, as the test's own transaction is. Django's test client
    holds that back; so do these tests, or the test's transaction would be closed under it."""
    from django.core.signals import request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)


@pytest.fixture
def api_callers(world):  # noqa: F811
    """Request headers for the two kinds of API caller: an integration client's token with every
    scope, and a staff member's portal session (cookie and CSRF token)."""
    admin = world["users"]["admin"]
    _, key = services.api_token_create(actor=admin, user=world["users"]["integration"], name="fuzz",
                                       scopes=[s.value for s in TokenScope])  # fmt: skip
    client = Client()
    client.force_login(world["users"][SUPERVISOR])
    csrf = _get_new_csrf_string()
    session = {"Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}", "X-CSRFToken": csrf}
    return {"token": {"Authorization": f"Token {key}"}, "session": session, "role": Role.SUPERVISOR}
