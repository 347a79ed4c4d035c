"""Scoring and alerts, and the rule lifecycle (draft → approval by another person → active)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.core.db import db_datetime, db_datetimes, prepare_insert
from apps.core.dispatch import dispatch_on_commit
from apps.core.services import audit_record, model_snapshot

from . import selectors
from .choices import RuleStatus, Severity
from .models import Alert, Rule
from .rules.conditions import ConditionError, evaluate, validate
from .rules.engine import CompiledRule, decision_for, judge, severity_for
from .rules.features import CUSTOMER_WINDOW, NEVER, Batch, from_micros, micros, money_text

RULE_FIELDS = ["code", "version", "name", "explanation", "condition", "weight", "status"]


# ------------------------------------------------------------------------------------- scoring
def explain(model, features: dict) -> list[dict]:
    """The features that pushed the model score up most: each one set back to its usual (training
    median) value in turn, all in one batched prediction."""
    names = model.feature_names
    rows = [features] + [{**features, n: model.reference.get(n)} for n in names]
    probs = model.probabilities(rows)
    effects = sorted(((probs[0] - probs[i + 1], n) for i, n in enumerate(names)), reverse=True)

    def number(v):
        return None if v is None else round(float(v), 4)

    return [
        {"feature": n, "value": number(features.get(n)), "usual": number(model.reference.get(n)),
         "effect": round(float(d) * 100, 1)}
        for d, n in effects[:3] if d > 0.005
    ]  # fmt: skip


@dataclass
class Verdicts:
    """The verdict on each transaction of a batch: score, decision, severity and reasons."""

    score: list[int]
    decision: list[str]
    severity: list[str]
    reasons: list[list[dict]]
    rule_set_version: str
    model_version: str

    def alerting(self) -> list[int]:
        return [i for i, d in enumerate(self.decision) if d != "approve"]


def assess(columns, rules: list[CompiledRule], rule_set_version: str, model=None) -> Verdicts:
    """The verdicts on a batch of transactions (`Columns`). The score is the higher of the rules' and
    the model's; the one place features become verdicts: single scoring, file ingestion and the
    simulator share it."""
    score, reasons = judge(columns, rules)
    if model is not None:
        model_score = np.rint(np.asarray(model.probabilities(columns), dtype=float) * 100).astype(np.int64)
        score = np.maximum(score, model_score)
        reasons = [
            sorted([*r, {"type": "model", "model": model.version, "weight": m,
                         "explanation": f"Model score {m}/100", "top_features": []}], key=lambda x: -x["weight"])
            for r, m in zip(reasons, model_score.tolist(), strict=True)
        ]  # fmt: skip
    block, review, high = settings.RISK_BLOCK_THRESHOLD, settings.RISK_REVIEW_THRESHOLD, settings.RISK_HIGH_SEVERITY
    decision = np.where(score >= block, "block", np.where(score >= review, "review", "approve")).tolist()
    severity = np.where(score >= high, Severity.HIGH, np.where(score >= review, Severity.MEDIUM, Severity.LOW))
    verdicts = Verdicts([int(x) for x in score.tolist()], decision, severity.tolist(), reasons, rule_set_version,
                        model.version if model is not None else "")  # fmt: skip
    if model is not None:
        for i in verdicts.alerting():
            for r in reasons[i]:
                if r["type"] == "model":
                    r["top_features"] = explain(model, columns.row(i))
    return verdicts


def _alert(txn, verdicts: Verdicts, i: int) -> Alert:
    subject = f"customer:{txn.customer_ref}" if txn.customer_ref else f"account:{txn.account_id}"
    return Alert(transaction=txn, subject=subject, severity=verdicts.severity[i], score=verdicts.score[i],
                 decision=verdicts.decision[i], reasons=verdicts.reasons[i])  # fmt: skip


def _apply(txn, verdicts: Verdicts, i: int) -> None:
    txn.score, txn.decision, txn.reasons = verdicts.score[i], verdicts.decision[i], verdicts.reasons[i]
    txn.rule_set_version, txn.model_version = verdicts.rule_set_version, verdicts.model_version


@dataclass
class Incoming:
    """New transactions as columns (their features' `Batch` and the rest of each row), to be scored
    and stored without a model instance per row."""

    batch: Batch
    source: str
    external_id: list[str]
    label: list[str]
    labelled_at: list[datetime | None]
    file_id: int | None = None
    aml: dict[str, list[str]] = field(default_factory=dict)  # `apps.transactions.aml.FIELDS`: a value a row

    @classmethod
    def of(cls, txns: list, tz) -> Incoming:
        from apps.transactions.aml import FIELDS

        return cls(Batch.of(txns, tz), txns[0].source if txns else "", [t.external_id for t in txns],
                   [t.label for t in txns], [t.labelled_at for t in txns],
                   aml={name: [getattr(t, name) or "" for t in txns] for name in FIELDS})  # fmt: skip

    @classmethod
    def of_rows(cls, rows, tz) -> Incoming:
        """From the transactions app's `NewRows` (a CSV file's chunk)."""
        from apps.transactions.choices import Label

        fraud_at = [micros(at) if label == Label.FRAUD and at else NEVER
                    for label, at in zip(rows.label, rows.labelled_at, strict=True)]  # fmt: skip
        from apps.transactions.aml import FIELDS

        aml = {name: rows.column(name) for name in FIELDS}
        batch = Batch(rows.t, None, rows.currency, rows.kind, rows.description, rows.location, rows.payee,
                      rows.terminal_id, rows.customer_ref, np.array(fraud_at, dtype=np.int64), rows.cents,
                      aml["channel"], aml["country"], aml["counterparty_country"])  # fmt: skip
        batch.clock(tz)
        return cls(batch, rows.source, rows.external_id, rows.label, rows.labelled_at, rows.file_id, aml)

    def instance(self, i: int):
        """Row `i` as an unsaved Transaction (the rows that raise an alert need one)."""
        from apps.transactions.models import Transaction

        b = self.batch
        return Transaction(
            source=self.source, kind=b.kind[i], external_id=self.external_id[i], customer_ref=b.customer_ref[i],
            terminal_id=b.terminal_id[i], payee=b.payee[i], amount=b.amount[i], currency=b.currency[i],
            occurred_at=from_micros(int(b.t[i])), location=b.location[i], description=b.description[i],
            label=self.label[i], labelled_at=self.labelled_at[i], file_id=self.file_id,
            **{name: values[i] for name, values in self.aml.items()},
        )  # fmt: skip


def incoming_score(incoming: Incoming, state) -> Verdicts:
    """Score new transactions (columns) with in-memory history (`selectors.FeatureState`, which they
    then join) and the active model (one batched prediction). Reads the database, writes nothing."""
    from .ml.registry import load_active

    batch = incoming.batch
    rules = selectors.active_rules()
    if not len(batch):  # every row of a chunk rejected: nothing to score (nor to predict on)
        return Verdicts([], [], [], [], selectors.rule_set_version(rules), "")
    state.seed(set(batch.customer_ref), set(batch.terminal_id), from_micros(int(batch.t.min())))
    return assess(state.features(batch), rules, selectors.rule_set_version(rules), load_active())


@dataclass
class Storable:
    """Scored transactions ready to write: the alerting rows as instances, the rest as a prepared
    INSERT (`apps.core.db.PreparedInsert`)."""

    rows: int
    verdicts: Verdicts
    alerting: list[int]
    instances: list
    insert: Any

    @property
    def alerts(self) -> int:
        return len(self.alerting)


def incoming_prepare(incoming: Incoming, verdicts: Verdicts) -> Storable:
    """Everything `incoming_store` writes, worked out without writing: the rows without an alert as
    an INSERT of columns, the others as model instances (their ids are needed)."""
    from apps.transactions.models import Transaction

    batch = incoming.batch
    alerting = verdicts.alerting()
    txns = []
    for i in alerting:
        txn = incoming.instance(i)
        _apply(txn, verdicts, i)
        txns.append(txn)
    rest = np.ones(len(batch), dtype=bool)
    rest[alerting] = False
    keep = np.flatnonzero(rest)
    pick = (lambda values: [values[i] for i in keep]) if len(alerting) else (lambda values: values)
    json_of: dict[int, str] = {}
    reasons = [json_of.get(id(r)) or json_of.setdefault(id(r), json.dumps(r)) for r in pick(verdicts.reasons)]
    now = timezone.now()
    stored: dict = {None: None}  # labels mostly share one time: convert each distinct one once
    insert = prepare_insert(Transaction, len(keep), {
        "external_id": pick(incoming.external_id), "source": incoming.source, "kind": pick(batch.kind),
        "customer_ref": pick(batch.customer_ref), "terminal_id": pick(batch.terminal_id), "payee": pick(batch.payee),
        "amount": money_text(batch.cents[keep]), "currency": pick(batch.currency),
        "occurred_at": db_datetimes(batch.t[keep]),
        "location": pick(batch.location), "description": pick(batch.description), "score": pick(verdicts.score),
        "decision": pick(verdicts.decision), "reasons": reasons, "model_version": verdicts.model_version,
        "rule_set_version": verdicts.rule_set_version, "label": pick(incoming.label),
        "labelled_at": [stored[v] if v in stored else stored.setdefault(v, db_datetime(v))
                        for v in pick(incoming.labelled_at)],
        "created_at": db_datetime(now), "file_id": incoming.file_id,
        **_aml_columns(incoming.aml, pick),
    })  # fmt: skip
    return Storable(len(batch), verdicts, alerting, txns, insert)


def _aml_columns(aml: dict[str, list[str]], pick) -> dict[str, Any]:
    """The AML columns of the rows without an alert, for their INSERT, the account encrypted as its field
    stores it. A column blank in every row (a file without it) is left to the database's default (blank),
    so such a file's INSERT is as narrow as before."""
    from apps.transactions.models import Transaction

    columns: dict[str, Any] = {}
    for name, values in aml.items():
        if not any(values):
            continue
        if name == "counterparty_account":
            encrypted = Transaction._meta.get_field(name)
            columns[name] = [encrypted.get_prep_value(v) for v in pick(values)]
        else:
            columns[name] = pick(values)
    return columns


