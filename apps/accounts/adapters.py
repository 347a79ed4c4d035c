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
    """Single sign-on signs in staff an admin has already invited, matched by email address; it never
    creates users. Before a sign-in changes anything, a person it cannot let in is shown why and the
    refusal is audited: no account for the address, an address the provider did not confirm (see
    OIDC_TRUST_EMAIL), a deactivated account, an integration client."""

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False

    def pre_social_login(self, request, sociallogin):
        from allauth.socialaccount.providers.base import AuthProcess

        from .choices import Role

        if sociallogin.state.get("process") in (AuthProcess.CONNECT, AuthProcess.REDIRECT):
            return  # a signed-in person linking an identity (audited when linked), or no sign-in at all
        email = sociallogin.email_addresses[0].email if sociallogin.email_addresses else ""
        user = sociallogin.user if sociallogin.is_existing else None
        if user is None:
            if not email:
                why, message = "no email address from the provider", _NO_EMAIL
            elif not any(address.verified for address in sociallogin.email_addresses):
                why, message = "email address not verified by the provider", _NOT_VERIFIED.format(email=email)
            else:
                why, message = "no account for this email address", _NO_ACCOUNT.format(email=email)
            self._refuse(request, sociallogin, why=why, message=message, email=email)
        if not user.is_active:
            message = _DEACTIVATED.format(email=email or user.email)
            self._refuse(request, sociallogin, why="account deactivated", message=message, email=email, user=user)
        if user.has_role(Role.INTEGRATION):
            why = "integration client: API tokens only"
            self._refuse(request, sociallogin, why=why, message=_INTEGRATION, email=email, user=user)
        if sociallogin.account.pk is None:  # matched by email: the first sign-in with this identity
            self._disable_password_nobody_verified(sociallogin, user)

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        """The provider refused, the person cancelled, or the provider's answer did not check out."""
        from apps.core.services import audit_record

        app = getattr(provider, "app", None)
        after = {
            "provider": getattr(app, "provider_id", "") or getattr(provider, "id", ""),
            "error": str(error or "unknown"),
            "exception": type(exception).__name__ if exception is not None else "",
        }
        audit_record(actor=None, actor_name="unknown", action="auth.sso_failed", after=after)
        return super().on_authentication_error(
            request, provider, error=error, exception=exception, extra_context=extra_context
        )

    def _refuse(self, request, sociallogin, *, why: str, message: str, email: str = "", user=None):
        from allauth.core.exceptions import ImmediateHttpResponse
        from django.shortcuts import render

        from apps.core.services import audit_record

        account = sociallogin.account
        after = {"provider": account.provider, "uid": account.uid, "email": email, "why": why}
        name = None if user is not None else (email or "unknown")
        audit_record(actor=user, actor_name=name, action="auth.sso_refused", obj=user, after=after)
        context = {"message": message, "provider_name": sociallogin.provider.name}
        raise ImmediateHttpResponse(render(request, "socialaccount/sso_refused.html", context, status=403))

    @staticmethod
    def _disable_password_nobody_verified(sociallogin, user) -> None:
        """An account matched by an address nobody verified (made outside the invitation, which verifies
        it) loses its local password at its first single sign-on: whoever chose that password could
        otherwise still sign in to the account the bank's provider now vouches for."""
        from allauth.account.models import EmailAddress
        from django.db import transaction

        from apps.core.services import audit_record

        if not user.has_usable_password():
            return
        provided = {a.email.lower() for a in sociallogin.email_addresses if a.verified}
        on_record = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
        if provided & {e.lower() for e in on_record}:
            return
        with transaction.atomic():
            user.set_unusable_password()
            user.save(update_fields=["password"])
            why = "first single sign-on to an account whose address nobody verified"
            after = {"why": why, "provider": sociallogin.account.provider}
            audit_record(actor=user, action="auth.password_disabled", obj=user, after=after)


_ASK = " Ask an administrator."
_NO_EMAIL = "Your sign-in provider sent no email address, so ChequeCloud cannot tell whose account this is." + _ASK
_NOT_VERIFIED = (
    "Your sign-in provider has not confirmed the address {email}, so ChequeCloud cannot match it to an account." + _ASK
)
_NO_ACCOUNT = "There is no ChequeCloud account for {email}." + _ASK
_DEACTIVATED = "The ChequeCloud account for {email} is deactivated." + _ASK
_INTEGRATION = "Integration clients have no portal access: call the API with a token."
