from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """No public sign-up: admins invite staff. Integration clients have no portal: they call the API
    with a scoped token, and their password signs nobody in."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def pre_login(self, request, user, **kwargs):
        from allauth.account.internal.stagekit import clear_login
        from django.contrib import messages
        from django.shortcuts import redirect

        from apps.core.services import audit_record

        from .choices import Role

        if user.is_active and user.has_role(Role.INTEGRATION):
            clear_login(request)
            audit_record(actor=user, action="auth.login_refused", obj=user,
                         after={"why": "integration client: API tokens only"})  # fmt: skip
            messages.error(request, "Integration clients have no portal access: call the API with a token.")
            return redirect("account_login")
        return super().pre_login(request, user, **kwargs)

    def get_client_ip(self, request) -> str:
        """The address sign-in limits count against: the client's, as `apps.core.middleware.client_ip`
        works it out from TRUSTED_PROXIES (not the proxy's, which would lock everyone out at once)."""
        from django.core.exceptions import PermissionDenied

        from apps.core.middleware import client_ip

        address = client_ip(request)
        if not address:
            raise PermissionDenied("Unable to determine the client's address.")
        return address

    def validation_error(self, code, *args):
        if code == "too_many_login_attempts":  # a sign-in (password or code) refused by the limits
            from allauth.core import context

            from apps.core.services import audit_record

            request = getattr(context, "request", None)
            attempted = (request.POST.get("login") if request is not None else "") or ""
            user = getattr(request, "user", None)
            name = attempted or (getattr(user, "email", "") if getattr(user, "is_authenticated", False) else "")
            audit_record(actor=None, actor_name=(name or "unknown")[:255], action="auth.login_blocked",
                         after={"why": "too many failed attempts"})  # fmt: skip
        return super().validation_error(code, *args)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on signs in staff an admin has already invited; it never creates users."""

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False
