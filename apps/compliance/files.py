"""Files a compliance officer attaches (identity documents, a corrective action's evidence): checked by
their content, kept in private storage encrypted with the bank's Fernet keys (`apps.core.crypto`), and
read back only through a check of what was stored."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.text import get_valid_filename

from apps.core.crypto import decrypt_bytes, encrypt_bytes

FILE_TYPES = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


@dataclass(frozen=True)
class Checked:
    data: bytes
    name: str
    content_type: str
    sha256: str


def sniff(head: bytes) -> str | None:
    return next((kind for magic, kind in FILE_TYPES.items() if head.startswith(magic)), None)


def checked_upload(upload, *, limit_mb: int, default_name: str = "document") -> Checked:
    """An uploaded PDF, PNG or JPEG (by its content) of at most `limit_mb`, or a ValidationError on `file`."""
    limit = limit_mb * 1024 * 1024
    if not upload.size:
        raise ValidationError({"file": ["The file is empty."]})
    too_large = ValidationError({"file": [f"The file is larger than {limit_mb} MB."]})
    if upload.size > limit:
        raise too_large
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_large
    content_type = sniff(data[:16])
    if content_type is None:
        raise ValidationError({"file": ["Attach a PDF, PNG or JPEG file."]})
    name = get_valid_filename(upload.name or default_name)[-120:] or default_name
    return Checked(data, name, content_type, hashlib.sha256(data).hexdigest())


def store_encrypted(field_file, checked: Checked) -> None:
    """Put the encrypted bytes in the model's file field (not saving the model)."""
    field_file.save("file.enc", ContentFile(encrypt_bytes(checked.data)), save=False)


def save_encrypted(record, checked: Checked, audit) -> None:
    """Store the encrypted bytes in `record.file`, then save the record and call `audit()` in one
    database transaction; when that fails, the stored file is removed again (nothing half-stored)."""
    from django.db import transaction

    store_encrypted(record.file, checked)
    try:
        with transaction.atomic():
            record.save()
            audit()
    except Exception:
        record.file.delete(save=False)
        raise


def read_encrypted(field_file, sha256: str, what: str) -> bytes:
    """The original bytes, decrypted, checked against the digest taken when they were stored."""
    with field_file.open("rb") as fh:
        data = decrypt_bytes(fh.read())
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"{what} does not match the file that was stored.")
    return data
