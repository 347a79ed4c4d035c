"""An officer starts a corrective action from a compliance case; its owner starts it, attaches evidence and
marks it done; the officer verifies it, and the board shows it verified."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.choices import Role
from apps.compliance import services as compliance
from apps.fraud.models import Case
from apps.transactions import services as txn_services
from tests.factories import make_user

from .test_compliance_thresholds import _sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_an_action_from_a_case_is_done_by_its_owner_and_verified_by_the_officer(page, browser, live_server, tmp_path):
    cora = make_user(Role.COMPLIANCE, email="cora@bank.test", full_name="Cora Officer")
    omar = make_user(Role.COMPLIANCE, email="omar@bank.test", full_name="Omar Owner")
    for i, amount in enumerate(("9000.00", "9500.00", "9900.00")):
        row = {"customer_ref": "C-ACT", "amount": amount, "kind": "deposit", "channel": "cash",
               "occurred_at": timezone.now() - timedelta(days=3 - i)}  # fmt: skip
        txn_services.transaction_ingest(actor=None, data=row)
    compliance.scenarios_monitor_new()
    case = Case.objects.get(subject="aml:customer:C-ACT")

    _sign_in(page, cora)
    page.goto(f"/cases/{case.pk}/")
    page.get_by_test_id("case-new-action").click()
    form = page.get_by_test_id("action-form")
    expect(form.get_by_label("Title")).to_have_value(re.compile("^Put right: "))
    form.get_by_label("Plan").fill("Ask the customer where the cash came from.")
    form.get_by_label("Owner").select_option(label="Omar Owner")
    form.get_by_label("Due on").fill((timezone.localdate() + timedelta(days=5)).isoformat())
    form.get_by_role("button", name="Create").click()
    expect(page.get_by_test_id("action-status")).to_have_text("Open")
    url = page.url

    other = browser.new_context(base_url=live_server.url, viewport={"width": 1440, "height": 860})
    owner = other.new_page()
    _sign_in(owner, omar)
    owner.goto(url)
    owner.get_by_role("button", name="Start").click()
    expect(owner.get_by_test_id("action-status")).to_have_text("In progress")
    evidence = tmp_path / "call-notes.pdf"
    evidence.write_bytes(PDF)
    owner.get_by_label("File").set_input_files(str(evidence))
    owner.get_by_role("button", name="Attach").click()
    expect(owner.get_by_test_id("evidence")).to_contain_text("call-notes.pdf")
    owner.get_by_label("Note").fill("The customer showed the sale of a car; notes attached.")
    owner.get_by_role("button", name="Mark done").click()
    expect(owner.get_by_test_id("action-status")).to_have_text("Done, to verify")
    expect(owner.get_by_test_id("action-steps")).to_contain_text("Someone other than you verifies it.")
    other.close()

    page.goto(url)
    page.get_by_label("Note").fill("Sale contract matches the deposits.")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_test_id("action-status")).to_have_text("Verified")
    page.get_by_test_id("compliance-tabs").get_by_role("link", name="Corrective actions").click()
    expect(page.get_by_test_id("count-verified")).to_have_text("1")