def incoming_store(storable: Storable) -> tuple[int, list[Alert]]:
    """Insert prepared transactions and their alerts in bulk. Returns (rows stored, alerts). Call
    inside the caller's transaction."""
    from apps.transactions.models import Transaction

    Transaction.objects.bulk_create(storable.instances, batch_size=2000)
    storable.insert.run()
    alerts = [_alert(txn, storable.verdicts, i) for txn, i in zip(storable.instances, storable.alerting, strict=True)]
    Alert.objects.bulk_create(alerts, batch_size=2000)  # each alert's transaction now has its id
    alerts_raised(alerts)
    return storable.rows, alerts


def incoming_store_scored(incoming: Incoming, state) -> tuple[int, list[Alert]]:
    """`incoming_score`, then `incoming_prepare` and `incoming_store`. Call inside the caller's
    transaction."""
    return incoming_store(incoming_prepare(incoming, incoming_score(incoming, state)))


def transactions_store_scored(txns: list, state) -> tuple[int, list[Alert]]:
    """`incoming_store_scored` for unsaved Transaction instances (the simulator, tests)."""
    return incoming_store_scored(Incoming.of(txns, state.tz), state)


def transaction_store_scored(txn) -> Alert | None:
    """Score one unsaved transaction against its history in the database, then insert it and its
    alert (one INSERT each). Call inside the caller's transaction."""
    return transaction_store(txn, transaction_score(txn))


