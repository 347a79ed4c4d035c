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


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on signs in staff an admin has already invited; it never creates users."""

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False
