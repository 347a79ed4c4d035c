"""Writes for cheques. Intake checks every image before anything is stored; the audit event is
written in the same transaction."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from apps.core.services import audit_record

from . import images
from .choices import ChequeSource
from .models import Cheque


def cheque_receive(
    *,
    actor,
    front,
    back=None,
    declared_amount: Decimal | None = None,
    declared_currency: str = "USD",
    declared_account: str = "",
    reference: str = "",
    source: str = ChequeSource.API,
) -> Cheque:
    """Store a cheque's images and what the depositor declared. Bad images raise a ValidationError
    naming the file and store nothing."""
    pages = images.inspect(front, field="front")
    back_page = pages[1] if len(pages) == 2 else None
    if back is not None:
        if back_page is not None:
            raise ValidationError({"back": ["The front file already holds the back as its second page."]})
        back_pages = images.inspect(back, field="back")
        if len(back_pages) != 1:
            raise ValidationError({"back": ["The back must be a single page."]})
        back_page = back_pages[0]
    if declared_amount is not None and declared_amount <= 0:
        raise ValidationError({"declared_amount": ["The declared amount must be more than zero."]})
    account = "".join(ch for ch in declared_account if ch.isalnum())
    face = pages[0]
    cheque = Cheque(
        front_sha256=hashlib.sha256(face.data).hexdigest(), image_hash=images.difference_hash(face.data),
        image_format=face.format, width=face.width, height=face.height, declared_amount=declared_amount,
        declared_currency=(declared_currency or "USD").upper(), declared_account=account,
        declared_account_last4=account[-4:], reference=reference.strip(), source=source,
        submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
    )  # fmt: skip
    stored = []
    try:
        cheque.front.save(f"front.{face.extension}", ContentFile(face.data), save=False)
        stored.append(cheque.front)
        if back_page is not None:
            cheque.back.save(f"back.{back_page.extension}", ContentFile(back_page.data), save=False)
            stored.append(cheque.back)
        with transaction.atomic():
            cheque.save()
            audit_record(actor=actor, action="cheque.receive", obj=cheque,
                         after={"front_sha256": cheque.front_sha256, "back": bool(back_page), "source": source,
                                "declared_amount": declared_amount, "reference": cheque.reference})  # fmt: skip
    except BaseException:
        for f in stored:
            f.delete(save=False)  # nothing half-stored
        raise
    return cheque
