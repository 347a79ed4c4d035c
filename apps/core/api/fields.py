"""Serializer fields shared by every app's API."""

from __future__ import annotations

from rest_framework import serializers

from apps.core.money import AMOUNT_MAX, AMOUNT_MIN, TOO_LARGE


class AmountField(serializers.DecimalField):
    """An amount in money's one range (`apps.core.money`): 0.01 to 999,999,999,999.99, two places."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", AMOUNT_MIN)
        kwargs.setdefault("max_value", AMOUNT_MAX)
        kwargs["error_messages"] = {"max_digits": TOO_LARGE, "max_whole_digits": TOO_LARGE, "max_value": TOO_LARGE,
                                    **kwargs.get("error_messages", {})}  # fmt: skip
        super().__init__(max_digits=len(str(int(AMOUNT_MAX))) + 2, decimal_places=2, **kwargs)


class CurrencyField(serializers.CharField):
    """An ISO 4217 code in use, in capitals; blank or left out: the bank's currency (BANK_CURRENCY)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "ISO 4217 code; blank: the bank's currency.")
        super().__init__(max_length=3, required=False, allow_blank=True, default="", **kwargs)

    def run_validation(self, data=serializers.empty):
        from django.conf import settings
        from django.core.exceptions import ValidationError

        from apps.core.money import currency_check

        if data is serializers.empty or data in ("", None):
            return settings.BANK_CURRENCY
        value = super().run_validation(data)
        try:
            return currency_check(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
