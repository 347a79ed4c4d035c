from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import TemplateView

from apps.core.views import PortalListView, PortalPermissionMixin, submit_form

from . import selectors, services
from .choices import Role
from .forms import (
    APITokenForm,
    NotificationPreferenceForm,
    RevokeForm,
    TeamEditForm,
    TeamForm,
    TimeZoneForm,
    UserEditForm,
    UserInviteForm,
)
from .models import APIToken, RoleGrant, User

FORM_PAGE = "form_page.html"


def _done(request, message: str, *redirect_args, **redirect_kwargs):
    messages.success(request, message)
    return redirect(*redirect_args, **redirect_kwargs)


class ProfileView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/profile.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["teams"] = selectors.user_teams(user)
        ctx["authenticators"] = Authenticator.objects.filter(user=user)
        ctx["mfa_required"] = user.has_role(*settings.MFA_REQUIRED_ROLES)
        ctx["notify_form"] = NotificationPreferenceForm(initial=selectors.notification_preferences(user))
        ctx["zone_form"] = TimeZoneForm(initial={"time_zone": user.time_zone})
        return ctx

    def post(self, request):
        """Save the user's own email preferences or display zone (nobody else's)."""
        if request.POST.get("form") == "time_zone":
            zone = TimeZoneForm(request.POST)
            if zone.is_valid():
                services.user_time_zone_set(user=request.user, time_zone=zone.cleaned_data["time_zone"])
                messages.success(request, f"Times are shown in {request.user.time_zone or settings.TIME_ZONE}.")
            else:
                messages.error(request, "Choose a time zone from the list.")
            return redirect("accounts:profile")
        form = NotificationPreferenceForm(request.POST)
        if form.is_valid():
            services.notification_preferences_update(user=request.user, **form.cleaned_data)
            messages.success(request, "Notification preferences saved.")
        return redirect("accounts:profile")


# ---------------------------------------------------------------------------------------- users
class UserListView(PortalListView):
    permission_required = "accounts.view_user"
    template_name = "accounts/user_list.html"
    context_object_name = "users"

    def get_queryset(self):
        return selectors.user_list(search=self.request.GET.get("q", "").strip(), role=self.request.GET.get("role", ""))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["roles"] = Role.values
        ctx["q"] = self.request.GET.get("q", "")
        ctx["role"] = self.request.GET.get("role", "")
        ctx["mfa_users"] = set(Authenticator.objects.values_list("user_id", flat=True).distinct())
        ctx["pending_grants"] = selectors.role_grants_pending()
        return ctx


class UserInviteView(PortalPermissionMixin, View):
    permission_required = "accounts.add_user"
    context = {"title": "Invite a user", "submit": "Send invitation", "cancel_url": "accounts:user_list"}

    def get(self, request):
        return render(request, FORM_PAGE, {**self.context, "form": UserInviteForm()})

    def post(self, request):
        def invite(data):
            return services.user_invite(
                actor=request.user,
                email=data["email"],
                full_name=data["full_name"],
                roles=data["roles"],
                teams=list(data["teams"]),
                base_url=request.build_absolute_uri("/"),
            )

        return submit_form(
            request,
            UserInviteForm(request.POST),
            invite,
            template=FORM_PAGE,
            context=self.context,
            success=lambda user: _done(
                request, f"Invitation sent to {user.email}.{_waiting(user)}", "accounts:user_list"
            ),
        )


class UserEditView(PortalPermissionMixin, View):
    permission_required = "accounts.change_user"

    def _context(self, user: User) -> dict:
        return {"title": f"Edit {user.email}", "cancel_url": "accounts:user_list"}

    def get(self, request, pk: int):
        user = get_object_or_404(User, pk=pk)
        initial = {
            "full_name": user.full_name,
            "roles": user.role_names,
            "teams": selectors.user_teams(user),
            "is_active": user.is_active,
        }
        return render(request, FORM_PAGE, {**self._context(user), "form": UserEditForm(initial=initial)})

    def post(self, request, pk: int):
        user = get_object_or_404(User, pk=pk)

        def update(data):
            return services.user_update(
                actor=request.user,
                user=user,
                full_name=data["full_name"],
                roles=data["roles"],
                teams=list(data["teams"]),
                is_active=data["is_active"],
                reason=data["reason"],
            )

        return submit_form(
            request,
            UserEditForm(request.POST),
            update,
            template=FORM_PAGE,
            context=self._context(user),
            success=lambda saved: _done(request, f"Saved {saved.email}.{_waiting(saved)}", "accounts:user_list"),
        )


