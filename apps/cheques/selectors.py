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


def earlier_presentment(*, cheque_pk: int | None, micr_key: str) -> Cheque | None:
    """The first cheque presented before this one with the same routing, account and serial. Only an
    earlier one: the original presentment is never the duplicate of the one that came after it."""
    twins = Cheque.objects.filter(micr_key=micr_key).select_related("submitted_by").order_by("pk")
    if cheque_pk is not None:
        twins = twins.filter(pk__lt=cheque_pk)
    return twins.first()


def presentment(other: Cheque) -> str:
    """The earlier presentment, as a person needs it: which cheque, its number, when and by whom."""
    from django.utils import timezone

    serial = other.micr_key.split("|")[2] if other.micr_key.count("|") == 2 else ""
    by = other.submitted_by
    who = (by.get_full_name() or by.email) if by is not None else f"the {other.get_source_display()}"
    at = timezone.localtime(other.created_at)
    return f"cheque #{other.pk}{f' (number {serial})' if serial else ''} presented {at:%Y-%m-%d %H:%M %Z} by {who}"
