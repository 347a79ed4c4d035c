"""Cross-cutting: security events (sign-in, sign-out, failed sign-in, wrong authenticator codes) go
to the audit trail, and
background tasks that fail after their retries go to the dead-letter list."""

from allauth.mfa.signals import authentication_failed as mfa_authentication_failed
from celery.signals import task_failure
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .services import audit_record, failed_task_record


@receiver(user_logged_in, dispatch_uid="audit_login")
def _audit_login(sender, request, user, **kwargs):
    audit_record(actor=user, action="auth.login", obj=user)


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


@task_failure.connect(dispatch_uid="dead_letter")
def _dead_letter(sender=None, task_id=None, exception=None, args=None, kwargs=None, einfo=None, **extra):
    failed_task_record(task_id=task_id or "", task_name=getattr(sender, "name", str(sender)), args=args or [],
                       kwargs=kwargs or {}, exception=exception, traceback=str(einfo or ""))  # fmt: skip
