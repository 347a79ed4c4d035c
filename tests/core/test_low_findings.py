"""The review's low findings: every page of a TIFF is held to the pixel limit; signed-in pages and API
answers are never cached; a refused request logs one line, not a traceback."""

from __future__ import annotations

import logging
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from apps.cheques.images import inspect


def _tiff(*sizes) -> SimpleUploadedFile:
    pages = [Image.new("L", size, 255) for size in sizes]
    out = BytesIO()
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:], compression="tiff_deflate")
    return SimpleUploadedFile("cheque.tif", out.getvalue(), "image/tiff")


def test_a_tiff_s_second_page_is_held_to_the_pixel_limit_too(settings):
    settings.CHEQUE_MAX_PIXELS = 1_500_000
    assert len(inspect(_tiff((1200, 550), (1200, 550)))) == 2
    with pytest.raises(ValidationError, match="too many pixels"):
        inspect(_tiff((1200, 550), (2000, 1000)))


def test_signed_in_pages_and_api_answers_are_not_stored_by_browsers_or_proxies(client, analyst):
    assert client.get(reverse("api:transaction-list"))["Cache-Control"] == "no-store"
    client.force_login(analyst)
    for name in ("home", "fraud:cases", "transactions:list"):
        assert "no-store" in client.get(reverse(name))["Cache-Control"], name


def test_a_refused_request_logs_one_line_without_a_traceback(client, analyst, caplog):
    client.force_login(analyst)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(reverse("core:audit_list")).status_code == 403
    refused = [r for r in caplog.records if r.name == "django.request"]
    assert refused and all(r.exc_info is None for r in refused)