def transaction_score(txn) -> Verdicts:
    """The verdict on one unsaved transaction, its history read from the database. Reads only: the
    API scores before it opens its write transaction (on SQLite that transaction holds the database's
    one write lock, which the other workers then wait for)."""
    from .ml.registry import load_active

    rules = selectors.active_rules()
    return assess(selectors.features_from_db(txn), rules, selectors.rule_set_version(rules), load_active())


def transaction_store(txn, verdicts: Verdicts) -> Alert | None:
    """Insert one scored transaction and, if it alerts, its alert (gathered into a case). Call inside
    the caller's transaction."""
    _apply(txn, verdicts, 0)
    txn.save()
    alert = None
    if verdicts.alerting():
        alert = _alert(txn, verdicts, 0)
        alert.save()
        alerts_raised([alert])
    txn.__class__.alert.related.set_cached_value(txn, alert)  # the response reads it without a query
    return alert


def cheque_flag(*, cheque, score: int, reasons: list[dict]) -> Alert:
    """A cheque the pipeline flagged becomes an alert (and so a case in the queue). Call inside the
    transaction that routes the cheque."""
    alert = Alert.objects.create(cheque=cheque, subject=f"cheque:{cheque.pk}", severity=severity_for(score),
                                 score=score, decision=decision_for(score), reasons=reasons)  # fmt: skip
    alerts_raised([alert])
    return alert


