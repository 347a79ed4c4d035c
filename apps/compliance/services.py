"""Writes of the compliance app: thresholds (drafted by one compliance officer, approved by another), AML
scenario runs, and the high-risk list."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone

from apps.core.money import currency_check
from apps.core.services import audit_record, model_snapshot

from .choices import ThresholdStatus, Unit
from .models import Threshold
from .profiles import METRICS, PROFILES

# The first version of a shipped metric applies to all history, so scenarios can be back-tested on it.
BEGINNING = date(1970, 1, 1)
_SNAPSHOT = [
    "metric",
    "version",
    "profile",
    "currency",
    "breach",
    "warning",
    "target",
    "weight",
    "effective_from",
    "status",
]


def _level(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        level = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise ValidationError({field: [f"{value!r} is not a number."]}) from None
    if not level.is_finite() or level < 0 or level >= Decimal("1e16"):
        raise ValidationError({field: ["A level is a number from 0 up to 10^16."]})
    return level.quantize(Decimal("0.01"))


def profile_load(*, profile: str | None = None) -> int:
    """Give every shipped metric that has no version yet its first approved version from `profile`
    (the bank's, `COMPLIANCE_PROFILE`): system-authored, in force from the beginning. Returns how many
    were created. Safe to run any number of times (after every migrate)."""
    profile = profile or settings.COMPLIANCE_PROFILE
    levels = PROFILES[profile]
    have = set(Threshold.objects.values_list("metric", flat=True))
    created = 0
    for metric, level in levels.items():
        if metric in have:
            continue
        spec = METRICS[metric]
        try:
            with transaction.atomic():
                Threshold.objects.create(
                    metric=metric, version=1, profile=profile, unit=spec.unit, currency=level.currency,
                    breach=level.breach, warning=level.warning, higher_is_worse=spec.higher_is_worse,
                    target=level.target, weight=level.weight,
                    source=level.source, effective_from=BEGINNING, status=ThresholdStatus.APPROVED,
                    reason=f"Shipped {profile.upper()} profile.", reviewed_at=timezone.now(),
                )  # fmt: skip
        except IntegrityError:  # another process loaded it first
            continue
        created += 1
    return created


def _kpi_levels(spec, target, weight, next_level: Decimal) -> tuple[Decimal | None, Decimal | None]:
    """A KPI's target (on the good side of its warning level) and weight (0-100); nothing for other metrics."""
    if not spec.domain:
        return None, None
    target_level, weight_level = _level(target, "target"), _level(weight, "weight")
    if target_level is None:
        raise ValidationError({"target": ["A KPI needs its target."]})
    if weight_level is None or weight_level > 100:
        raise ValidationError({"weight": ["A KPI's weight is a number from 0 to 100."]})
    wrong_side = target_level > next_level if spec.higher_is_worse else target_level < next_level
    if wrong_side:
        side = "at or below" if spec.higher_is_worse else "at or above"
        raise ValidationError({"target": [f"The target is {side} the warning level."]})
    return target_level, weight_level


def threshold_draft(*, actor, metric: str, breach, warning=None, currency: str = "", effective_from: date,
                    reason: str, profile: str | None = None, source: str | None = None, target=None,
                    weight=None) -> Threshold:  # fmt: skip
    """The next version of a metric, waiting for another compliance officer's approval. A KPI's version
    also carries its target (at least as good as the warning level) and its weight in the score."""
    if not actor.has_perm("compliance.add_threshold"):
        raise PermissionDenied("You may not draft thresholds.")
    if metric not in METRICS:
        raise ValidationError({"metric": [f"Unknown metric {metric!r}."]})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the threshold changes."]})
    spec = METRICS[metric]
    breach_level, warning_level = _level(breach, "breach"), _level(warning, "warning")
    if breach_level is None:
        raise ValidationError({"breach": ["The level is required."]})
    if warning_level is not None:
        wrong_side = warning_level > breach_level if spec.higher_is_worse else warning_level < breach_level
        if wrong_side:
            side = "below" if spec.higher_is_worse else "above"
            raise ValidationError({"warning": [f"The warning level comes before the breach level: {side} it."]})
    target_level, weight_level = _kpi_levels(
        spec, target, weight, warning_level if warning_level is not None else breach_level
    )
    if spec.unit == Unit.MONEY:
        currency = currency_check(currency)
    else:
        currency = ""
    if effective_from < timezone.localdate():
        raise ValidationError({"effective_from": ["A new version applies from today or a later day."]})
    with transaction.atomic():
        latest = Threshold.objects.select_for_update().filter(metric=metric).order_by("-version").first()
        version = (Threshold.objects.filter(metric=metric).aggregate(v=Max("version"))["v"] or 0) + 1
        threshold = Threshold.objects.create(
            metric=metric, version=version, unit=spec.unit, higher_is_worse=spec.higher_is_worse,
            profile=profile or (latest.profile if latest else settings.COMPLIANCE_PROFILE),
            currency=currency, breach=breach_level, warning=warning_level, target=target_level, weight=weight_level,
            source=source if source is not None else (latest.source if latest else ""),
            effective_from=effective_from, status=ThresholdStatus.PENDING, reason=reason, author=actor,
        )  # fmt: skip
        audit_record(actor=actor, action="threshold.draft", obj=threshold, reason=reason,
                     before=model_snapshot(latest, _SNAPSHOT) if latest else None,
                     after=model_snapshot(threshold, _SNAPSHOT))  # fmt: skip
    return threshold


def _review(*, actor, threshold: Threshold, approve: bool, note: str) -> Threshold:
    if not actor.has_perm("compliance.approve_threshold"):
        raise PermissionDenied("You may not approve thresholds.")
    with transaction.atomic():
        threshold = Threshold.objects.select_for_update().get(pk=threshold.pk)
        if threshold.status != ThresholdStatus.PENDING:
            raise ValidationError(
                f"This version is {threshold.get_status_display().lower()}, not waiting for approval."
            )
        if threshold.author_id == actor.pk:
            raise ValidationError("A threshold is approved by someone other than the officer who drafted it.")
        if approve and threshold.effective_from < timezone.localdate():
            raise ValidationError("Its first day has passed: draft it again with a day from today on.")
        threshold.status = ThresholdStatus.APPROVED if approve else ThresholdStatus.REJECTED
        threshold.reviewed_by, threshold.reviewed_at, threshold.review_note = actor, timezone.now(), note
        threshold.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        audit_record(actor=actor, action="threshold.approve" if approve else "threshold.reject", obj=threshold,
                     reason=note, after=model_snapshot(threshold, _SNAPSHOT))  # fmt: skip
    return threshold


def threshold_approve(*, actor, threshold: Threshold, note: str = "") -> Threshold:
    return _review(actor=actor, threshold=threshold, approve=True, note=note)


def threshold_reject(*, actor, threshold: Threshold, note: str) -> Threshold:
    if not (note or "").strip():
        raise ValidationError({"note": ["Say why it is rejected."]})
    return _review(actor=actor, threshold=threshold, approve=False, note=note.strip())


def profile_adopt(*, actor, profile: str, effective_from: date, reason: str) -> list[Threshold]:
    """Draft, for approval, the next version of every metric whose value differs under `profile`."""
    from .selectors import thresholds_current

    if profile not in PROFILES:
        raise ValidationError({"profile": [f"Unknown profile {profile!r}."]})
    current = thresholds_current()
    drafts = []
    with transaction.atomic():
        for metric, level in PROFILES[profile].items():
            now = current.get(metric)
            levels = (level.breach, level.warning, level.currency, level.target, level.weight)
            if now is not None and (now.breach, now.warning, now.currency, now.target, now.weight) == levels:
                continue
            drafts.append(threshold_draft(actor=actor, metric=metric, breach=level.breach, warning=level.warning,
                                          currency=level.currency, effective_from=effective_from, reason=reason,
                                          profile=profile, source=level.source, target=level.target,
                                          weight=level.weight))  # fmt: skip
    return drafts


# ------------------------------------------------------------------------------------ AML scenarios
def _merge(*lists) -> list:
    """Rows of several reads, each once, in time order."""
    seen, out = set(), []
    for row in sorted((r for rows in lists for r in rows), key=lambda r: (r.at, r.id)):
        if row.id not in seen:
            seen.add(row.id)
            out.append(row)
    return out


NAMES_AS_LIST = 20_000


def _rows_and_context(*, start, end, customers, chosen, levels, window_ids=None):
    """The rows the chosen scenarios need and what they read besides.

    The window is the transactions examined: those of [start, end), or, for a monitoring run, the ids it
    took (`window_ids`, (after, up to]). Each scenario reads from the window only the rows it needs
    (`Scenario.reads`), and the same rows of the window's customers from before it, as far back as its
    lookback; dormant accounts read two aggregates instead (each customer's first transaction in the
    window, and their latest before it), so the bulk of a card file is never turned into rows."""
    from django.db.models import Max, Min, Q

    from apps.transactions.models import Transaction

    from .models import HighRiskJurisdiction
    from .scenarios import rows_of

    if window_ids is not None:
        window = Transaction.objects.filter(pk__gt=window_ids[0], pk__lte=window_ids[1])
    else:
        window = Transaction.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        if customers is not None:
            window = window.filter(customer_ref__in=list(customers))
    window = window.exclude(customer_ref="")
    # The window's customers, named once (a list the database matches quickly), or for a sweep of many
    # thousands, as a subquery.
    names = list(window.order_by().values_list("customer_ref", flat=True).distinct()[: NAMES_AS_LIST + 1])
    names = names if len(names) <= NAMES_AS_LIST else window.values("customer_ref")
    # Their other rows: before the window, and (for a run by ids) those stored earlier that fall in the
    # window's time.
    look = max((s.lookback(levels) for s in chosen), default=timedelta(0))
    context = Transaction.objects.filter(customer_ref__in=names, occurred_at__gte=start - look)
    if window_ids is not None:
        context = context.filter(occurred_at__lt=end).exclude(pk__gt=window_ids[0], pk__lte=window_ids[1])
    else:
        context = context.filter(occurred_at__lt=start)
    ctx = {"start": start, "end": end, "window": window, "context": context,
           "listed": list(HighRiskJurisdiction.objects.values_list("country", flat=True))}  # fmt: skip
    in_window, furthest = Q(pk__in=[]), {}
    for scenario in chosen:
        reads = scenario.reads(levels, ctx)
        in_window |= reads
        if look := scenario.lookback(levels):  # the same rows (cash, say) read once, as far back as needed
            furthest[str(reads)] = (reads, max(look, furthest.get(str(reads), (None, look))[1]))
    # One query a kind of rows before the window: each then uses the index that fits it.
    before = [context.filter(reads, occurred_at__gte=start - look) for reads, look in furthest.values()]
    rows = _merge(rows_of(window.filter(in_window)), *(rows_of(q) for q in before))
    if any(s.code == "dormant-reactivated" for s in chosen):
        firsts = dict(window.order_by().values("customer_ref").annotate(at=Min("occurred_at"))
                      .values_list("customer_ref", "at"))  # fmt: skip
        earlier = Transaction.objects.filter(customer_ref__in=names, occurred_at__lt=start)
        last_before = dict(earlier.order_by().values("customer_ref").annotate(at=Max("occurred_at"))
                           .values_list("customer_ref", "at"))  # fmt: skip
        quiet = timedelta(days=int(levels["dormant_days"].breach))
        woken = [c for c, at in firsts.items() if c in last_before and at - last_before[c] > quiet]
        for customer in woken:  # the few candidates, exactly: their latest row before their first, by any id
            latest = Transaction.objects.filter(customer_ref=customer, occurred_at__lt=firsts[customer])
            last_before[customer] = latest.aggregate(at=Max("occurred_at"))["at"]
        woken = [c for c in woken if firsts[c] - last_before[c] > quiet]
        first_rows = {}
        for customer in woken:
            for row in rows_of(window.filter(customer_ref=customer, occurred_at=firsts[customer])):
                first_rows.setdefault(row.customer, row)
        ctx.update(last_before=last_before, first_in_window=first_rows)
    return rows, ctx


def scenarios_find(*, start, end, customers=None, codes=None, window_ids=None) -> tuple[list, set[str]]:
    """What the scenarios find in transactions of [start, end) (reading back as far as each needs),
    for some customers or all; and the currencies that had no exchange rate. Reads only."""
    from .scenarios import SCENARIOS, Money
    from .selectors import thresholds_current

    chosen = [SCENARIOS[c] for c in (codes or SCENARIOS)]
    levels = thresholds_current(on=timezone.localtime(end).date())
    rows, ctx = _rows_and_context(
        start=start, end=end, customers=customers, chosen=chosen, levels=levels, window_ids=window_ids
    )
    hits, missing = [], set()
    for scenario in chosen:
        currency = next((levels[m].currency for m in scenario.metrics if levels[m].currency), settings.BANK_CURRENCY)
        money = Money(currency)
        hits.extend(scenario.find(rows, levels, money, ctx))
        missing |= money.missing
    return hits, missing


def scenarios_run(*, start, end, customers=None, codes=None, window_ids=None) -> dict:
    """Run the scenarios and raise each new pattern once: a `ScenarioHit`, and an alert on the customer
    that gathers into a compliance case. Patterns found before are not raised again."""
    from apps.fraud.cases.services import COMPLIANCE_SUBJECT, cases_gather
    from apps.fraud.models import Alert
    from apps.fraud.rules.engine import severity_for

    from .models import ScenarioHit

    hits, missing = scenarios_find(start=start, end=end, customers=customers, codes=codes, window_ids=window_ids)
    if not hits:
        return {"found": 0, "raised": 0, "missing_rates": sorted(missing)}
    with transaction.atomic():
        keys = {(h.scenario, h.customer, h.period) for h in hits}
        seen = set(ScenarioHit.objects.filter(scenario__in={k[0] for k in keys}, subject__in={k[1] for k in keys})
                   .values_list("scenario", "subject", "period"))  # fmt: skip
        new = []
        for hit in hits:
            key = (hit.scenario, hit.customer, hit.period)
            if key in seen:
                continue
            seen.add(key)
            new.append(hit)
        alerts = [Alert(subject=f"{COMPLIANCE_SUBJECT}customer:{h.customer}", severity=severity_for(h.score),
                        score=h.score, decision="review", amount=h.amount, currency=h.currency,
                        reasons=[{"type": "scenario", "rule": h.scenario, "version": 1, "weight": h.score,
                                  "explanation": h.explanation, "transactions": h.rows[:50]}])
                  for h in new]  # fmt: skip
        Alert.objects.bulk_create(alerts, batch_size=1000)
        ScenarioHit.objects.bulk_create(
            [ScenarioHit(scenario=h.scenario, subject=h.customer, period=h.period, amount=h.amount,
                         currency=h.currency, transaction_ids=h.rows[:500], explanation=h.explanation[:500],
                         alert=a) for h, a in zip(new, alerts, strict=True)],
            batch_size=1000,
        )  # fmt: skip
        cases_gather(alerts=alerts)
        if new:
            by_scenario = {c: sum(1 for h in new if h.scenario == c) for c in {h.scenario for h in new}}
            run = {"from": start.isoformat(), "until": end.isoformat(), "raised": len(new), "by_scenario": by_scenario}
            audit_record(actor=None, action="aml.scenarios_run", after=run)
    return {"found": len(hits), "raised": len(new), "missing_rates": sorted(missing)}


MONITOR_BATCH = 250_000  # transactions a monitoring run takes at most; the next run takes the rest


def scenarios_monitor_new(*, batch: int = MONITOR_BATCH) -> dict:
    """The scenarios over the transactions stored since the last run, for their customers: the
    transactions after the cursor (in id order, at most `batch`), then the cursor moves on, in one
    database transaction with what the run raised. The cursor's row lock keeps two runs apart. A row
    that commits after a higher id was already taken is left to the hourly sweep."""
    from apps.transactions.models import Transaction

    from .models import MonitoringCursor

    with transaction.atomic():
        MonitoringCursor.objects.get_or_create(name="transactions")
        cursor = MonitoringCursor.objects.select_for_update().get(name="transactions")
        found = Transaction.objects.filter(pk__gt=cursor.last_id).order_by("pk").values_list("pk", flat=True)
        upper = list(found[batch - 1 : batch]) or [found.aggregate(last=Max("pk"))["last"]]
        if upper[0] is None:
            return {"transactions": 0, "raised": 0, "missing_rates": []}
        taken = Transaction.objects.filter(pk__gt=cursor.last_id, pk__lte=upper[0])
        count = taken.count()
        new = taken.exclude(customer_ref="")
        span = new.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
        result = {"raised": 0, "missing_rates": []}
        if span["first"] is not None:
            result = scenarios_run(start=span["first"], end=span["last"] + timedelta(microseconds=1),
                                   window_ids=(cursor.last_id, upper[0]))  # fmt: skip
        cursor.last_id = upper[0]
        cursor.save(update_fields=["last_id", "updated_at"])
    return {"transactions": count, "raised": result["raised"], "missing_rates": result["missing_rates"]}


def scenario_backtest(*, actor, code: str, start, end) -> dict:
    """What a scenario would raise on stored history with the thresholds in force at `end`, without
    raising anything: how many patterns, on how many customers, and the first examples."""
    from .scenarios import SCENARIOS

    if not actor.has_perm("compliance.view_threshold"):
        raise PermissionDenied("You may not back-test scenarios.")
    if code not in SCENARIOS:
        raise ValidationError({"scenario": [f"Unknown scenario {code!r}."]})
    if end <= start:
        raise ValidationError({"end": ["The end comes after the start."]})
    hits, missing = scenarios_find(start=start, end=end, codes=[code])
    result = {"scenario": code, "from": start.isoformat(), "until": end.isoformat(), "hits": len(hits),
              "customers": len({h.customer for h in hits}), "missing_rates": sorted(missing),
              "examples": [{"customer": h.customer, "explanation": h.explanation} for h in hits[:20]]}  # fmt: skip
    with transaction.atomic():
        audit_record(
            actor=actor, action="aml.scenario_backtest", after={k: v for k, v in result.items() if k != "examples"}
        )
    return result


# ------------------------------------------------------------------------------------ high-risk jurisdictions
FATF_LIST = Path(__file__).resolve().parent / "data" / "fatf-call-for-action.csv"


def jurisdiction_add(*, actor, country: str, reason: str):
    """Put a country on the bank's high-risk list (audited)."""
    from apps.transactions.aml import validate_country

    from .models import HighRiskJurisdiction

    if actor is not None and not actor.has_perm("compliance.add_highriskjurisdiction"):
        raise PermissionDenied("You may not change the high-risk list.")
    country = (country or "").strip().upper()
    if not country:
        raise ValidationError({"country": ["Name the country (ISO 3166-1 alpha-2, such as IR)."]})
    validate_country(country)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why (the list or finding it comes from)."]})
    with transaction.atomic():
        entry, created = HighRiskJurisdiction.objects.get_or_create(
            country=country, defaults={"reason": reason[:300], "added_by": actor}
        )
        if created:
            audit_record(
                actor=actor, action="jurisdiction.add", obj=entry, after={"country": country, "reason": reason}
            )
    return entry


def jurisdiction_remove(*, actor, entry, reason: str) -> None:
    if not actor.has_perm("compliance.delete_highriskjurisdiction"):
        raise PermissionDenied("You may not change the high-risk list.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why it comes off the list."]})
    with transaction.atomic():
        audit_record(actor=actor, action="jurisdiction.remove", obj=entry, reason=reason,
                     before={"country": entry.country, "reason": entry.reason})  # fmt: skip
        entry.delete()


def jurisdictions_add_fatf(*, actor) -> int:
    """Add the FATF's call-for-action list shipped in `data/` (see its README); returns how many were new."""
    import csv

    from .models import HighRiskJurisdiction

    before = HighRiskJurisdiction.objects.count()
    with FATF_LIST.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            jurisdiction_add(actor=actor, country=row["country"], reason=row["reason"])
    return HighRiskJurisdiction.objects.count() - before
