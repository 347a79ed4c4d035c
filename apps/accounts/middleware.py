from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

# Paths a user without MFA may still reach: sign-in/out and MFA set-up, static files, health.
_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/health/")


class EnforceMFAMiddleware:
    """Members of MFA_REQUIRED_ROLES must set up an authenticator before using the portal or API."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_EXEMPT_PREFIXES)
            and user.groups.filter(name__in=settings.MFA_REQUIRED_ROLES).exists()
            and not is_mfa_enabled(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "type": "mfa_required",
                        "detail": "Your role requires two-factor authentication. Set it up in the portal.",
                        "request_id": getattr(request, "request_id", ""),
                    },
                    status=403,
                )
            messages.warning(request, "Your role requires two-factor authentication. Set up an authenticator app.")
            return redirect("mfa_activate_totp")
        return self.get_response(request)


class UserTimeZoneMiddleware:
    """Times are stored in UTC and shown in the signed-in user's chosen zone, else the bank's (TIME_ZONE);
    every time shown says its zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        import zoneinfo

        from django.utils import timezone

        chosen = getattr(request.user, "time_zone", "") if request.user.is_authenticated else ""
        if chosen:
            try:
                timezone.activate(zoneinfo.ZoneInfo(chosen))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
