from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.transactions import services
from apps.transactions.choices import AccountType, AcquisitionChannel, KYCStatus
from apps.transactions.models import BankAccount, Customer


def test_a_customer_has_a_home_branch_and_lifecycle_days(db):
    customer = services.customer_create(actor=None, external_id="C-7", full_name="Ada", branch=" nyc01 ",
                                        acquisition_channel="referral", opened_on=date(2025, 3, 1))  # fmt: skip
    customer.refresh_from_db()
    assert (customer.branch, customer.acquisition_channel, customer.opened_on) == (
        "NYC01",
        "referral",
        date(2025, 3, 1),
    )
    assert (customer.kyc_completed_on, customer.funded_on, customer.closed_on) == (None, None, None)
    assert AuditEvent.objects.get(action="customer.create").after["branch"] == "NYC01"


def test_a_new_customer_joins_today_through_an_unknown_channel_unless_told(db):
    customer = services.customer_create(actor=None, external_id="C-8", full_name="Alan")
    assert customer.opened_on is not None
    assert customer.acquisition_channel == AcquisitionChannel.UNKNOWN
    assert customer.branch == ""


def test_kyc_completion_is_the_day_kyc_is_first_verified(customer):
    services.customer_kyc_set(actor=None, customer=customer, risk_rating="low", review_date=None,
                              status=KYCStatus.VERIFIED)  # fmt: skip
    first = Customer.objects.get(pk=customer.pk).kyc_completed_on
    assert first is not None
    services.customer_kyc_set(actor=None, customer=customer, risk_rating="high", review_date=None,
                              status=KYCStatus.VERIFIED)  # fmt: skip
    assert Customer.objects.get(pk=customer.pk).kyc_completed_on == first


@pytest.mark.parametrize(("given", "field"), [({"branch": "X" * 21}, "branch"), ({"acquisition_channel": "fax"},
                                                                                  "acquisition_channel")])  # fmt: skip
def test_a_bad_branch_or_channel_is_refused(db, given, field):
    with pytest.raises(ValidationError) as err:
        services.customer_create(actor=None, external_id="C-9", full_name="Bad", **given)
    assert field in err.value.message_dict
    assert not Customer.objects.exists()


def test_an_account_is_held_at_the_customers_home_branch_unless_another_is_named(db):
    customer = services.customer_create(actor=None, external_id="C-7", full_name="Ada", branch="LON02")
    home = services.account_open(actor=None, customer=customer, number="11112222")
    other = services.account_open(actor=None, customer=customer, number="33334444", branch="par01",
                                  type=AccountType.TERM)  # fmt: skip
    assert (home.branch, other.branch, other.get_type_display()) == ("LON02", "PAR01", "Term deposit")


def test_branch_and_lifecycle_over_the_api(feed):
    created = feed.post(reverse("api:customer-list"), {"external_id": "C-9", "full_name": "Ada", "branch": "SFO03",
                                                       "acquisition_channel": "mobile"}, format="json")  # fmt: skip
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["branch"], body["acquisition_channel"], body["funded_on"]) == ("SFO03", "mobile", None)
    assert body["opened_on"]
    account = feed.post(reverse("api:account-list"), {"customer": "C-9", "number": "123456789012", "branch": "sfo04",
                                                      "type": "term"}, format="json")  # fmt: skip
    assert account.status_code == 201, account.json()
    assert (account.json()["branch"], account.json()["type"]) == ("SFO04", "term")
    listed = feed.get(reverse("api:account-list"), {"branch": "SFO04"}).json()["results"]
    assert [a["id"] for a in listed] == [account.json()["id"]]
    assert feed.get(reverse("api:customer-list"), {"branch": "SFO03"}).json()["count"] == 1
    assert BankAccount.objects.get().branch == "SFO04"


def test_the_customer_page_shows_branches(client, customer, supervisor):
    services.account_open(actor=None, customer=customer, number="11112222", branch="BOS01")
    client.force_login(supervisor)
    page = client.get(reverse("transactions:customer_detail", args=[customer.pk]))
    assert page.status_code == 200
    assert "BOS01" in page.content.decode()
