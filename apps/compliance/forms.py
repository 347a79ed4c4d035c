from datetime import datetime

from django import forms
from django.utils import timezone

from apps.core.forms import PortalFormMixin


class ThresholdDraftForm(PortalFormMixin, forms.Form):
    """The next version of one metric: its levels, the day it applies from, and why."""

    breach = forms.CharField(label="Level", max_length=24, help_text="The threshold itself.")
    warning = forms.CharField(label="Warning from", max_length=24, required=False,
                              help_text="Shown as approaching from this level (optional).")  # fmt: skip
    currency = forms.CharField(max_length=3, required=False, help_text="ISO 4217, for amounts.")
    target = forms.CharField(max_length=24, help_text="The level aimed at: scores 100.")
    weight = forms.CharField(max_length=8, help_text="Its weight in its domain's score and the overall score (0-100).")
    effective_from = forms.CharField(
        label="In force from", max_length=10, help_text="YYYY-MM-DD, today or later.",
        widget=forms.TextInput(attrs={"placeholder": "YYYY-MM-DD", "inputmode": "numeric"}),
    )  # fmt: skip
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=1000,
                             help_text="Why it changes (the regulator's notice, the audit finding).")  # fmt: skip

    def __init__(self, *args, money: bool = True, kpi: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not money:
            del self.fields["currency"]
        if kpi:
            self.fields["breach"].label, self.fields["breach"].help_text = "Breach at", "Reached: a breach."
        else:
            del self.fields["target"], self.fields["weight"]

    def clean_effective_from(self):
        text = self.cleaned_data["effective_from"].strip()
        try:
            return datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            raise forms.ValidationError("Write the day as YYYY-MM-DD.") from None


def today_text() -> str:
    return timezone.localdate().isoformat()


def _scenario_choices():
    from .scenarios import SCENARIOS

    return [(code, s.name) for code, s in SCENARIOS.items()]


_DAY = forms.TextInput(attrs={"placeholder": "YYYY-MM-DD", "inputmode": "numeric"})


class BacktestForm(PortalFormMixin, forms.Form):
    """What one scenario would have raised over a period of stored history."""

    scenario = forms.ChoiceField(choices=_scenario_choices)
    start = forms.DateField(label="From", input_formats=["%Y-%m-%d"], help_text="YYYY-MM-DD.", widget=_DAY)
    end = forms.DateField(label="Until", input_formats=["%Y-%m-%d"], help_text="YYYY-MM-DD, included.", widget=_DAY)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            if data["end"] < data["start"]:
                raise forms.ValidationError("The period ends before it starts.")
            if (data["end"] - data["start"]).days > 366:
                raise forms.ValidationError("Back-test at most a year at a time.")
        return data


class JurisdictionForm(PortalFormMixin, forms.Form):
    country = forms.CharField(max_length=2, help_text="ISO 3166-1 alpha-2, such as IR.")
    reason = forms.CharField(max_length=300, help_text="The list or finding it comes from.")