def alerts_raised(alerts: list[Alert]) -> None:
    """Gather new (saved) alerts into cases in the same transaction, so they are in a queue the moment
    the caller commits; after commit, notify staff of the high-severity ones (one message per batch)."""
    from .cases.services import cases_gather
    from .tasks import notify_alerts

    cases_gather(alerts=alerts)
    high = [a.pk for a in alerts if a.severity == Severity.HIGH]
    if high:
        dispatch_on_commit(notify_alerts, high)


def _what(alert: Alert) -> str:
    if alert.transaction_id:
        return f"{alert.transaction.amount} {alert.transaction.currency}"
    if alert.cheque_id:
        amount = alert.cheque.declared_amount
        return f"cheque #{alert.cheque_id}" + (f", {amount} {alert.cheque.declared_currency}" if amount else "")
    return ""


def alerts_notify(*, alert_ids: list[int]) -> dict:
    """Email supervisors and compliance officers (and ALERT_NOTIFY_EMAILS); publish to SNS and send a
    signed webhook when those are configured."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from apps.accounts.choices import Role
    from apps.core.notify import publish_sns, send_email

    alerts = list(Alert.objects.filter(pk__in=alert_ids).select_related("transaction", "cheque"))
    if not alerts:
        return {"emails": 0, "sns": None, "webhook": None}
    staff = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[Role.SUPERVISOR, Role.COMPLIANCE])
        .values_list("email", flat=True)
    )
    recipients = [*staff, *settings.ALERT_NOTIFY_EMAILS]
    lines = [
        f"- {a.get_severity_display()} {a.score}: {a.subject}, "
        f"{_what(a)} — {a.reasons[0]['explanation'] if a.reasons else ''}"
        for a in alerts
    ]
    link = settings.PORTAL_BASE_URL.rstrip("/") + reverse("fraud:alerts")
    subject = f"{len(alerts)} new high-severity alert{'s' if len(alerts) > 1 else ''}"
    sent = send_email(subject=subject, body="\n".join([*lines, "", f"Open the alerts: {link}"]), recipients=recipients)
    payload = {
        "alerts": [
            {"id": a.pk, "severity": a.severity, "score": a.score, "subject": a.subject,
             "reasons": [r.get("rule") or r.get("model") for r in a.reasons]}
            for a in alerts
        ]
    }  # fmt: skip
    message_id = publish_sns(subject=subject, payload=payload)
    webhook = None
    if settings.ALERT_WEBHOOK_URL:
        from apps.core.models import WebhookDelivery
        from apps.core.tasks import deliver_webhook

        webhook = WebhookDelivery.objects.create(url=settings.ALERT_WEBHOOK_URL, event="alerts.high", payload=payload)
        dispatch_on_commit(deliver_webhook, webhook.pk)
    return {"emails": sent, "sns": message_id, "webhook": webhook.pk if webhook else None}


# ------------------------------------------------------------------------------------- rules
def _check_condition(condition: Any) -> None:
    try:
        validate(condition)
    except ConditionError as exc:
        raise ValidationError({"condition": [str(exc)]}) from exc


def rule_draft_create(*, actor, code: str, name: str, explanation: str, condition: dict, weight: int) -> Rule:
    """A new draft: a new rule, or the next version of an existing code."""
    _check_condition(condition)
    if not 0 <= weight <= 100:
        raise ValidationError({"weight": ["The weight is from 0 to 100."]})
    with transaction.atomic():
        if Rule.objects.filter(code=code, status__in=[RuleStatus.DRAFT, RuleStatus.PENDING]).exists():
            raise ValidationError({"code": ["This rule already has a draft or a version waiting for approval."]})
        last = Rule.objects.filter(code=code).aggregate(v=Max("version"))["v"] or 0
        rule = Rule.objects.create(
            code=code, version=last + 1, name=name, explanation=explanation, condition=condition, weight=weight,
            author=actor,
        )  # fmt: skip
        audit_record(actor=actor, action="rule.draft", obj=rule, after=model_snapshot(rule, RULE_FIELDS))
    return rule


def rule_draft_update(*, actor, rule: Rule, **changes) -> Rule:
    if rule.status != RuleStatus.DRAFT:
        raise ValidationError("Only a draft can be edited; start a new version instead.")
    if "condition" in changes:
        _check_condition(changes["condition"])
    with transaction.atomic():
        before = model_snapshot(rule, RULE_FIELDS)
        for name in ("name", "explanation", "condition", "weight"):
            if name in changes:
                setattr(rule, name, changes[name])
        rule.backtest = None  # a changed rule must be back-tested again
        rule.save()
        audit_record(actor=actor, action="rule.edit", obj=rule, before=before, after=model_snapshot(rule, RULE_FIELDS))
    return rule


def rule_submit(*, actor, rule: Rule) -> Rule:
    if rule.status != RuleStatus.DRAFT:
        raise ValidationError("Only a draft can be submitted for approval.")
    with transaction.atomic():
        rule.status = RuleStatus.PENDING
        rule.save(update_fields=["status"])
        audit_record(actor=actor, action="rule.submit", obj=rule)
    return rule


def rule_approve(*, actor, rule: Rule, reason: str = "") -> Rule:
    """Maker-checker: someone other than the author activates it; the previous version retires."""
    if not actor.has_perm("fraud.approve_rule"):
        raise PermissionDenied("You may not approve rules.")
    if rule.author_id is not None and rule.author_id == actor.pk:
        raise ValidationError("A rule must be approved by someone other than its author.")
    with transaction.atomic():
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
        if rule.status != RuleStatus.PENDING:
            raise ValidationError("Only a rule waiting for approval can be approved.")
        now = timezone.now()
        Rule.objects.filter(code=rule.code, status=RuleStatus.ACTIVE).update(status=RuleStatus.RETIRED, retired_at=now)
        rule.status, rule.approved_by, rule.activated_at = RuleStatus.ACTIVE, actor, now
        rule.save(update_fields=["status", "approved_by", "activated_at"])
        audit_record(actor=actor, action="rule.approve", obj=rule, reason=reason)
        transaction.on_commit(selectors.forget_active)
    return rule


def rule_reject(*, actor, rule: Rule, reason: str) -> Rule:
    if not actor.has_perm("fraud.approve_rule"):
        raise PermissionDenied("You may not reject rules.")
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the rule is sent back."]})
    with transaction.atomic():
        if rule.status != RuleStatus.PENDING:
            raise ValidationError("Only a rule waiting for approval can be rejected.")
        rule.status = RuleStatus.REJECTED
        rule.save(update_fields=["status"])
        audit_record(actor=actor, action="rule.reject", obj=rule, reason=reason)
    return rule


def rule_retire(*, actor, rule: Rule, reason: str) -> Rule:
    if rule.status != RuleStatus.ACTIVE:
        raise ValidationError("Only an active rule can be retired.")
    with transaction.atomic():
        rule.status, rule.retired_at = RuleStatus.RETIRED, timezone.now()
        rule.save(update_fields=["status", "retired_at"])
        audit_record(actor=actor, action="rule.retire", obj=rule, reason=reason)
        transaction.on_commit(selectors.forget_active)
    return rule


def rule_backtest(*, actor, rule: Rule, start: datetime, end: datetime) -> dict[str, Any]:
    """How many alerts the rule would have raised on stored history, and precision/recall where the
    transactions carry labels. The result is kept on the rule."""
    from apps.transactions.selectors import transactions_between

    if start >= end:
        raise ValidationError("The back-test period must end after it starts.")
    compiled = selectors.compile_rules([rule])[0]
    total = fired = tp = fp = fn = labelled = 0
    examples: list[int] = []
    for txns, columns in selectors.iter_feature_batches(transactions_between(start, end, history=CUSTOMER_WINDOW)):
        hits = evaluate(compiled.condition, columns).tolist()
        for txn, hit in zip(txns, hits, strict=True):
            if txn.occurred_at < start:
                continue  # warm-up history only
            total += 1
            fired += hit
            if hit and len(examples) < 20:
                examples.append(txn.pk)
            if txn.label:
                labelled += 1
                is_fraud = txn.label == "fraud"
                tp += hit and is_fraud
                fp += hit and not is_fraud
                fn += (not hit) and is_fraud
    result = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "transactions": total,
        "alerts": fired,
        "labelled": labelled,
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "recall": round(tp / (tp + fn), 4) if tp + fn else None,
        "examples": examples,
        "run_by": actor.get_username() if actor else "system",
        "run_at": timezone.now().isoformat(),
    }
    with transaction.atomic():
        Rule.objects.filter(pk=rule.pk).update(backtest=result)
        audit_record(actor=actor, action="rule.backtest", obj=rule, after=result)
    rule.backtest = result
    return result
