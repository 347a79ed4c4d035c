from __future__ import annotations

from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Stored encrypted (Fernet), read back as plain text. Cannot be filtered on: pair it with a blind
    index field for equality lookups."""

    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):
        return None if value is None else crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value in (None, "") else crypto.encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name not in ("isnull",):
            raise TypeError(f"Encrypted fields cannot be filtered with '{lookup_name}'; use the blind index.")
        return super().get_lookup(lookup_name)
