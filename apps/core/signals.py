"""Cross-cutting: security events (sign-in by password or single sign-on, sign-out, failed sign-in,
wrong authenticator codes, authenticators and recovery codes added, removed or regenerated, sign-in
addresses and passwords changed, single sign-on identities linked and unlinked) go to the audit trail, and
background tasks that fail after their retries go to the dead-letter list."""

from allauth.account.authentication import get_authentication_records
from allauth.account.signals import email_added, email_changed, email_removed, password_changed
from allauth.mfa.signals import authentication_failed as mfa_authentication_failed
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from allauth.socialaccount.signals import social_account_added, social_account_removed
from celery.signals import task_failure
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .services import audit_record, failed_task_record


@receiver(user_logged_in, dispatch_uid="audit_login")
def _audit_login(sender, request, user, **kwargs):
    audit_record(actor=user, action="auth.login", obj=user, after=_sign_in_method(request, user))


def _sign_in_method(request, user) -> dict:
    """How this sign-in proved who the user is: {"method": "sso", "provider": ...} or {"method": "password"}
    (the sign-in's own steps, as recorded in its session), and "mfa": true when an authenticator code
    followed."""
    steps = get_authentication_records(request, user) if request is not None and hasattr(request, "session") else []
    first = [s for s in steps if s.get("method") != "mfa"]
    last = first[-1] if first else {"method": "password"}
    if last.get("method") == "socialaccount":
        method = {"method": "sso", "provider": last.get("provider", "")}
    else:
        method = {"method": last.get("method") or "password"}
    if any(s.get("method") == "mfa" for s in steps):
        method["mfa"] = True
    return method


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action="auth.logout", obj=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _audit_login_failed(sender, credentials, request=None, **kwargs):
    attempted = str(credentials.get("email") or credentials.get("username") or "")[:255]
    audit_record(actor=None, actor_name=attempted or "unknown", action="auth.login_failed")


@receiver(mfa_authentication_failed, dispatch_uid="audit_mfa_failed")
def _audit_mfa_failed(sender, request=None, user=None, authenticator=None, reauthentication=False, **kwargs):
    after = {"authenticator": getattr(authenticator, "type", ""), "reauthentication": reauthentication}
    audit_record(actor=user, action="auth.mfa_failed", obj=user, after=after)


_AUTHENTICATOR_EVENTS = {"added": "auth.mfa_added", "removed": "auth.mfa_removed", "reset": "auth.mfa_reset"}


def _audit_authenticator(event: str):
    def receive(sender, request=None, user=None, authenticator=None, **kwargs):
        # "totp" (an authenticator app), "recovery_codes" (reset: new codes generated), "webauthn"
        audit_record(actor=user, action=_AUTHENTICATOR_EVENTS[event], obj=user,
                     after={"authenticator": getattr(authenticator, "type", "")})  # fmt: skip

    return receive


for _event, _signal in (("added", authenticator_added), ("removed", authenticator_removed),
                        ("reset", authenticator_reset)):  # fmt: skip
    _signal.connect(_audit_authenticator(_event), dispatch_uid=f"audit_mfa_{_event}", weak=False)


@receiver(email_added, dispatch_uid="audit_email_added")
def _audit_email_added(sender, request=None, user=None, email_address=None, **kwargs):
    audit_record(actor=user, action="auth.email_added", obj=user, after={"email": getattr(email_address, "email", "")})


@receiver(email_removed, dispatch_uid="audit_email_removed")
def _audit_email_removed(sender, request=None, user=None, email_address=None, **kwargs):
    audit_record(actor=user, action="auth.email_removed", obj=user,
                 before={"email": getattr(email_address, "email", "")})  # fmt: skip


@receiver(email_changed, dispatch_uid="audit_email_changed")
def _audit_email_changed(sender, request=None, user=None, from_email_address=None, to_email_address=None, **kw):
    audit_record(actor=user, action="auth.email_changed", obj=user,
                 before={"email": getattr(from_email_address, "email", "")},
                 after={"email": getattr(to_email_address, "email", "")})  # fmt: skip


@receiver(password_changed, dispatch_uid="audit_password_changed")
def _audit_password_changed(sender, request=None, user=None, **kwargs):
    audit_record(actor=user, action="auth.password_changed", obj=user)


@receiver(social_account_added, dispatch_uid="audit_sso_linked")
def _audit_sso_linked(sender, request, sociallogin, **kwargs):
    account = sociallogin.account
    after = {"provider": account.provider, "uid": account.uid, "email": sociallogin.user.email}
    audit_record(actor=sociallogin.user, action="auth.sso_linked", obj=sociallogin.user, after=after)


@receiver(social_account_removed, dispatch_uid="audit_sso_unlinked")
def _audit_sso_unlinked(sender, request, socialaccount, **kwargs):
    after = {"provider": socialaccount.provider, "uid": socialaccount.uid}
    actor = getattr(request, "user", None) or socialaccount.user
    audit_record(actor=actor, action="auth.sso_unlinked", obj=socialaccount.user, after=after)


@task_failure.connect(dispatch_uid="dead_letter")
def _dead_letter(sender=None, task_id=None, exception=None, args=None, kwargs=None, einfo=None, **extra):
    failed_task_record(task_id=task_id or "", task_name=getattr(sender, "name", str(sender)), args=args or [],
                       kwargs=kwargs or {}, exception=exception, traceback=str(einfo or ""))  # fmt: skip
