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


def unless_blank(source: str, *, field: models.Field) -> models.GeneratedField:
    """A column the database keeps equal to `source` when that is not blank, NULL otherwise. Made unique,
    it holds "no two rows share a non-blank value" on every backend (MySQL and MariaDB ignore the
    conditional unique constraint that would say it otherwise)."""
    from django.db.models import Case, F, Value, When

    field.null = True
    extra = {"max_length": field.max_length} if field.max_length else {}
    return models.GeneratedField(
        expression=Case(When(**{source: ""}, then=Value(None)), default=F(source)),
        output_field=field,
        db_persist=True,
        unique=True,
        editable=False,
        **extra,
    )


def only_while(source: str, *, status: str, field: models.Field) -> models.GeneratedField:
    """A column the database keeps equal to `source` while the row's `status` is `status`, and NULL
    otherwise. Made unique, it holds "at most one row in that status per value" on every backend,
    where a conditional unique constraint holds only on some (MySQL and MariaDB ignore them)."""
    from django.db.models import Case, F, Value, When

    field.null = True
    extra = {"max_length": field.max_length} if field.max_length else {}  # MySQL's checks read it here
    return models.GeneratedField(
        expression=Case(When(status=status, then=F(source)), default=Value(None)),
        output_field=field,
        db_persist=True,
        unique=True,
        editable=False,
        **extra,
    )
