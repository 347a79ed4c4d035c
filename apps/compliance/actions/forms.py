from datetime import datetime

from django import forms

from apps.core.forms import PortalFormMixin

from ..choices import Domain
from . import services


class ActionForm(PortalFormMixin, forms.Form):
    title = forms.CharField(max_length=200)
    plan = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="What is to be done.")
    owner = forms.ModelChoiceField(queryset=services.staff(), empty_label="Choose…")
    due_on = forms.CharField(
        label="Due on", max_length=10, help_text="YYYY-MM-DD.",
        widget=forms.TextInput(attrs={"placeholder": "YYYY-MM-DD", "inputmode": "numeric"}),
    )  # fmt: skip
    domain = forms.ChoiceField(
        choices=Domain.choices,
        initial=Domain.AML,
        required=False,
        help_text="The part of the compliance score it counts against while overdue.",
    )
    source_ref = forms.CharField(label="Answers", max_length=100, required=False,
                                 help_text="The breach, KPI or finding (optional).")  # fmt: skip

    def clean_domain(self):
        return self.cleaned_data["domain"] or Domain.AML

    def clean_due_on(self):
        try:
            return datetime.strptime(self.cleaned_data["due_on"].strip(), "%Y-%m-%d").date()
        except ValueError:
            raise forms.ValidationError("Write the day as YYYY-MM-DD.") from None


class NoteForm(PortalFormMixin, forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False)


class EvidenceForm(PortalFormMixin, forms.Form):
    file = forms.FileField(help_text="PDF, PNG or JPEG.")
