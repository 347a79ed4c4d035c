from crispy_forms.bootstrap import InlineCheckboxes
from crispy_forms.layout import Column, Field, Layout, Row
from django import forms

from apps.core.forms import PortalFormMixin

from .choices import Role, TokenScope
from .models import NotificationPreference, Team, User


class _RolesTeamsMixin(PortalFormMixin, forms.Form):
    roles = forms.MultipleChoiceField(choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False)
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.all(), widget=forms.CheckboxSelectMultiple, required=False
    )


class UserInviteForm(_RolesTeamsMixin):
    email = forms.EmailField()
    full_name = forms.CharField(max_length=150)
    field_order = ["email", "full_name", "roles", "teams"]

    def get_layout(self) -> Layout:
        return Layout(Row(Column("email"), Column("full_name")), InlineCheckboxes("roles"), InlineCheckboxes("teams"))

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("A user with this email address already exists.")
        return email


class UserEditForm(_RolesTeamsMixin):
    full_name = forms.CharField(max_length=150)
    is_active = forms.BooleanField(required=False, label="Active (may sign in)")
    reason = forms.CharField(max_length=500, required=False, help_text="Recorded in the audit log.")
    field_order = ["full_name", "roles", "teams", "is_active", "reason"]

    def get_layout(self) -> Layout:
        return Layout("full_name", InlineCheckboxes("roles"), InlineCheckboxes("teams"), "is_active", "reason")


class TeamForm(PortalFormMixin, forms.Form):
    name = forms.CharField(max_length=100)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def get_layout(self) -> Layout:
        return Layout("name", "description")


class TeamEditForm(TeamForm):
    members = forms.ModelMultipleChoiceField(
        queryset=User.objects.filter(is_active=True), widget=forms.CheckboxSelectMultiple, required=False
    )

    def get_layout(self) -> Layout:
        return Layout("name", "description", InlineCheckboxes("members"))


class APITokenForm(PortalFormMixin, forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), help_text="An integration client user.")
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'Core banking feed'.")
    scopes = forms.MultipleChoiceField(choices=TokenScope.choices, widget=forms.CheckboxSelectMultiple)
    expires_in_days = forms.IntegerField(min_value=1, max_value=730, initial=90)

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        if users is not None:
            self.fields["user"].queryset = users

    def get_layout(self) -> Layout:
        return Layout(Row(Column("user"), Column("name")), InlineCheckboxes("scopes"),
                      Field("expires_in_days", wrapper_class="col-sm-4"))  # fmt: skip


class RevokeForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(max_length=500, required=False)

    def get_layout(self) -> Layout:
        return Layout("reason")


class NotificationPreferenceForm(PortalFormMixin, forms.Form):
    critical_case = forms.BooleanField(required=False, label=NotificationPreference.KINDS["critical_case"])
    sla = forms.BooleanField(required=False, label=NotificationPreference.KINDS["sla"])
    approval = forms.BooleanField(required=False, label=NotificationPreference.KINDS["approval"])
    mention = forms.BooleanField(required=False, label=NotificationPreference.KINDS["mention"])

    def get_layout(self) -> Layout:
        return Layout("critical_case", "sla", "approval", "mention")


def _zones() -> list[tuple[str, str]]:
    import zoneinfo

    from django.conf import settings

    return [("", f"The bank's zone ({settings.TIME_ZONE})"), *((z, z) for z in sorted(zoneinfo.available_timezones()))]


class TimeZoneForm(PortalFormMixin, forms.Form):
    time_zone = forms.ChoiceField(choices=_zones, required=False, label="Show times in")

    def get_layout(self) -> Layout:
        return Layout(Field("time_zone", css_class="form-select-sm"))