def _waiting(user: User) -> str:
    roles = [g.role for g in selectors.role_grants_pending().filter(user=user)]
    if not roles:
        return ""
    return f" The {', '.join(roles)} role waits for a second admin's approval (below)."


class RoleGrantDecideView(PortalPermissionMixin, View):
    """A second admin approves or refuses a role grant another admin asked for."""

    permission_required = "accounts.change_user"

    def post(self, request, pk: int, decision: str):
        grant = get_object_or_404(RoleGrant, pk=pk)
        decide = {"approve": services.role_grant_approve, "reject": services.role_grant_reject}.get(decision)
        if decide is None:
            raise Http404
        try:
            decide(actor=request.user, grant=grant, reason=request.POST.get("reason", "")[:500])
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return redirect("accounts:user_list")
        verb = "granted to" if decision == "approve" else "refused for"
        return _done(request, f"The {grant.role} role was {verb} {grant.user.email}.", "accounts:user_list")


# ---------------------------------------------------------------------------------------- teams
class TeamListView(PortalListView):
    permission_required = "accounts.view_team"
    template_name = "accounts/team_list.html"
    context_object_name = "teams"

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
    context = {"title": "New team", "cancel_url": "accounts:team_list"}

    def get(self, request):
        return render(request, FORM_PAGE, {**self.context, "form": TeamForm()})

    def post(self, request):
        return submit_form(
            request,
            TeamForm(request.POST),
            lambda data: services.team_create(actor=request.user, **data),
            template=FORM_PAGE,
            context=self.context,
            success=lambda team: _done(request, f"Team {team.name} created.", "accounts:team_detail", pk=team.pk),
        )


class TeamEditView(PortalPermissionMixin, View):
    permission_required = "accounts.change_team"

    def _team(self, request, pk):
        team = selectors.team_for(request.user, pk, "change")
        if team is None:
            raise Http404("No such team.")
        return team

    def _context(self, team) -> dict:
        return {"title": f"Edit {team.name}", "cancel_url": "accounts:team_list"}

    def get(self, request, pk: int):
        team = self._team(request, pk)
        form = TeamEditForm(initial={"name": team.name, "description": team.description, "members": team.members})
        return render(request, FORM_PAGE, {**self._context(team), "form": form})

    def post(self, request, pk: int):
        team = self._team(request, pk)
        return submit_form(
            request,
            TeamEditForm(request.POST),
            lambda data: services.team_update(
                actor=request.user,
                team=team,
                name=data["name"],
                description=data["description"],
                members=list(data["members"]),
            ),
            template=FORM_PAGE,
            context=self._context(team),
            success=lambda saved: _done(request, f"Team {saved.name} saved.", "accounts:team_detail", pk=saved.pk),
        )


# ---------------------------------------------------------------------------------------- tokens
class TokenListView(PortalListView):
    permission_required = "accounts.view_apitoken"
    template_name = "accounts/token_list.html"
    context_object_name = "tokens"

    def get_queryset(self):
        return selectors.token_list()


class TokenCreateView(PortalPermissionMixin, View):
    permission_required = "accounts.add_apitoken"
    context = {"title": "New API token", "submit": "Create token", "cancel_url": "accounts:token_list"}

    def _context(self) -> dict:
        if not selectors.integration_users().exists():
            return {**self.context, "notice": "No active user has the Integration client role. Invite one first."}
        return self.context

    def get(self, request):
        return render(
            request, FORM_PAGE, {**self._context(), "form": APITokenForm(users=selectors.integration_users())}
        )

    def post(self, request):
        def created(result):
            token, key = result
            # The key is shown on this response only; it is not stored anywhere.
            response = render(request, "accounts/token_created.html", {"token": token, "key": key})
            response["Cache-Control"] = "no-store"
            return response

        return submit_form(
            request,
            APITokenForm(request.POST, users=selectors.integration_users()),
            lambda data: services.api_token_create(actor=request.user, **data),
            template=FORM_PAGE,
            context=self._context(),
            success=created,
        )


class TokenRevokeView(PortalPermissionMixin, View):
    permission_required = "accounts.change_apitoken"

    def get(self, request, pk: int):
        token = get_object_or_404(APIToken.objects.select_related("user"), pk=pk)
        return render(request, "accounts/token_revoke.html", {"token": token, "form": RevokeForm()})

    def post(self, request, pk: int):
        token = get_object_or_404(APIToken, pk=pk)
        form = RevokeForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        services.api_token_revoke(actor=request.user, token=token, reason=reason)
        return _done(request, f"Token {token.name} revoked.", "accounts:token_list")
