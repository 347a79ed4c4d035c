"""The permission matrix: every URL of the portal and the API, and what each role gets there.

Add a `Route` for every new URL pattern; `test_every_url_pattern_is_in_the_matrix` fails otherwise.

For each route and each role the expected answer is derived:
- anonymous: portal → redirect to sign-in, API → 401, public → 200;
- a role in `allowed` → 200 (on `obj`, the caller's own team's object);
- any other signed-in role → 403;
- on `other` (another team's object), an allowed role not in `other_allowed` → 404.
The integration client calls the API with a read-scoped token; it has no portal (a session of its
is signed out), so every portal URL sends it to sign in, whatever `allowed` says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

ANON = "anonymous"
NOROLE = "norole"
ANALYST = "analyst"
SUPERVISOR = "supervisor"
COMPLIANCE = "compliance"
AUDITOR = "auditor"
MANAGER = "manager"
ADMIN = "admin"
INTEGRATION = "integration"
ROLES = [ANON, NOROLE, ANALYST, SUPERVISOR, COMPLIANCE, AUDITOR, MANAGER, ADMIN, INTEGRATION]
SIGNED_IN = frozenset(ROLES) - {ANON}
STAFF = frozenset({ANALYST, SUPERVISOR, COMPLIANCE, AUDITOR, ADMIN})


def roles(*names: str) -> frozenset[str]:
    return frozenset(names)


@dataclass(frozen=True)
class Route:
    name: str
    allowed: frozenset[str]
    kind: str = "portal"  # portal | api | public
    kwargs: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # the caller's own object
    other: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # another team's object
    other_allowed: frozenset[str] = field(default_factory=frozenset)
    method: str = "get"
    data: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # request body (JSON)
    ok: int = 200
    multipart: bool = False  # send `data` as a form (file uploads)

    def expected(self, role: str, *, on_other: bool = False) -> int | str:
        if self.kind == "public":
            return 200
        if role == ANON or (role == INTEGRATION and self.kind == "portal"):
            return "login" if self.kind == "portal" else 401
        if role not in self.allowed:
            return 403
        if on_other and role not in self.other_allowed:
            return 404
        return self.ok


def _own_team(w):
    return {"pk": w["team"].pk}


def _other_team(w):
    return {"pk": w["other_team"].pk}


READERS_OF_TEAMS = roles(ANALYST, SUPERVISOR, COMPLIANCE, AUDITOR, ADMIN)
SEE_ALL_TEAMS = roles(COMPLIANCE, AUDITOR, ADMIN)
READERS_OF_USERS = roles(SUPERVISOR, COMPLIANCE, AUDITOR, ADMIN)
STAFF_READERS = roles(ANALYST, SUPERVISOR, COMPLIANCE, AUDITOR, MANAGER)  # alerts, rules
MONEY_READERS = STAFF_READERS | {INTEGRATION}  # customers, accounts, transactions
LEDGER_POSTERS = roles(SUPERVISOR, INTEGRATION)
MONEY_STAFF = MONEY_READERS  # portal pages follow the same permissions as the API
RULE_AUTHORS = roles(ANALYST, SUPERVISOR, COMPLIANCE)
REPORT_READERS = roles(SUPERVISOR, COMPLIANCE, AUDITOR, MANAGER)
FILE_UPLOADERS = roles(SUPERVISOR, INTEGRATION)
EXPENSE_CSV = (
    "transaction_id,employee_id,amount,location,description,timestamp\nM1,E1,12.00,Oslo,Taxi,2026-03-04 09:00\n"
)


def cheque_upload():
    from tests.cheques.images import cheque_image, upload

    return upload(cheque_image())


def directory_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.cheques.directory import SHIPPED

    return SimpleUploadedFile("fi.csv", SHIPPED["ca"].path.read_bytes(), "text/csv")


def csv_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("matrix.csv", EXPENSE_CSV.encode(), "text/csv")


PASSPORT_PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def passport_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("passport.pdf", PASSPORT_PDF, "application/pdf")


RULE_APPROVERS = roles(SUPERVISOR, COMPLIANCE)
CASE_READERS = roles(ANALYST, SUPERVISOR, COMPLIANCE, AUDITOR)
CASE_WORKERS = roles(ANALYST, SUPERVISOR, COMPLIANCE)
SEE_ALL_CASES = roles(COMPLIANCE, AUDITOR)


def _case(key):
    return lambda w: {"pk": w[key].pk}


def _step(key, step):
    return lambda w: {"pk": w[key].pk, "step": step}


def _today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


def _in_days(days: int) -> str:
    from datetime import timedelta

    from django.utils import timezone

    return (timezone.now() + timedelta(days=days)).isoformat()


def _new_case(w):
    return {"team": w["team"].pk, "title": "Tip-off", "customer_ref": "C-NEW", "priority": "high"}


TXN = {"external_id": "T-1", "customer_ref": "C-1", "amount": "25.00", "occurred_at": "2026-03-04T10:00:00Z"}

ROUTES: list[Route] = [
    # portal: core
    Route("home", SIGNED_IN),
    Route("core:audit_list", roles(COMPLIANCE, AUDITOR, ADMIN)),
    Route("core:audit_export", roles(AUDITOR, ADMIN)),
    # portal: accounts
    Route("accounts:profile", SIGNED_IN),
    Route("accounts:user_list", READERS_OF_USERS),
    Route("accounts:user_invite", roles(ADMIN)),
    Route("accounts:user_edit", roles(ADMIN), kwargs=lambda w: {"pk": w["subject_user"].pk}),
    Route(
        "accounts:role_grant_decide",
        roles(ADMIN),
        method="post",
        ok=302,
        kwargs=lambda w: {"pk": w["role_grant"].pk, "decision": "reject"},
    ),
    Route("accounts:team_list", READERS_OF_TEAMS),
    Route("accounts:team_create", roles(ADMIN)),
    Route("accounts:team_detail", READERS_OF_TEAMS, kwargs=_own_team, other=_other_team, other_allowed=SEE_ALL_TEAMS),
    Route("accounts:team_edit", roles(ADMIN), kwargs=_own_team, other=_other_team, other_allowed=roles(ADMIN)),
    Route("accounts:token_list", roles(AUDITOR, ADMIN)),
    Route("accounts:token_create", roles(ADMIN)),
    Route("accounts:token_revoke", roles(ADMIN), kwargs=lambda w: {"pk": w["token"].pk}),
    # portal: transactions, customers, ledger
    Route("transactions:list", MONEY_STAFF),
    Route("transactions:detail", MONEY_STAFF, kwargs=lambda w: {"pk": w["transaction"].pk}),
    Route("transactions:customers", MONEY_STAFF),
    Route("transactions:customer_detail", MONEY_STAFF, kwargs=lambda w: {"pk": w["customer"].pk}),
    Route("transactions:ledger", LEDGER_POSTERS),
    Route(
        "transactions:ledger",
        LEDGER_POSTERS,
        method="post",
        ok=302,
        data=lambda w: {"operation": "deposit", "account": w["account"].pk, "amount": "5.00"},
    ),
    Route("transactions:files", MONEY_READERS),
    Route("transactions:file_detail", MONEY_READERS, kwargs=lambda w: {"pk": w["file"].pk}),
    Route("transactions:file_errors", MONEY_READERS, kwargs=lambda w: {"pk": w["file"].pk}),
    Route("transactions:file_upload", FILE_UPLOADERS),
    Route(
        "transactions:file_retry", FILE_UPLOADERS, method="post", ok=302, kwargs=lambda w: {"pk": w["failed_file"].pk}
    ),
    Route(
        "transactions:file_upload",
        FILE_UPLOADERS,
        method="post",
        ok=302,
        data=lambda w: {"file": csv_upload(), "format": "expense"},
    ),
    # portal: alerts and rules
    Route("fraud:alerts", STAFF_READERS),
    Route("fraud:alerts_live", STAFF_READERS),
    Route("fraud:rules", STAFF_READERS),
    Route("fraud:rule_new", RULE_AUTHORS),
    Route("fraud:rule_detail", STAFF_READERS, kwargs=lambda w: {"pk": w["draft_rule"].pk}),
    Route("fraud:rule_submit", RULE_AUTHORS, method="post", ok=302, kwargs=lambda w: {"pk": w["draft_rule"].pk}),
    Route(
        "fraud:rule_backtest",
        RULE_AUTHORS,
        method="post",
        ok=302,
        kwargs=lambda w: {"pk": w["draft_rule"].pk},
        data=lambda w: {"start": "2026-01-01", "end": "2026-01-31"},
    ),
    Route("fraud:rule_approve", RULE_APPROVERS, method="post", ok=302, kwargs=lambda w: {"pk": w["pending_rule"].pk}),
    Route(
        "fraud:rule_reject",
        RULE_APPROVERS,
        method="post",
        ok=302,
        kwargs=lambda w: {"pk": w["pending_rule"].pk},
        data=lambda w: {"reason": "Too broad"},
    ),
    Route("fraud:models", STAFF_READERS),
    Route("fraud:model_detail", STAFF_READERS, kwargs=lambda w: {"pk": w["model"].pk}),
    Route(
        "fraud:model_activate",
        roles(SUPERVISOR),
        method="post",
        ok=302,
        kwargs=lambda w: {"pk": w["model"].pk},
        data=lambda w: {"reason": "Better on last week"},
    ),
    # portal: cases and failed tasks
    Route("fraud:cases", CASE_READERS),
    Route("fraud:case_new", CASE_WORKERS),
    Route("fraud:case_routes", roles(AUDITOR, ADMIN)),
    Route(
        "fraud:case_routes",
        roles(ADMIN),
        method="post",
        ok=302,
        data=lambda w: {"position": "10", "kind": "cheque", "team": w["team"].pk},
    ),
    Route("fraud:case_route_delete", roles(ADMIN), method="post", ok=302, kwargs=_case("case_route")),
    Route("fraud:case_new", CASE_WORKERS, method="post", ok=302, data=_new_case),
    Route("fraud:case_claim_next", CASE_WORKERS, method="post", ok=302),
    Route(
        "fraud:case_bulk_assign",
        roles(SUPERVISOR),
        method="post",
        ok=302,
        data=lambda w: {"case": [w["own_case"].pk], "assignee": w["users"][ANALYST].pk},
    ),
    Route(
        "fraud:case_detail",
        CASE_READERS,
        kwargs=_case("own_case"),
        other=_case("other_case"),
        other_allowed=SEE_ALL_CASES,
    ),
    Route(
        "fraud:case_step",
        CASE_WORKERS,
        method="post",
        ok=302,
        kwargs=_step("own_case", "comment"),
        other=_step("other_case", "comment"),
        other_allowed=roles(COMPLIANCE),
        data=lambda w: {"body": "Looked at it"},
    ),
    Route("fraud:case_step", roles(SUPERVISOR), method="post", ok=302, kwargs=_step("pending_case", "approve")),
    Route(
        "fraud:case_step",
        roles(SUPERVISOR),
        method="post",
        ok=302,
        kwargs=_step("closed_case", "reopen"),
        data=lambda w: {"reason": "New evidence"},
    ),
    Route(
        "fraud:case_attachment",
        CASE_READERS,
        kwargs=_case("own_attachment"),
        other=_case("other_attachment"),
        other_allowed=SEE_ALL_CASES,
    ),
    Route("core:dead_letters", roles(AUDITOR, ADMIN)),
    Route("operations", roles(AUDITOR, ADMIN)),
    Route("exchange_rates", roles(SUPERVISOR, COMPLIANCE, AUDITOR, ADMIN)),
    # portal: analytics and reports
    Route("reporting:analytics", STAFF_READERS),
    Route("reporting:reports", REPORT_READERS),
    Route("reporting:report", REPORT_READERS, kwargs=lambda w: {"slug": "fraud"}),
    # portal: compliance
    Route("compliance:dashboard", roles(COMPLIANCE, AUDITOR)),
    Route("compliance:kpi", roles(COMPLIANCE, AUDITOR), kwargs=lambda w: {"code": "kpi_kyc_overdue_high"}),
    Route("compliance:breaches", roles(COMPLIANCE, AUDITOR)),
    Route("compliance:thresholds", roles(COMPLIANCE, AUDITOR)),
    Route("compliance:scenarios", roles(COMPLIANCE, AUDITOR)),
    Route("compliance:jurisdictions", roles(COMPLIANCE, AUDITOR)),
    Route("compliance:actions", roles(COMPLIANCE, AUDITOR)),
    Route("compliance:action_new", roles(COMPLIANCE)),
    Route(
        "compliance:action_new",
        roles(COMPLIANCE),
        method="post",
        ok=302,
        data=lambda w: {"title": "T", "plan": "P", "owner": w["users"][ANALYST].pk, "due_on": _today()},
    ),
    Route("compliance:action_detail", roles(COMPLIANCE, AUDITOR), kwargs=_case("done_action")),
    Route(
        "compliance:action_detail",
        roles(COMPLIANCE),
        method="post",
        ok=302,
        kwargs=_case("done_action"),
        data=lambda w: {"step": "verify", "note": "Checked"},
    ),
    Route("compliance:action_evidence", roles(COMPLIANCE, AUDITOR), kwargs=_case("evidence")),
    Route(
        "compliance:jurisdictions",
        roles(COMPLIANCE),
        method="post",
        ok=302,
        data=lambda w: {"action": "add", "country": "IR", "reason": "FATF"},
    ),
    Route(
        "compliance:scenarios",
        roles(COMPLIANCE, AUDITOR),
        method="post",
        data=lambda w: {"scenario": "structuring", "start": "2026-01-01", "end": "2026-01-31"},
    ),
    Route("compliance:threshold_detail", roles(COMPLIANCE, AUDITOR), kwargs=lambda w: {"metric": "dormant_days"}),
    Route(
        "compliance:threshold_detail",
        roles(COMPLIANCE),
        method="post",
        ok=302,
        kwargs=lambda w: {"metric": "dormant_days"},
        data=lambda w: {"breach": "300", "effective_from": _today(), "reason": "Matrix"},
    ),
    Route(
        "compliance:threshold_review",
        roles(COMPLIANCE),
        method="post",
        ok=302,
        kwargs=_case("pending_threshold"),
        data=lambda w: {"decision": "approve"},
    ),
    Route("compliance:kyc_queue", roles(COMPLIANCE, AUDITOR)),
    Route("compliance:customer_risk", roles(COMPLIANCE, AUDITOR), kwargs=lambda w: {"pk": w["customer"].pk}),
    Route(
        "compliance:risk_step",
        roles(COMPLIANCE),
        method="post",
        ok=302,
        kwargs=lambda w: {"pk": w["customer"].pk, "step": "factors"},
        data=lambda w: {"factors-business_type": "salaried", "factors-channel": "remote", "factors-screening": "clear"},
    ),
    Route(
        "compliance:risk_step",
        roles(COMPLIANCE),
        method="post",
        ok=302,
        kwargs=lambda w: {"pk": w["customer"].pk, "step": "override"},
        data=lambda w: {"override-rating": "high", "override-reason": "Matrix"},
    ),
    Route(
        "compliance:risk_step",
        roles(COMPLIANCE),
        method="post",
        ok=302,
        kwargs=lambda w: {"pk": w["customer"].pk, "step": "review"},
        data=lambda w: {"review-note": "Matrix"},
    ),
    Route(
        "compliance:risk_step",
        roles(COMPLIANCE),
        method="post",
        ok=302,
        kwargs=lambda w: {"pk": w["customer"].pk, "step": "document"},
        data=lambda w: {"document-kind": "passport", "document-file": passport_upload()},
    ),
    Route("compliance:identity_document", roles(COMPLIANCE, AUDITOR), kwargs=_case("kyc_document")),
    Route(
        "exchange_rates",
        roles(ADMIN),
        method="post",
        ok=302,
        data=lambda w: {"action": "set", "currency": "INR", "per_base": "85.5", "valid_on": "2026-12-01"},
    ),
    Route("search", SIGNED_IN),
    Route("core:dead_letter_retry", roles(ADMIN), method="post", ok=302, kwargs=_case("failed_task")),
    # portal: cheques
    Route("cheques:list", MONEY_STAFF),
    Route("cheques:upload", roles(ANALYST, SUPERVISOR, INTEGRATION)),
    Route(
        "cheques:upload",
        roles(ANALYST, SUPERVISOR, INTEGRATION),
        method="post",
        ok=302,
        data=lambda w: {"front": cheque_upload()},
    ),
    Route("cheques:detail", MONEY_STAFF, kwargs=_case("cheque")),
    Route("cheques:retry", roles(SUPERVISOR), method="post", ok=302, kwargs=_case("failed_cheque")),
    Route("cheques:key_next", roles(ANALYST, SUPERVISOR), method="post", ok=302),
    Route("cheques:key", roles(ANALYST, SUPERVISOR), kwargs=_case("keying_cheque")),
    Route("cheques:bank_directory", roles(AUDITOR, ADMIN)),
    Route(
        "cheques:bank_directory",
        roles(ADMIN),
        method="post",
        ok=302,
        data=lambda w: {"country": "ca", "file": directory_upload(), "source": "Payments Canada"},
    ),
    # API: cheques, and their signed image links
    Route("api:cheque-list", MONEY_READERS, kind="api"),
    Route(
        "api:cheque-list",
        roles(ANALYST, SUPERVISOR),  # the matrix's token has no cheques:write scope
        kind="api",
        method="post",
        ok=201,
        multipart=True,
        data=lambda w: {"front": cheque_upload()},
    ),
    Route("api:cheque-detail", MONEY_READERS, kind="api", kwargs=_case("cheque")),
    Route("api:cheque-retry", roles(SUPERVISOR), kind="api", method="post", kwargs=_case("failed_cheque")),
    Route("cheques:image", SIGNED_IN, kind="public", kwargs=lambda w: {"token": w["cheque_image_token"]}),
    # API: cases
    Route("api:case-list", CASE_READERS, kind="api"),
    Route(
        "api:case-list",
        CASE_WORKERS,
        kind="api",
        method="post",
        ok=201,
        data=lambda w: {"team": w["team"].slug, "title": "Tip-off", "customer_ref": "C-NEW"},
    ),
    Route(
        "api:case-detail",
        CASE_READERS,
        kind="api",
        kwargs=_case("own_case"),
        other=_case("other_case"),
        other_allowed=SEE_ALL_CASES,
    ),
    Route("api:case-claim-next", CASE_WORKERS, kind="api", method="post"),
    Route(
        "api:case-claim",
        CASE_WORKERS,
        kind="api",
        method="post",
        kwargs=_case("own_case"),
        other=_case("other_case"),
        other_allowed=roles(COMPLIANCE),
    ),
    Route(
        "api:case-assign",
        roles(SUPERVISOR),
        kind="api",
        method="post",
        kwargs=_case("own_case"),
        other=_case("other_case"),
        data=lambda w: {"assignee": w["users"][ANALYST].pk},
    ),
    Route(
        "api:case-comment",
        CASE_WORKERS,
        kind="api",
        method="post",
        ok=201,
        kwargs=_case("own_case"),
        other=_case("other_case"),
        other_allowed=roles(COMPLIANCE),
        data=lambda w: {"body": "Called the customer"},
    ),
    Route(
        "api:case-escalate",
        CASE_WORKERS,
        kind="api",
        method="post",
        kwargs=_case("own_case"),
        data=lambda w: {"reason": "Looks organised"},
    ),
    Route(
        "api:case-snooze",
        CASE_WORKERS,
        kind="api",
        method="post",
        kwargs=_case("own_case"),
        data=lambda w: {"until": _in_days(3), "reason": "Waiting for the customer"},
    ),
    Route("api:case-resume", CASE_WORKERS, kind="api", method="post", kwargs=_case("escalated_case")),
    Route(
        "api:case-propose",
        CASE_WORKERS,
        kind="api",
        method="post",
        ok=201,
        kwargs=_case("escalated_case"),
        data=lambda w: {"outcome": "false_positive", "note": "Customer confirmed"},
    ),
    Route("api:case-approve", roles(SUPERVISOR), kind="api", method="post", kwargs=_case("pending_case")),
    Route(
        "api:case-reject",
        roles(SUPERVISOR),
        kind="api",
        method="post",
        kwargs=_case("pending_case"),
        data=lambda w: {"reason": "Need the bank statement"},
    ),
    Route(
        "api:case-reopen",
        roles(SUPERVISOR),
        kind="api",
        method="post",
        kwargs=_case("closed_case"),
        data=lambda w: {"reason": "New evidence"},
    ),
    # API
    Route("api:me", SIGNED_IN, kind="api"),
    Route("api:modelversion-list", STAFF_READERS, kind="api"),
    Route("api:modelversion-detail", STAFF_READERS, kind="api", kwargs=lambda w: {"pk": w["model"].pk}),
    Route(
        "api:modelversion-activate",
        roles(SUPERVISOR),
        kind="api",
        method="post",
        kwargs=lambda w: {"pk": w["model"].pk},
        data=lambda w: {"reason": "Better on last week"},
    ),
    Route("api:user-list", READERS_OF_USERS, kind="api"),
    Route("api:user-detail", READERS_OF_USERS, kind="api", kwargs=lambda w: {"pk": w["subject_user"].pk}),
    Route("api:team-list", READERS_OF_TEAMS, kind="api"),
    Route(
        "api:team-detail",
        READERS_OF_TEAMS,
        kind="api",
        kwargs=_own_team,
        other=_other_team,
        other_allowed=SEE_ALL_TEAMS,
    ),
    Route("api:auditevent-list", roles(COMPLIANCE, AUDITOR, ADMIN), kind="api"),
    Route(
        "api:auditevent-detail",
        roles(COMPLIANCE, AUDITOR, ADMIN),
        kind="api",
        kwargs=lambda w: {"pk": w["audit_event"].pk},
    ),
    Route("api-schema", SIGNED_IN, kind="api"),
    Route("api-docs", SIGNED_IN, kind="api"),
    # API: customers, accounts, the ledger, transactions
    Route("api:customer-list", MONEY_READERS, kind="api"),
    Route(
        "api:customer-list",
        roles(SUPERVISOR, INTEGRATION),
        kind="api",
        method="post",
        ok=201,
        data=lambda w: {"external_id": "C-NEW", "full_name": "New Customer"},
    ),
    Route("api:customer-detail", MONEY_READERS, kind="api", kwargs=lambda w: {"pk": w["customer"].pk}),
    Route("api:account-list", MONEY_READERS, kind="api"),
    Route(
        "api:account-list",
        roles(SUPERVISOR, INTEGRATION),
        kind="api",
        method="post",
        ok=201,
        data=lambda w: {"customer": w["customer"].external_id, "number": "NEWACC0001"},
    ),
    Route("api:account-detail", MONEY_READERS, kind="api", kwargs=lambda w: {"pk": w["account"].pk}),
    Route(
        "api:account-deposit",
        LEDGER_POSTERS,
        kind="api",
        method="post",
        ok=201,
        kwargs=lambda w: {"pk": w["account"].pk},
        data=lambda w: {"amount": "10.00"},
    ),
    Route(
        "api:account-withdraw",
        LEDGER_POSTERS,
        kind="api",
        method="post",
        ok=201,
        kwargs=lambda w: {"pk": w["account"].pk},
        data=lambda w: {"amount": "10.00"},
    ),
    Route(
        "api:account-transfer",
        LEDGER_POSTERS,
        kind="api",
        method="post",
        ok=201,
        kwargs=lambda w: {"pk": w["account"].pk},
        data=lambda w: {"amount": "10.00", "destination": w["other_account"].pk},
    ),
    Route("api:transaction-list", MONEY_READERS, kind="api"),
    Route("api:transaction-list", roles(INTEGRATION), kind="api", method="post", ok=201, data=lambda w: TXN),
    Route(
        "api:transaction-batch",
        roles(INTEGRATION),
        kind="api",
        method="post",
        ok=201,
        data=lambda w: {"transactions": [TXN, {**TXN, "external_id": "T-2"}]},
    ),
    Route("api:transactionfile-list", MONEY_READERS, kind="api"),
    Route(
        "api:transactionfile-list",
        FILE_UPLOADERS,
        kind="api",
        method="post",
        ok=202,
        multipart=True,
        data=lambda w: {"file": csv_upload(), "format": "expense"},
    ),
    Route("api:transactionfile-detail", MONEY_READERS, kind="api", kwargs=lambda w: {"pk": w["file"].pk}),
    Route("api:transactionfile-errors", MONEY_READERS, kind="api", kwargs=lambda w: {"pk": w["file"].pk}),
    Route(
        "api:transactionfile-retry",
        FILE_UPLOADERS,
        kind="api",
        method="post",
        kwargs=lambda w: {"pk": w["failed_file"].pk},
    ),
    Route("api:transaction-detail", MONEY_READERS, kind="api", kwargs=lambda w: {"pk": w["transaction"].pk}),
    # API: alerts and rules
    Route("api:alert-list", STAFF_READERS, kind="api"),
    Route("api:alert-detail", STAFF_READERS, kind="api", kwargs=lambda w: {"pk": w["alert"].pk}),
    # API: compliance
    Route("api:kpisnapshot-list", roles(COMPLIANCE, AUDITOR), kind="api"),
    Route("api:kpisnapshot-current", roles(COMPLIANCE, AUDITOR), kind="api"),
    Route("api:kpisnapshot-detail", roles(COMPLIANCE, AUDITOR), kind="api", kwargs=_case("kpi_point")),
    Route("api:scoresnapshot-list", roles(COMPLIANCE, AUDITOR), kind="api"),
    Route("api:scoresnapshot-detail", roles(COMPLIANCE, AUDITOR), kind="api", kwargs=_case("score_point")),
    Route("api:breach-list", roles(COMPLIANCE, AUDITOR), kind="api"),
    Route("api:breach-detail", roles(COMPLIANCE, AUDITOR), kind="api", kwargs=_case("breach")),
    Route("api:correctiveaction-list", roles(COMPLIANCE, AUDITOR), kind="api"),
    Route(
        "api:correctiveaction-list",
        roles(COMPLIANCE),
        kind="api",
        method="post",
        ok=201,
        data=lambda w: {"title": "T", "plan": "P", "owner": w["users"][ANALYST].pk, "due_on": _today()},
    ),
    Route("api:correctiveaction-detail", roles(COMPLIANCE, AUDITOR), kind="api", kwargs=_case("open_action")),
    Route("api:correctiveaction-start", roles(COMPLIANCE), kind="api", method="post", kwargs=_case("open_action")),
    Route(
        "api:correctiveaction-done",
        roles(COMPLIANCE),
        kind="api",
        method="post",
        kwargs=_case("open_action"),
        data=lambda w: {"note": "Done"},
    ),
    Route("api:correctiveaction-verify", roles(COMPLIANCE), kind="api", method="post", kwargs=_case("done_action")),
    Route(
        "api:correctiveaction-send-back",
        roles(COMPLIANCE),
        kind="api",
        method="post",
        kwargs=_case("done_action"),
        data=lambda w: {"note": "Attach the log"},
    ),
    Route("api:threshold-list", roles(COMPLIANCE, AUDITOR), kind="api"),
    Route(
        "api:threshold-list",
        roles(COMPLIANCE),
        kind="api",
        method="post",
        ok=201,
        data=lambda w: {"metric": "dormant_days", "breach": "300", "effective_from": _today(), "reason": "Matrix"},
    ),
    Route("api:threshold-detail", roles(COMPLIANCE, AUDITOR), kind="api", kwargs=_case("pending_threshold")),
    Route("api:threshold-approve", roles(COMPLIANCE), kind="api", method="post", kwargs=_case("pending_threshold")),
    Route(
        "api:threshold-reject",
        roles(COMPLIANCE),
        kind="api",
        method="post",
        kwargs=_case("pending_threshold"),
        data=lambda w: {"note": "Not yet"},
    ),
    Route("api:customerrisk-list", roles(COMPLIANCE, AUDITOR), kind="api"),
    Route("api:customerrisk-detail", roles(COMPLIANCE, AUDITOR), kind="api", kwargs=_case("customer_risk")),
    Route(
        "api:customerrisk-override",
        roles(COMPLIANCE),
        kind="api",
        method="post",
        kwargs=_case("customer_risk"),
        data=lambda w: {"rating": "high", "reason": "Matrix"},
    ),
    Route(
        "api:customerrisk-review",
        roles(COMPLIANCE),
        kind="api",
        method="post",
        kwargs=_case("customer_risk"),
        data=lambda w: {"note": "Matrix"},
    ),
    Route("api:rule-list", STAFF_READERS, kind="api"),
    Route(
        "api:rule-list",
        RULE_AUTHORS,
        kind="api",
        method="post",
        ok=201,
        data=lambda w: {
            "code": "matrix-new",
            "name": "N",
            "explanation": "E",
            "weight": 5,
            "condition": {"field": "amount", "op": "gt", "value": 1},
        },
    ),
    Route("api:rule-detail", STAFF_READERS, kind="api", kwargs=lambda w: {"pk": w["draft_rule"].pk}),
    Route("api:rule-submit", RULE_AUTHORS, kind="api", method="post", kwargs=lambda w: {"pk": w["draft_rule"].pk}),
    Route(
        "api:rule-backtest",
        RULE_AUTHORS,
        kind="api",
        method="post",
        kwargs=lambda w: {"pk": w["draft_rule"].pk},
        data=lambda w: {"start": "2026-01-01T00:00:00Z", "end": "2026-02-01T00:00:00Z"},
    ),
    Route("api:rule-approve", RULE_APPROVERS, kind="api", method="post", kwargs=lambda w: {"pk": w["pending_rule"].pk}),
    Route(
        "api:rule-reject",
        RULE_APPROVERS,
        kind="api",
        method="post",
        kwargs=lambda w: {"pk": w["pending_rule"].pk},
        data=lambda w: {"reason": "Too broad"},
    ),
    Route(
        "api:rule-retire",
        RULE_APPROVERS,
        kind="api",
        method="post",
        kwargs=lambda w: {"pk": w["active_rule"].pk},
        data=lambda w: {"reason": "Superseded"},
    ),
    # operations
    Route("health", SIGNED_IN, kind="public"),
    Route("metrics", SIGNED_IN, kind="public"),  # public from the monitoring network; see test_metrics_*
]

# URL names covered elsewhere, with the test that covers them.
EXEMPT_PREFIXES = {
    "admin:": "Django admin: tests/accounts/test_admin.py (staff only, signs in through allauth)",
    "account_": "allauth sign-in, sign-out, password: tests/accounts/test_login.py",
    "mfa_": "allauth MFA: tests/accounts/test_mfa.py",
    "socialaccount_": "allauth SSO connections: open only when OIDC is configured",
    "openid_connect_": "allauth OIDC callbacks: open only when OIDC is configured",
}


def all_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace: str = "") -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name:
                names.add(f"{namespace}{p.name}")

    walk(get_resolver().url_patterns)
    return names


def uncovered_url_names() -> set[str]:
    covered = {r.name for r in ROUTES}
    return {n for n in all_url_names() if n not in covered and not any(n.startswith(p) for p in EXEMPT_PREFIXES)} - {
        "api:api-root"
    }
