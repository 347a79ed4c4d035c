from datetime import date

import pytest

from apps.transactions import services


@pytest.fixture
def customer(db):
    return services.customer_create(actor=None, external_id="C-1001", full_name="Grace Hopper")


@pytest.fixture
def checking(customer):
    return services.account_open(actor=None, customer=customer, number="000123456789", opened_on=date(2024, 1, 2))


@pytest.fixture
def savings(customer):
    return services.account_open(actor=None, customer=customer, number="000987654321", type="savings")
