from django.conf import settings
from django.urls import reverse


def _nav(user):
    if not user.is_authenticated:
        return []
    items = [("Dashboard", reverse("core:home"), "speedometer2", "core:home")]
    if user.has_perm("accounts.view_team"):
        items.append(("Teams", reverse("accounts:team_list"), "people", "accounts:team"))
    if user.has_perm("core.view_auditevent"):
        items.append(("Audit log", reverse("core:audit_list"), "journal-text", "core:audit"))
    admin_items = []
    if user.has_perm("accounts.view_user"):
        admin_items.append(("Users", reverse("accounts:user_list"), "person-badge", "accounts:user"))
    if user.has_perm("accounts.view_apitoken"):
        admin_items.append(("API tokens", reverse("accounts:token_list"), "key", "accounts:token"))
    if user.is_staff:
        admin_items.append(("Django admin", reverse("admin:index"), "gear", "admin:"))
    return [{"label": label, "url": url, "icon": icon, "match": match} for label, url, icon, match in items], [
        {"label": label, "url": url, "icon": icon, "match": match} for label, url, icon, match in admin_items
    ]


def portal(request):
    nav = _nav(request.user)
    main, admin = nav if nav else ([], [])
    match = request.resolver_match
    current = f"{match.namespace}:{match.url_name}" if match and match.namespace else (match.url_name if match else "")
    return {"nav_main": main, "nav_admin": admin, "nav_current": current or "", "bank_name": settings.BANK_NAME}
