from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils import timezone

from apps.core.forms import PortalFormMixin
from apps.transactions.choices import Channel

MAX_DAYS = 366
_DAY = forms.TextInput(attrs={"placeholder": "YYYY-MM-DD", "inputmode": "numeric"})


class _BranchAndCurrency:
    """The branch and currency choices are the rollups' own; every field is drawn small, in one row."""

    def _choices(self, branches: list[str], currencies: list[str]) -> None:
        self.fields["branch"].choices = [("", "Every branch"), *((b, b) for b in branches)]
        currencies = currencies or [settings.BANK_CURRENCY]
        self.fields["currency"].choices = [(c, c) for c in currencies]
        self.default_currency = settings.BANK_CURRENCY if settings.BANK_CURRENCY in currencies else currencies[0]
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if select else "form-control form-control-sm"


class CutForm(_BranchAndCurrency, PortalFormMixin, forms.Form):
    """The analytics page's filters: a period (the last 30 days unless set), a branch, a channel, and the
    currency every amount is in."""

    since = forms.DateField(label="From", input_formats=["%Y-%m-%d"], widget=_DAY)
    until = forms.DateField(label="Until", input_formats=["%Y-%m-%d"], widget=_DAY)
    branch = forms.ChoiceField(required=False)
    channel = forms.ChoiceField(choices=[("", "Every channel"), *Channel.choices], required=False)
    currency = forms.ChoiceField()

    def __init__(self, *args, branches: list[str], currencies: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self._choices(branches, currencies)

    @staticmethod
    def defaults(params) -> dict:
        """The filters as first shown: the last 30 days to today."""
        today = timezone.localdate()
        return {"since": params.get("since") or (today - timedelta(days=29)).isoformat(),
                "until": params.get("until") or today.isoformat()}  # fmt: skip

    def clean(self):
        data = super().clean()
        if not data.get("since") or not data.get("until"):
            return data
        if data["until"] < data["since"]:
            raise forms.ValidationError("The period ends before it starts.")
        if (data["until"] - data["since"]).days >= MAX_DAYS:
            raise forms.ValidationError(f"Show at most {MAX_DAYS} days at a time.")
        return data


class ReportForm(_BranchAndCurrency, PortalFormMixin, forms.Form):
    """A report's parameters: the period, what it is compared with, a branch and the currency."""

    period = forms.CharField(max_length=30, help_text="2026Q3, 2026-07, 2026 or 2026-07-01..2026-08-15.")
    compare = forms.ChoiceField(choices=[("both", "Previous period and same period last year"),
                                         ("previous", "Previous period"), ("last_year", "Same period last year"),
                                         ("none", "Nothing")], initial="both")  # fmt: skip
    branch = forms.ChoiceField(required=False)
    currency = forms.ChoiceField()

    def __init__(self, *args, branches: list[str], currencies: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self._choices(branches, currencies)
