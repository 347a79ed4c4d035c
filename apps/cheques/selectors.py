"""Reads for cheques, and the short-lived image URLs."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db.models import QuerySet
from django.urls import reverse

from .directory import AUTHORITY, Branch, Institution
from .models import BankDirectoryLoad, CanadianInstitution, Cheque, IndianBranch

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


# ------------------------------------------------------------------------------------ bank directory
_BRANCH_FIELDS = ("ifsc", "micr", "bank", "branch", "centre", "city", "district", "state")


class BankDirectory:
    """A country's bank directory as last loaded: what the routing checks look numbers up in."""

    def __init__(self, load: BankDirectoryLoad):
        self.country, self.loaded_at, self.source = load.country, load.loaded_at, load.source

    @property
    def version(self) -> str:
        from django.utils import timezone

        return f"the {AUTHORITY[self.country]} loaded on {timezone.localtime(self.loaded_at):%Y-%m-%d %H:%M %Z}"

    def branches_with_micr(self, micr: str) -> list[Branch]:
        if not micr:
            return []
        return [Branch(*row) for row in IndianBranch.objects.filter(micr=micr).values_list(*_BRANCH_FIELDS)[:5]]

    def branch(self, ifsc: str) -> Branch | None:
        row = IndianBranch.objects.filter(ifsc=ifsc).values_list(*_BRANCH_FIELDS).first()
        return Branch(*row) if row else None

    def institution(self, number: str) -> Institution | None:
        row = CanadianInstitution.objects.filter(number=number).values_list("number", "name").first()
        return Institution(*row) if row else None


def bank_directory(country: str) -> BankDirectory | None:
    """The country's bank directory, or None when none has been loaded (its checks then cannot run)."""
    if country not in AUTHORITY:
        return None
    load = BankDirectoryLoad.objects.filter(country=country).order_by("-loaded_at", "-id").first()
    return BankDirectory(load) if load is not None else None


def bank_directory_versions() -> dict[str, BankDirectoryLoad | None]:
    """The load each country's directory is at now (None: never loaded)."""
    return {
        country: BankDirectoryLoad.objects.filter(country=country).select_related("loaded_by")
        .order_by("-loaded_at", "-id").first()
        for country in AUTHORITY
    }  # fmt: skip


def bank_directory_loads() -> QuerySet[BankDirectoryLoad]:
    """Every load, newest first."""
    return BankDirectoryLoad.objects.select_related("loaded_by").order_by("-loaded_at", "-id")
