from __future__ import annotations

import functools
import ipaddress
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .context import client_ip_var, request_id_var

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _trusted_networks())


@functools.cache
def _networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries)


def _trusted_networks() -> tuple:
    return _networks(tuple(settings.TRUSTED_PROXIES))


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, unless that is one of TRUSTED_PROXIES, in which case the
    X-Forwarded-For entries are walked from the right past every trusted proxy, and the first address
    that is not one is the client. A client cannot choose its address by sending the header itself:
    only a trusted proxy's word is taken."""
    address = request.META.get("REMOTE_ADDR") or ""
    if address and settings.TRUSTED_PROXIES and _trusted(address):
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        while hops and _trusted(address):
            address = hops.pop()
    return address or None


class RequestContextMiddleware:
    """Gives every request an id (kept from X-Request-ID when well formed) for logs and audit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        rid = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = rid
        rid_token = request_id_var.set(rid)
        ip_token = client_ip_var.set(client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(rid_token)
            client_ip_var.reset(ip_token)
        response["X-Request-ID"] = rid
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        """A portal request whose transaction lost a deadlock (after its service's retries) wrote nothing:
        the person is told to send it again, not shown a server error. (The API answers its own 503.)"""
        from django.shortcuts import render

        from .db import is_retryable

        if not is_retryable(exc):
            return None
        response = render(request, "503.html", {"request_id": getattr(request, "request_id", "")}, status=503)
        response["Retry-After"] = "1"
        return response


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response; `Cache-Control: no-store` on
    every page a signed-in person sees and every API answer, so no browser or proxy keeps a copy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        csp = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if csp and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = csp
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        user = getattr(request, "user", None)
        if (getattr(user, "is_authenticated", False) or request.path.startswith("/api/")) and not response.has_header(
            "Cache-Control"
        ):
            response["Cache-Control"] = "no-store"
        return response
