from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import ListView, TemplateView

from apps.core.views import PortalPermissionMixin

from . import selectors, services
from .choices import Role
from .forms import APITokenForm, RevokeForm, TeamEditForm, TeamForm, UserEditForm, UserInviteForm
from .models import APIToken, User


def _form_errors_from(exc: ValidationError, form) -> None:
    for message in exc.messages:
        form.add_error(None, message)


class ProfileView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/profile.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["teams"] = selectors.user_teams(user)
        ctx["authenticators"] = Authenticator.objects.filter(user=user)
        ctx["mfa_required"] = user.has_role(*settings.MFA_REQUIRED_ROLES)
        return ctx


# ---------------------------------------------------------------------------------------- users
class UserListView(PortalPermissionMixin, ListView):
    permission_required = "accounts.view_user"
    template_name = "accounts/user_list.html"
    context_object_name = "users"
    paginate_by = settings.PORTAL_PAGE_SIZE

    def get_queryset(self):
        return selectors.user_list(search=self.request.GET.get("q", "").strip(), role=self.request.GET.get("role", ""))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["roles"] = Role.values
        ctx["q"] = self.request.GET.get("q", "")
        ctx["role"] = self.request.GET.get("role", "")
        ctx["mfa_users"] = set(Authenticator.objects.values_list("user_id", flat=True).distinct())
        return ctx


class UserInviteView(PortalPermissionMixin, View):
    permission_required = "accounts.add_user"
    template_name = "accounts/user_form.html"

    def get(self, request):
        return render(request, self.template_name, {"form": UserInviteForm(), "title": "Invite a user"})

    def post(self, request):
        form = UserInviteForm(request.POST)
        if form.is_valid():
            try:
                user = services.user_invite(
                    actor=request.user,
                    email=form.cleaned_data["email"],
                    full_name=form.cleaned_data["full_name"],
                    roles=form.cleaned_data["roles"],
                    teams=list(form.cleaned_data["teams"]),
                    base_url=request.build_absolute_uri("/"),
                )
            except ValidationError as exc:
                _form_errors_from(exc, form)
            else:
                messages.success(request, f"Invitation sent to {user.email}.")
                return redirect("accounts:user_list")
        return render(request, self.template_name, {"form": form, "title": "Invite a user"}, status=400)


class UserEditView(PortalPermissionMixin, View):
    permission_required = "accounts.change_user"
    template_name = "accounts/user_form.html"

    def _initial(self, user: User) -> dict:
        return {
            "full_name": user.full_name,
            "roles": user.role_names,
            "teams": selectors.user_teams(user),
            "is_active": user.is_active,
        }

    def get(self, request, pk: int):
        user = get_object_or_404(User, pk=pk)
        form = UserEditForm(initial=self._initial(user))
        return render(request, self.template_name, {"form": form, "title": f"Edit {user.email}", "subject": user})

    def post(self, request, pk: int):
        user = get_object_or_404(User, pk=pk)
        form = UserEditForm(request.POST)
        if form.is_valid():
            try:
                services.user_update(
                    actor=request.user,
                    user=user,
                    full_name=form.cleaned_data["full_name"],
                    roles=form.cleaned_data["roles"],
                    teams=list(form.cleaned_data["teams"]),
                    is_active=form.cleaned_data["is_active"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                _form_errors_from(exc, form)
            else:
                messages.success(request, f"Saved {user.email}.")
                return redirect("accounts:user_list")
        ctx = {"form": form, "title": f"Edit {user.email}", "subject": user}
        return render(request, self.template_name, ctx, status=400)


# ---------------------------------------------------------------------------------------- teams
class TeamListView(PortalPermissionMixin, ListView):
    permission_required = "accounts.view_team"
    template_name = "accounts/team_list.html"
    context_object_name = "teams"
    paginate_by = settings.PORTAL_PAGE_SIZE

    def get_queryset(self):
        return selectors.team_list_for(self.request.user)


class TeamDetailView(PortalPermissionMixin, TemplateView):
    permission_required = "accounts.view_team"
    template_name = "accounts/team_detail.html"

    def get_context_data(self, **kwargs):
        team = selectors.team_for(self.request.user, kwargs["pk"])
        if team is None:
            raise Http404("No such team.")
        return {**super().get_context_data(**kwargs), "team": team, "members": team.members.order_by("email")}


class TeamCreateView(PortalPermissionMixin, View):
    permission_required = "accounts.add_team"
    template_name = "accounts/team_form.html"

    def get(self, request):
        return render(request, self.template_name, {"form": TeamForm(), "title": "New team"})

    def post(self, request):
        form = TeamForm(request.POST)
        if form.is_valid():
            try:
                team = services.team_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors_from(exc, form)
            else:
                messages.success(request, f"Team {team.name} created.")
                return redirect("accounts:team_detail", pk=team.pk)
        return render(request, self.template_name, {"form": form, "title": "New team"}, status=400)


class TeamEditView(PortalPermissionMixin, View):
    permission_required = "accounts.change_team"
    template_name = "accounts/team_form.html"

    def _team(self, request, pk):
        team = selectors.team_for(request.user, pk, "change")
        if team is None:
            raise Http404("No such team.")
        return team

    def get(self, request, pk: int):
        team = self._team(request, pk)
        form = TeamEditForm(initial={"name": team.name, "description": team.description, "members": team.members})
        return render(request, self.template_name, {"form": form, "title": f"Edit {team.name}", "team": team})

    def post(self, request, pk: int):
        team = self._team(request, pk)
        form = TeamEditForm(request.POST)
        if form.is_valid():
            try:
                services.team_update(
                    actor=request.user,
                    team=team,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    members=list(form.cleaned_data["members"]),
                )
            except ValidationError as exc:
                _form_errors_from(exc, form)
            else:
                messages.success(request, f"Team {team.name} saved.")
                return redirect("accounts:team_detail", pk=team.pk)
        ctx = {"form": form, "title": f"Edit {team.name}", "team": team}
        return render(request, self.template_name, ctx, status=400)


# ---------------------------------------------------------------------------------------- tokens
class TokenListView(PortalPermissionMixin, ListView):
    permission_required = "accounts.view_apitoken"
    template_name = "accounts/token_list.html"
    context_object_name = "tokens"
    paginate_by = settings.PORTAL_PAGE_SIZE

    def get_queryset(self):
        return selectors.token_list()


class TokenCreateView(PortalPermissionMixin, View):
    permission_required = "accounts.add_apitoken"
    template_name = "accounts/token_form.html"

    def get(self, request):
        form = APITokenForm(users=selectors.integration_users())
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = APITokenForm(request.POST, users=selectors.integration_users())
        if form.is_valid():
            try:
                token, key = services.api_token_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors_from(exc, form)
            else:
                # The key is shown on this response only; it is not stored anywhere.
                response = render(request, "accounts/token_created.html", {"token": token, "key": key})
                response["Cache-Control"] = "no-store"
                return response
        return render(request, self.template_name, {"form": form}, status=400)


class TokenRevokeView(PortalPermissionMixin, View):
    permission_required = "accounts.change_apitoken"
    http_method_names = ["get", "post"]

    def get(self, request, pk: int):
        token = get_object_or_404(APIToken.objects.select_related("user"), pk=pk)
        return render(request, "accounts/token_revoke.html", {"token": token, "form": RevokeForm()})

    def post(self, request, pk: int):
        token = get_object_or_404(APIToken, pk=pk)
        form = RevokeForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        services.api_token_revoke(actor=request.user, token=token, reason=reason)
        messages.success(request, f"Token {token.name} revoked.")
        return redirect("accounts:token_list")
