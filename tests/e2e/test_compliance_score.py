"""An officer's day on the compliance score: a KPI approaching its breach level on the dashboard, the
records behind it, a corrective action started from the KPI, the late action done by its owner and
verified by another officer, and the score moving."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.choices import Role
from apps.compliance.models import CorrectiveAction
from tests.factories import make_user

from .conftest import screenshot
from .test_compliance_thresholds import _sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_approaching_kpi_is_drilled_into_its_late_action_verified_and_the_score_moves(page, browser, live_server):
    cora = make_user(Role.COMPLIANCE, email="cora@bank.test", full_name="Cora Officer")
    omar = make_user(Role.COMPLIANCE, email="omar@bank.test", full_name="Omar Owner")
    late = CorrectiveAction.objects.create(
        title="Remove the full-number permission from the branch group", plan="Check the group's members.",
        owner=omar, created_by=cora, domain="data_protection", due_on=timezone.localdate() - timedelta(days=4),
    )  # fmt: skip

    _sign_in(page, cora)
    page.get_by_role("link", name="Compliance", exact=True).click()
    approaching = page.get_by_test_id("approaching")
    expect(approaching).to_contain_text("Data protection actions overdue")
    expect(page.get_by_test_id("kpi-status-kpi_dp_actions_overdue")).to_have_text("Approaching")
    before = int(page.get_by_test_id("score-overall").inner_text())
    data_protection = int(page.get_by_test_id("score-data_protection").inner_text())
    screenshot(page, "compliance-score")

    approaching.get_by_role("link", name="Data protection actions overdue").click()
    expect(page.get_by_test_id("kpi-value")).to_have_text("1")
    records = page.get_by_test_id("kpi-records")
    expect(records).to_contain_text("Remove the full-number permission")

    # an action on the KPI itself: the form comes filled for it, its due day included
    page.get_by_role("link", name="Start a corrective action").click()
    form = page.get_by_test_id("action-form")
    expect(form.get_by_label("Title")).to_have_value("Bring back on target: Data protection actions overdue")
    expect(form.get_by_label("Domain")).to_have_value("data_protection")
    form.get_by_label("Plan").fill("Review every permission grant outside compliance each month.")
    form.get_by_label("Owner").select_option(label="Omar Owner")
    form.get_by_role("button", name="Create").click()
    expect(page.get_by_test_id("action-status")).to_have_text("Open")
    created = CorrectiveAction.objects.exclude(pk=late.pk).get()
    assert (created.source, created.source_ref, created.domain) == ("kpi", "kpi_dp_actions_overdue", "data_protection")

    other = browser.new_context(base_url=live_server.url, viewport={"width": 1440, "height": 860})
    owner = other.new_page()
    _sign_in(owner, omar)
    owner.goto(f"/compliance/actions/{late.pk}/")
    owner.get_by_role("button", name="Start").click()
    owner.get_by_label("Note").fill("Two people had it; both removed.")
    owner.get_by_role("button", name="Mark done").click()
    expect(owner.get_by_test_id("action-status")).to_have_text("Done, to verify")
    other.close()

    page.goto("/compliance/kpis/kpi_dp_actions_overdue/")
    expect(page.get_by_test_id("kpi-value")).to_have_text("1")  # done, not verified: still counted
    page.get_by_test_id("kpi-records").get_by_role("link", name=late.reference).click()
    page.get_by_label("Note").fill("Checked the group: nobody outside compliance holds it.")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_test_id("action-status")).to_have_text("Verified")

    page.get_by_role("link", name="Compliance", exact=True).click()
    expect(page.get_by_test_id("kpi-status-kpi_dp_actions_overdue")).to_have_text("On target")
    expect(page.get_by_test_id("approaching")).not_to_contain_text("Data protection actions overdue")
    after = int(page.get_by_test_id("score-overall").inner_text())
    assert after > before
    assert int(page.get_by_test_id("score-data_protection").inner_text()) == 100 > data_protection
    expect(page.get_by_test_id("actions-due").locator(".text-bg-danger")).to_have_count(0)  # nothing overdue
    screenshot(page, "compliance-score-after")
