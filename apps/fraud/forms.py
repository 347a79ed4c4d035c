import json

from crispy_forms.layout import Column, Field, Layout, Row
from django import forms

from apps.core.bounds import check_day
from apps.core.days import DayField
from apps.core.forms import PortalFormMixin

from .rules.conditions import ConditionError, validate


class RuleDraftForm(PortalFormMixin, forms.Form):
    code = forms.SlugField(max_length=64, help_text="A stable identifier; reuse a code to draft its next version.")
    name = forms.CharField(max_length=120)
    explanation = forms.CharField(max_length=255, help_text="Shown to staff when the rule fires.")
    weight = forms.IntegerField(min_value=0, max_value=100)
    condition = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text='JSON, e.g. {"all": [{"field": "amount", "op": "gt", "value": 10000}]}',
    )

    def get_layout(self) -> Layout:
        return Layout(Row(Column("code"), Column("name")), "explanation", Field("weight", wrapper_class="col-sm-4"),
                      Field("condition", css_class="font-monospace"))  # fmt: skip

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


class BacktestForm(PortalFormMixin, forms.Form):
    start = DayField(validators=[check_day], label="From")
    end = DayField(validators=[check_day], label="Until (inclusive)")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError("The end is before the start.")
        return data

    def get_layout(self) -> Layout:
        return Layout(Row(Column(Field("start", css_class="form-control-sm")),
                          Column(Field("end", css_class="form-control-sm")), css_class="g-2"))  # fmt: skip


class ReasonForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(max_length=500, required=False)

    def get_layout(self) -> Layout:
        return Layout("reason")
