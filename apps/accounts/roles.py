"""The roles (Django groups) and the permissions each one holds.

Patterns are `app_label.codename` globs over ChequeCloud's own apps. The data migration creates the
groups; after every `migrate` the groups are re-synced so that models added later (cheques, cases…)
are covered, e.g. auditors can read everything.
"""

from __future__ import annotations

from fnmatch import fnmatch

from django.apps import apps as global_apps

from .choices import Role

LOCAL_APP_LABELS = ("core", "accounts", "cheques", "transactions", "fraud", "compliance", "reporting")

_READ_MONEY = [
    "cheques.view_cheque",
    "cheques.view_chequestep",
    "cheques.view_chequefield",
    "transactions.view_customer",
    "transactions.view_bankaccount",
    "transactions.view_transaction",
    "transactions.view_journalentry",
    "transactions.view_transactionfile",
    "fraud.view_alert",
    "fraud.view_rule",
    "fraud.view_modelversion",
    "reporting.view_transactionrollup",
    "reporting.view_alertrollup",
]
_DRAFT_RULES = ["fraud.add_rule", "fraud.change_rule"]
# Working cases: team members see and work their team's cases (guardian object permissions).
_WORK_CASES = ["fraud.view_case", "fraud.add_case", "fraud.change_case", "fraud.view_caseevent",
               "fraud.view_caseattachment", "fraud.view_caseproposal"]  # fmt: skip

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ANALYST: [
        "accounts.view_team",
        *_READ_MONEY,
        *_DRAFT_RULES,
        *_WORK_CASES,
        "cheques.add_cheque",
        "cheques.key_cheque",
    ],
    Role.SUPERVISOR: [
        "accounts.view_team",
        "accounts.view_user",
        *_READ_MONEY,
        *_DRAFT_RULES,
        "fraud.approve_rule",
        "fraud.activate_modelversion",
        *_WORK_CASES,
        "cheques.add_cheque",
        "cheques.key_cheque",
        "cheques.retry_cheque",
        "reporting.export_report",
        "fraud.assign_case",
        "fraud.approve_case",
        "fraud.reopen_case",
        "transactions.add_customer",
        "transactions.add_bankaccount",
        "transactions.add_journalentry",
        "transactions.add_transactionfile",
        "core.view_exchangerate",
    ],
    Role.COMPLIANCE: [
        "accounts.view_team",
        "accounts.access_all_team",
        "accounts.view_user",
        *_READ_MONEY,
        *_DRAFT_RULES,
        "fraud.approve_rule",
        "transactions.view_full_account_number",
        *_WORK_CASES,
        "fraud.access_all_case",
        "core.view_exchangerate",
        "compliance.view_threshold",
        "compliance.add_threshold",
        "compliance.approve_threshold",
        "compliance.view_highriskjurisdiction",
        "compliance.add_highriskjurisdiction",
        "compliance.delete_highriskjurisdiction",
        "compliance.view_customerrisk",
        "compliance.change_customerrisk",
        "compliance.override_customerrisk",
        "compliance.view_identitydocument",
        "compliance.view_correctiveaction",
        "compliance.add_correctiveaction",
        "compliance.verify_correctiveaction",
        "compliance.view_actionevidence",
        "compliance.add_actionevidence",
        "compliance.add_identitydocument",
        "compliance.view_kpisnapshot",
        "compliance.view_scoresnapshot",
        "compliance.view_breach",
        "core.view_auditevent",
        "reporting.export_report",
    ],
    Role.AUDITOR: ["*.view_*", "*.access_all_*", "core.export_auditevent", "reporting.export_report"],
    # Reads the book, the dashboards and the reports; changes nothing.
    Role.MANAGER: [*_READ_MONEY, "reporting.export_report"],
    Role.ADMIN: [
        "accounts.*",
        "fraud.view_caseroute",
        "fraud.add_caseroute",
        "fraud.delete_caseroute",
        "core.view_auditevent",
        "core.export_auditevent",
        "core.view_failedtask",
        "core.retry_failedtask",
        "cheques.view_bankdirectoryload",
        "cheques.add_bankdirectoryload",
        "core.view_exchangerate",
        "core.add_exchangerate",
    ],
    Role.INTEGRATION: [
        "cheques.view_cheque",
        "cheques.add_cheque",
        "transactions.view_customer",
        "transactions.add_customer",
        "transactions.view_bankaccount",
        "transactions.add_bankaccount",
        "transactions.view_transaction",
        "transactions.add_transaction",
        "transactions.add_journalentry",
        "transactions.view_transactionfile",
        "transactions.add_transactionfile",
    ],
}

# Read-only roles never hold a write permission, whatever a pattern matches.
READ_ONLY_ROLES = {Role.AUDITOR}
_READ_PREFIXES = ("view_", "access_all_", "export_")


def permissions_for(role: str, available: list[tuple[str, str]]) -> list[tuple[str, str]]:
    patterns = ROLE_PERMISSIONS[role]
    chosen = [(app, code) for app, code in available if any(fnmatch(f"{app}.{code}", p) for p in patterns)]
    if role in READ_ONLY_ROLES:
        chosen = [(app, code) for app, code in chosen if code.startswith(_READ_PREFIXES)]
    return chosen


def sync_roles(apps=global_apps) -> None:
    """Create the role groups and set their permissions exactly. Safe to run any number of times."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = list(Permission.objects.filter(content_type__app_label__in=LOCAL_APP_LABELS).select_related("content_type"))
    by_key = {(p.content_type.app_label, p.codename): p for p in perms}
    for role in Role.values:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = [by_key[k] for k in permissions_for(role, list(by_key))]
        group.permissions.set(wanted)


def sync_roles_after_migrate(sender, app_config=None, using="default", apps=global_apps, **kwargs) -> None:
    if getattr(sender, "label", None) != "accounts":
        return
    from django.contrib.auth.management import create_permissions

    # Permissions are created per app by post_migrate; make sure every app's exist before syncing.
    for config in global_apps.get_app_configs():
        create_permissions(config, verbosity=0, using=using, apps=apps)
    sync_roles(apps)
