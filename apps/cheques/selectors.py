"""Reads for cheques, and the short-lived image URLs."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db.models import QuerySet
from django.urls import reverse

from .models import Cheque

_SALT = "cheques.image"
SIDES = ("front", "back")


def cheque_list() -> QuerySet[Cheque]:
    return Cheque.objects.select_related("submitted_by").prefetch_related("fields")


def image_url(cheque: Cheque, side: str, request=None) -> str | None:
    """A URL for one side's image that works for CHEQUE_IMAGE_URL_SECONDS: a presigned S3 URL when
    the images are on S3, else a signed link to this application. Handed only to people allowed to
    see the cheque; the objects themselves are never public."""
    image = getattr(cheque, side)
    if not image:
        return None
    if getattr(image.storage, "querystring_auth", False):
        return image.url
    url = reverse("cheques:image", args=[signing.dumps({"c": cheque.pk, "s": side}, salt=_SALT)])
    return request.build_absolute_uri(url) if request is not None else url


def image_from_token(token: str):
    """The (cheque, side) a signed image link names, or None when it is forged or has expired."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=settings.CHEQUE_IMAGE_URL_SECONDS)
    except signing.BadSignature:
        return None
    side = data.get("s")
    cheque = Cheque.objects.filter(pk=data.get("c")).first()
    if cheque is None or side not in SIDES or not getattr(cheque, side):
        return None
    return cheque, side
