from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache

from apps.accounts.choices import Role
from tests.factories import make_team, make_user


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    """Uploaded files go to a temporary directory, never to var/."""
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": media}},
    }


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and throttles live in the cache, exchange rates in each process's memory: each test
    starts with none used and reads the rates its own database holds."""
    from apps.core.rates import forget

    cache.clear()
    forget()
    yield
    cache.clear()
    forget()


@pytest.fixture
def team(db):
    return make_team("Cheque fraud")


@pytest.fixture
def other_team(db):
    return make_team("Card fraud")


@pytest.fixture
def analyst(team):
    return make_user(Role.ANALYST, teams=[team], email="analyst@bank.test")


@pytest.fixture
def supervisor(team):
    return make_user(Role.SUPERVISOR, teams=[team], email="supervisor@bank.test")


@pytest.fixture
def auditor(db):
    return make_user(Role.AUDITOR, email="auditor@bank.test")


@pytest.fixture
def admin_user(db):
    return make_user(Role.ADMIN, email="admin@bank.test")


@pytest.fixture
def integration_user(db):
    return make_user(Role.INTEGRATION, email="feed@bank.test")


@pytest.fixture
def customer(db):
    from apps.transactions import services

    return services.customer_create(actor=None, external_id="C-1001", full_name="Grace Hopper")


@pytest.fixture
def checking(customer):
    from apps.transactions import services

    return services.account_open(actor=None, customer=customer, number="000123456789", opened_on=date(2024, 1, 2))


@pytest.fixture
def savings(customer):
    from apps.transactions import services

    return services.account_open(actor=None, customer=customer, number="000987654321", type="savings")


@pytest.fixture
def feed(integration_user):
    """An API client holding the integration client's token (scopes: read, transactions:write)."""
    from rest_framework.test import APIClient

    from apps.accounts import services

    issuer = make_user(Role.ADMIN, email="token-issuer@bank.test")
    _, key = services.api_token_create(actor=issuer, user=integration_user, name="feed",
                                       scopes=["read", "transactions:write"])  # fmt: skip
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def broker():
    """Work is published for real (not run in-process) to the broker `broker.point(url)` names. It starts
    on a port nobody listens on: the broker is down. `broker.in_process()` runs tasks in-process again."""
    from celery import current_app as app

    from apps.core import dispatch

    names = ("task_always_eager", "broker_url", "broker_write_url", "broker_transport_options")
    before = {name: app.conf[name] for name in names}

    class Broker:
        DOWN = "redis://127.0.0.1:1/0"

        @staticmethod
        def point(url: str, transport_options: dict | None = None) -> None:
            app.conf.update(task_always_eager=False, broker_url=url, broker_write_url=url)
            if transport_options is not None:
                app.conf.broker_transport_options = transport_options
            app._pool, app.amqp._producer_pool = None, None
            dispatch._broker_away_until = 0.0

        @staticmethod
        def in_process() -> None:
            app.conf.update(before)
            app._pool, app.amqp._producer_pool = None, None
            dispatch._broker_away_until = 0.0

    Broker.point(Broker.DOWN)
    yield Broker
    Broker.in_process()
