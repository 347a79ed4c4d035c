"""Cheque pages: upload many at once (with or without the page's script), live status, retry."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.choices import Role
from apps.cheques import services
from apps.cheques.models import Cheque
from tests.factories import make_user

from .images import cheque_image, upload


@pytest.fixture
def teller(client, team):
    client.force_login(make_user(Role.ANALYST, teams=[team], email="teller@bank.test"))
    return client


def test_many_cheques_at_once_each_bad_file_named_and_the_good_ones_kept(teller):
    files = [upload(cheque_image(), "a.png"), upload(b"not an image", "b.png"), upload(cheque_image("JPEG"), "c.jpg")]
    response = teller.post(reverse("cheques:upload"), {"front": files, "reference": "BATCH-9"}, follow=True)
    assert Cheque.objects.count() == 2 and set(Cheque.objects.values_list("reference", flat=True)) == {"BATCH-9"}
    text = response.text
    assert "b.png: This is not an image" in text and "2 cheques received" in text


def test_the_upload_script_gets_json_per_file(teller):
    ok = teller.post(reverse("cheques:upload"), {"front": upload(cheque_image())}, HTTP_ACCEPT="application/json")
    assert ok.status_code == 201 and ok.json()["url"] == reverse("cheques:detail", args=[ok.json()["id"]])
    bad = teller.post(reverse("cheques:upload"), {"front": upload(cheque_image(size=(300, 100)))},
                      HTTP_ACCEPT="application/json")  # fmt: skip
    assert bad.status_code == 400 and "too small to read" in bad.json()["errors"]["front"][0]


def test_a_back_and_an_amount_go_with_one_cheque_only(teller):
    files = [upload(cheque_image(), "a.png"), upload(cheque_image(), "b.png")]
    response = teller.post(reverse("cheques:upload"), {"front": files, "declared_amount": "10.00"})
    assert response.status_code == 400 and not Cheque.objects.exists()


def test_the_detail_page_shows_the_image_and_polls_while_in_flight(teller):
    cheque = services.cheque_receive(actor=None, front=upload(cheque_image()))
    page = teller.get(reverse("cheques:detail", args=[cheque.pk]))
    assert 'data-testid="cheque-front"' in page.text and "/cheque-images/" in page.text
    assert 'hx-trigger="every 1s"' in page.text  # received: the status panel refreshes itself
    services.cheque_fail(cheque_id=cheque.pk, error="OcrUnavailable: down")
    panel = teller.get(reverse("cheques:detail", args=[cheque.pk]), HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in panel.text and "OcrUnavailable" in panel.text
    assert "Send through processing again" not in panel.text  # analysts cannot retry
