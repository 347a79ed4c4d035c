"""The portal's navigation: every app's pages, shown to those who hold their permission (it names the
pages of every app, so it lives above them all)."""

from django.conf import settings
from django.urls import reverse

# (label, url name, icon, permission or None for everyone signed in, url-name prefixes that mark it active)
MAIN_NAV = [
    ("Dashboard", "home", "speedometer2", None, ("home",)),
    ("Analytics", "reporting:analytics", "bar-chart-line", "reporting.view_transactionrollup",
     ("reporting:analytics",)),
    ("Reports", "reporting:reports", "file-earmark-bar-graph", "reporting.export_report", ("reporting:report",)),
    ("Alerts", "fraud:alerts", "bell", "fraud.view_alert", ("fraud:alert",)),
    ("Cases", "fraud:cases", "inboxes", "fraud.view_case", ("fraud:case",)),
    ("Cheques", "cheques:list", "card-image", "cheques.view_cheque",
     ("cheques:list", "cheques:upload", "cheques:detail", "cheques:retry", "cheques:key")),
    ("Transactions", "transactions:list", "arrow-left-right", "transactions.view_transaction",
     ("transactions:list", "transactions:detail", "transactions:ledger")),
    ("Files", "transactions:files", "file-earmark-spreadsheet", "transactions.view_transactionfile",
     ("transactions:file",)),
    ("Customers", "transactions:customers", "person-vcard", "transactions.view_customer", ("transactions:customer",)),
    ("Rules", "fraud:rules", "sliders2", "fraud.view_rule", ("fraud:rule",)),
    ("Models", "fraud:models", "cpu", "fraud.view_modelversion", ("fraud:model",)),
    ("Compliance", "compliance:dashboard", "shield-check", "compliance.view_kpisnapshot", ("compliance:",)),
    ("Teams", "accounts:team_list", "people", "accounts.view_team", ("accounts:team",)),
    ("Audit log", "core:audit_list", "journal-text", "core.view_auditevent", ("core:audit",)),
]  # fmt: skip
ADMIN_NAV = [
    ("Users", "accounts:user_list", "person-badge", "accounts.view_user", ("accounts:user",)),
    ("API tokens", "accounts:token_list", "key", "accounts.view_apitoken", ("accounts:token",)),
    ("Case routing", "fraud:case_routes", "signpost-split", "fraud.view_caseroute", ("fraud:case_route",)),
    ("Bank directory", "cheques:bank_directory", "bank", "cheques.view_bankdirectoryload", ("cheques:bank_directory",)),
    ("Exchange rates", "exchange_rates", "currency-exchange", "core.view_exchangerate", ("exchange_rates",)),
    ("Operations", "operations", "activity", "core.view_failedtask", ("operations",)),
    ("Failed tasks", "core:dead_letters", "exclamation-octagon", "core.view_failedtask", ("core:dead_letter",)),
]


def _items(user, entries, current: str) -> list[dict]:
    return [
        {"label": label, "url": reverse(name), "icon": icon, "active": bool(current) and current.startswith(prefixes)}
        for label, name, icon, perm, prefixes in entries
        if perm is None or user.has_perm(perm)
    ]


def portal(request):
    user = request.user
    match = request.resolver_match
    current = match.view_name if match else ""
    context = {"nav_main": [], "nav_admin": [], "bank_name": settings.BANK_NAME}
    if user.is_authenticated:
        context["nav_main"] = _items(user, MAIN_NAV, current)
        context["nav_admin"] = _items(user, ADMIN_NAV, current)
        if user.is_staff:
            context["nav_admin"].append(
                {"label": "Django admin", "url": reverse("admin:index"), "icon": "gear", "active": False}
            )
    return context
