"""Encryption of PII at rest (Fernet: AES-128-CBC + HMAC-SHA256) and blind indexes for lookups.

Keys come from settings.FIELD_ENCRYPTION_KEYS: the first encrypts, all decrypt (rotation). On AWS the
keys are data keys unwrapped from KMS at start-up (envelope encryption); locally one is generated into
var/secrets/. A blind index is an HMAC of the normalised value, so equal values can be found without
decrypting.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def _keys() -> tuple[str, ...]:
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        raise RuntimeError("FIELD_ENCRYPTION_KEYS is empty: PII cannot be encrypted.")
    return keys


def encrypt(value: str) -> str:
    return _fernet(_keys()).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(_keys()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("A field could not be decrypted with any configured key.") from exc


def encrypt_bytes(data: bytes) -> bytes:
    """A file's bytes as a Fernet token (for documents kept encrypted at rest)."""
    return _fernet(_keys()).encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return _fernet(_keys()).decrypt(token)
    except InvalidToken as exc:
        raise ValueError("A file could not be decrypted with any configured key.") from exc


def blind_index(value: str) -> str:
    normalised = "".join(value.split()).upper()
    return hmac.new(settings.BLIND_INDEX_KEY.encode(), normalised.encode(), hashlib.sha256).hexdigest()


def mask(value: str, visible: int = 4) -> str:
    return "•" * 4 + value[-visible:] if value else ""
