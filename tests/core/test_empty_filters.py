"""An empty filter value means "any", in the API as in the portal: `?decision=&source=` lists what an
unfiltered request lists, and `?decision=&decision=block` is `?decision=block`."""

from django.urls import reverse

from apps.transactions.models import Transaction

ROWS = [
    {"external_id": "E-1", "customer_ref": "C-1", "amount": "42.50", "description": "groceries",
     "occurred_at": "2026-03-04T12:00:00Z", "kind": "expense"},
    {"external_id": "E-2", "customer_ref": "C-2", "amount": "12000.00", "description": "Gift card purchase",
     "occurred_at": "2026-03-04T23:30:00Z", "kind": "expense"},
]  # fmt: skip


def test_empty_values_filter_nothing_in_the_api(feed):
    for row in ROWS:
        assert feed.post(reverse("api:transaction-list"), row, format="json").status_code == 201
    url = reverse("api:transaction-list")
    everything = feed.get(url).json()["count"]
    assert everything == 2
    empty = feed.get(url, {"decision": "", "source": "", "kind": "", "customer_ref": "", "min_amount": ""})
    assert empty.status_code == 200 and empty.json()["count"] == everything
    blocked = feed.get(f"{url}?decision=&decision=block")
    assert blocked.status_code == 200
    assert blocked.json()["count"] == Transaction.objects.filter(decision="block").count() == 1
