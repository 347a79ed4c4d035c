"""A compliance officer works the KYC review queue: opens the most overdue customer, overrides the rating
with a reason, attaches a passport, completes the review, and the customer leaves the top of the queue."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.choices import Role
from apps.compliance.kyc.rating import add_years
from apps.compliance.models import IdentityDocument
from apps.core.models import AuditEvent
from apps.transactions import services as txn_services
from tests.factories import PASSWORD, make_user
from tests.permission_matrix import PASSPORT_PDF

from .conftest import screenshot, sign_in, totp_now

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page, user) -> None:
    sign_in(page, user.email, PASSWORD)
    page.locator("#id_code").fill(totp_now(user.totp_secret))
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()


def test_an_officer_reviews_the_most_overdue_customer(page):
    officer = make_user(Role.COMPLIANCE, email="kyc-officer@bank.test", full_name="Kim Officer")
    today = timezone.localdate()
    for ref, name, due in [("C-901", "Sam Soon", 10), ("C-900", "Olga Overdue", -60), ("C-902", "Lena Later", 200)]:
        txn_services.customer_create(actor=None, external_id=ref, full_name=name, kyc_status="verified",
                                     kyc_review_date=today + timedelta(days=due))  # fmt: skip

    _sign_in(page, officer)
    page.get_by_role("link", name="Compliance", exact=True).click()
    page.get_by_test_id("compliance-tabs").get_by_role("link", name="KYC reviews").click()
    rows = page.get_by_test_id("kyc-row")
    expect(rows.first).to_contain_text("Olga Overdue")
    expect(rows.first).to_contain_text("Expired")
    screenshot(page, "kyc-queue")

    rows.first.get_by_role("link", name="Olga Overdue").click()
    expect(page.get_by_role("heading", name="Olga Overdue")).to_be_visible()
    expect(page.get_by_test_id("kyc-factors")).to_contain_text("Not yet screened")

    override = page.get_by_test_id("override-form")
    override.get_by_label("Rating").select_option("high")
    override.get_by_label("Reason").fill("Adverse media report on the customer's business")
    override.get_by_role("button", name="Set rating").click()
    expect(page.get_by_text("Rating set to high")).to_be_visible()
    expect(page.get_by_test_id("kyc-override")).to_contain_text("Adverse media report")

    document = page.get_by_test_id("document-form")
    document.get_by_label("Document").select_option("passport")
    document.get_by_label("File").set_input_files(
        {"name": "passport.pdf", "mimeType": "application/pdf", "buffer": PASSPORT_PDF}
    )
    document.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Document stored, encrypted.")).to_be_visible()
    expect(page.get_by_test_id("kyc-documents")).to_contain_text("passport.pdf")
    with page.expect_download() as download:
        page.get_by_test_id("kyc-documents").get_by_role("link", name="passport.pdf").click()
    assert Path(download.value.path()).read_bytes() == PASSPORT_PDF

    review = page.get_by_test_id("review-form")
    review.get_by_label("Review note").fill("Passport checked against the customer; address confirmed.")
    review.get_by_role("button", name="Complete review").click()
    next_due = add_years(today, 1)  # high under the US profile
    expect(page.get_by_text(f"Review completed: the next one is due {next_due:%Y-%m-%d}")).to_be_visible()
    screenshot(page, "kyc-customer-risk")

    page.get_by_test_id("compliance-tabs").get_by_role("link", name="KYC reviews").click()
    expect(rows.first).to_contain_text("Sam Soon")
    olga = rows.filter(has_text="Olga Overdue")
    expect(olga).to_contain_text("Verified")
    expect(olga).to_contain_text(f"{next_due:%Y-%m-%d}")

    stored = IdentityDocument.objects.get()
    with stored.file.open("rb") as fh:
        assert fh.read() != PASSPORT_PDF  # encrypted at rest
    actions = set(AuditEvent.objects.filter(action__startswith="kyc.").values_list("action", flat=True))
    assert {"kyc.override", "kyc.document_add", "kyc.document_view", "kyc.review"} <= actions
