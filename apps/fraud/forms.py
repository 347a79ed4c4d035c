import json

from django import forms

from apps.core.bounds import check_day

from .rules.conditions import ConditionError, validate


class RuleDraftForm(forms.Form):
    code = forms.SlugField(max_length=64, help_text="A stable identifier; reuse a code to draft its next version.")
    name = forms.CharField(max_length=120)
    explanation = forms.CharField(max_length=255, help_text="Shown to staff when the rule fires.")
    weight = forms.IntegerField(min_value=0, max_value=100)
    condition = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8, "class": "font-monospace"}),
        help_text='JSON, e.g. {"all": [{"field": "amount", "op": "gt", "value": 10000}]}',
    )

    def clean_condition(self):
        try:
            value = json.loads(self.cleaned_data["condition"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).") from exc
        try:
            validate(value)
        except ConditionError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return value


class BacktestForm(forms.Form):
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), validators=[check_day])
    end = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), help_text="Inclusive.", validators=[check_day]
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError("The end is before the start.")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False)
