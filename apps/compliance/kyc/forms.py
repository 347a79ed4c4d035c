from crispy_forms.layout import Layout
from django import forms

from apps.core.forms import PortalFormMixin
from apps.transactions.choices import RiskRating

from ..choices import BusinessType, DocumentKind, OnboardingChannel, ScreeningResult


class FactorsForm(PortalFormMixin, forms.Form):
    """The stated risk factors of a customer; the rating is computed from them on saving."""

    pep = forms.BooleanField(label="Politically exposed person", required=False)
    business_type = forms.ChoiceField(choices=BusinessType.choices)
    channel = forms.ChoiceField(label="Onboarding channel", choices=OnboardingChannel.choices)
    screening = forms.ChoiceField(label="Screening result", choices=ScreeningResult.choices)

    def get_layout(self) -> Layout:
        return Layout("business_type", "channel", "screening", "pep")


class OverrideForm(PortalFormMixin, forms.Form):
    rating = forms.ChoiceField(choices=[("", "The computed rating (no override)"), *RiskRating.choices],
                               required=False, label="Rating")  # fmt: skip
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                             help_text="Required: why the rating differs from the computed one.")  # fmt: skip


class ReviewForm(PortalFormMixin, forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, label="Review note",
                           help_text="What was checked: identity, address, source of funds, screening.")  # fmt: skip


class DocumentForm(PortalFormMixin, forms.Form):
    kind = forms.ChoiceField(choices=DocumentKind.choices, label="Document")
    file = forms.FileField(help_text="PDF, PNG or JPEG. Stored encrypted; every view is audited.")
