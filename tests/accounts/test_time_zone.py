"""Every time in the portal says its zone; each user may choose the zone they read times in (default:
the bank's), and the choice is audited."""

from datetime import UTC, datetime

from django.urls import reverse

from apps.accounts.choices import Role
from apps.core.models import AuditEvent
from apps.transactions import services
from apps.transactions.models import Transaction
from tests.factories import make_user


def _purchase():
    services.transaction_ingest(actor=None, data={"external_id": "Z-1", "customer_ref": "C-1", "amount": "12.00",
                                                  "description": "groceries", "kind": "expense",
                                                  "occurred_at": datetime(2026, 3, 4, 18, 0, tzinfo=UTC)})  # fmt: skip
    return Transaction.objects.get()


def test_times_show_their_zone_in_the_bank_zone_then_in_the_users_choice(client, team, settings):
    settings.TIME_ZONE = "UTC"
    analyst = make_user(Role.ANALYST, teams=[team], email="ana@bank.test")
    client.force_login(analyst)
    txn = _purchase()
    page = client.get(reverse("transactions:list"))
    assert "2026-03-04 18:00 UTC" in page.text

    profile = client.get(reverse("accounts:profile"))
    assert "The bank&#x27;s zone (UTC)" in profile.text or "The bank's zone (UTC)" in profile.text
    client.post(reverse("accounts:profile"), {"form": "time_zone", "time_zone": "Asia/Kolkata"})
    analyst.refresh_from_db()
    assert analyst.time_zone == "Asia/Kolkata"
    page = client.get(reverse("transactions:detail", args=[txn.pk]))
    assert "2026-03-04 23:30:00 IST" in page.text  # 18:00 UTC is 23:30 in India
    event = AuditEvent.objects.get(action="user.time_zone")
    assert event.after == {"time_zone": "Asia/Kolkata"} and event.before == {"time_zone": ""}

    refused = client.post(reverse("accounts:profile"), {"form": "time_zone", "time_zone": "Mars/Olympus"}, follow=True)
    assert "Choose a time zone" in refused.text
    analyst.refresh_from_db()
    assert analyst.time_zone == "Asia/Kolkata"
