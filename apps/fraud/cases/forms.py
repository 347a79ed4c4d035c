from crispy_forms.layout import Column, Field, Layout, Row
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.accounts.models import Team
from apps.core.bounds import check_moment
from apps.core.forms import PortalFormMixin

from ..choices import CaseKind, CaseOutcome, CasePriority


class CaseOpenForm(PortalFormMixin, forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), help_text="Whose queue gets the case.")
    title = forms.CharField(max_length=200)
    customer_ref = forms.CharField(max_length=64, label="Customer", help_text="The bank's customer number.")
    priority = forms.ChoiceField(choices=CasePriority.choices, initial=CasePriority.MEDIUM)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, label="What prompted it")

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams if teams is not None else Team.objects.none()

    def get_layout(self) -> Layout:
        return Layout(Row(Column("team"), Column("priority")), "title", Field("customer_ref", wrapper_class="col-sm-6"),
                      "note")  # fmt: skip


class CommentForm(PortalFormMixin, forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000, label="Comment",
                           help_text="Mention a colleague with @their-email.")  # fmt: skip

    def get_layout(self) -> Layout:
        return Layout("body")


class ReasonForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(max_length=2000, required=False)

    def get_layout(self) -> Layout:
        return Layout("reason")


class AssignForm(PortalFormMixin, forms.Form):
    assignee = forms.ModelChoiceField(queryset=get_user_model().objects.none())
    reason = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        if users is not None:
            self.fields["assignee"].queryset = users

    def get_layout(self) -> Layout:
        return Layout("assignee", "reason")


class SnoozeForm(PortalFormMixin, forms.Form):
    until = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), validators=[check_moment])
    reason = forms.CharField(max_length=2000)

    def clean_until(self):
        value = self.cleaned_data["until"]
        return timezone.make_aware(value) if timezone.is_naive(value) else value

    def get_layout(self) -> Layout:
        return Layout("until", "reason")


class ProposeForm(PortalFormMixin, forms.Form):
    # No outcome is chosen for the analyst: the select starts empty and one must be picked.
    outcome = forms.ChoiceField(choices=[("", "Choose…"), *CaseOutcome.choices])
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, label="Why")
    freeze_account = forms.BooleanField(required=False, label="Freeze the account")

    def get_layout(self) -> Layout:
        return Layout("outcome", "note", "freeze_account")


class TagForm(PortalFormMixin, forms.Form):
    tags = forms.CharField(max_length=400, required=False, help_text="Comma-separated.")

    def get_layout(self) -> Layout:
        return Layout("tags")


class AttachForm(PortalFormMixin, forms.Form):
    file = forms.FileField()

    def get_layout(self) -> Layout:
        return Layout("file")


class CaseRouteForm(PortalFormMixin, forms.Form):
    position = forms.IntegerField(
        min_value=0, max_value=32767, initial=100, label="Order", help_text="Routes are tried from the lowest."
    )
    kind = forms.ChoiceField(choices=[("", "Any kind"), *CaseKind.choices], required=False)
    priority = forms.ChoiceField(choices=[("", "Any priority"), *CasePriority.choices], required=False)
    currency = forms.RegexField(r"^[A-Za-z]{3}$", required=False, max_length=3, help_text="ISO 4217, e.g. INR.")
    min_amount = forms.DecimalField(required=False, min_value=0, max_digits=18, decimal_places=2,
                                    label="At least (amount)")  # fmt: skip
    customer_prefix = forms.CharField(max_length=64, required=False, label="Customer references starting with")
    team = forms.ModelChoiceField(queryset=Team.objects.all(), help_text="Whose queue receives the matching cases.")

    def get_layout(self) -> Layout:
        return Layout(
            Row(Column("position"), Column("team")),
            Row(Column("kind"), Column("priority")),
            Row(Column("currency"), Column("min_amount")),
            "customer_prefix",
        )
