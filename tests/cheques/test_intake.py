"""Cheque intake: good images are stored privately with short-lived links; bad input gets a clear 400
and stores nothing."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core import signing
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.cheques.models import Cheque
from apps.core.models import AuditEvent
from tests.factories import make_user

from .images import cheque_image, two_page_tiff, upload


@pytest.fixture
def teller(team):
    api = APIClient()
    api.force_login(make_user(Role.ANALYST, teams=[team], email="teller@bank.test"))
    return api


def _post(api, **files_and_fields):
    return api.post(reverse("api:cheque-list"), files_and_fields, format="multipart")


def _stored_files(settings) -> list:
    from pathlib import Path

    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_cheque_is_stored_with_links_that_serve_its_image(teller, client):
    front = cheque_image()
    response = _post(teller, front=upload(front), declared_amount="125.40", declared_account="0001-2345-6789",
                     reference="DEP-77")  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "received" and body["declared_amount"] == "125.40"
    assert body["declared_account"] == "••••6789" and body["images"]["back"] is None
    assert (body["width"], body["height"], body["image_format"]) == (1200, 540, "PNG")
    image = client.get(body["images"]["front"])  # no session needed: the signed link is the permission
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content) == front
    cheque = Cheque.objects.get()
    assert cheque.declared_account == "000123456789"  # stored encrypted, shown masked
    assert AuditEvent.objects.filter(action="cheque.receive", object_id=str(cheque.pk)).exists()


def test_a_two_page_tiff_is_front_and_back(teller):
    body = _post(teller, front=upload(two_page_tiff(), "scan.tif", "image/tiff")).json()
    assert body["images"]["back"] is not None
    cheque = Cheque.objects.get()
    assert cheque.front.name.endswith(".png") and cheque.back.name.endswith(".png")


def test_a_separate_back_image_is_kept(teller):
    body = _post(teller, front=upload(cheque_image("JPEG"), "f.jpg", "image/jpeg"),
                 back=upload(cheque_image(text="ENDORSED"), "b.png")).json()  # fmt: skip
    assert body["image_format"] == "JPEG" and body["images"]["back"] is not None


def _bomb() -> bytes:
    out = BytesIO()
    Image.new("1", (12000, 12000), 1).save(out, format="PNG")  # 144 megapixels in a few kB
    return out.getvalue()


def _truncated() -> bytes:
    return cheque_image("JPEG")[:4000]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"%PDF-1.7 not an image", "cheque.pdf", "not an image"),
        (b"", "empty.png", "empty"),
        (_truncated(), "cut.jpg", "damaged or truncated"),
        (_bomb(), "bomb.png", "decompression bomb"),
        (cheque_image(size=(300, 120)), "tiny.png", "too small to read"),
        (cheque_image("GIF"), "cheque.gif", "JPEG, PNG or TIFF"),
    ],
    ids=["not-an-image", "empty", "truncated", "bomb", "too-small", "gif"],
)
def test_bad_images_get_a_clear_400_and_store_nothing(teller, settings, data, name, message):
    response = _post(teller, front=upload(data, name))
    assert response.status_code == 400
    assert message in response.json()["errors"]["front"][0]
    assert not Cheque.objects.exists() and _stored_files(settings) == []


def test_a_file_over_the_size_limit_is_refused(teller, settings):
    settings.CHEQUE_IMAGE_MAX_MB = 1
    big = cheque_image(size=(3000, 1400)) + b"\0" * (1024 * 1024)
    response = _post(teller, front=upload(big))
    assert response.status_code == 400 and "larger than 1 MB" in response.json()["errors"]["front"][0]


def test_a_bad_back_stores_no_front_either(teller, settings):
    response = _post(teller, front=upload(cheque_image()), back=upload(b"junk", "back.png"))
    assert response.status_code == 400 and "back" in response.json()["errors"]
    assert not Cheque.objects.exists() and _stored_files(settings) == []


def test_a_repeat_with_the_same_idempotency_key_stores_one_cheque(teller):
    first = teller.post(reverse("api:cheque-list"), {"front": upload(cheque_image())}, format="multipart",
                        HTTP_IDEMPOTENCY_KEY="chq-1")  # fmt: skip
    again = teller.post(reverse("api:cheque-list"), {"front": upload(cheque_image())}, format="multipart",
                        HTTP_IDEMPOTENCY_KEY="chq-1")  # fmt: skip
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and Cheque.objects.count() == 1


def test_image_links_expire_and_cannot_be_forged(teller, client, settings):
    body = _post(teller, front=upload(cheque_image())).json()
    link = body["images"]["front"]
    forged = signing.dumps({"c": body["id"], "s": "front"}, salt="someone-else")
    assert client.get(reverse("cheques:image", args=[forged])).status_code == 404
    settings.CHEQUE_IMAGE_URL_SECONDS = -1  # every link is now too old
    assert client.get(link).status_code == 404


def test_read_only_tokens_cannot_submit_cheques(db):
    from apps.accounts import services

    feed = make_user(Role.INTEGRATION, email="scanner@bank.test")
    _, key = services.api_token_create(actor=None, user=feed, name="scanner", scopes=["read"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert _post(api, front=upload(cheque_image())).status_code == 403
    _, key = services.api_token_create(actor=None, user=feed, name="scanner2", scopes=["read", "cheques:write"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert _post(api, front=upload(cheque_image())).status_code == 201
