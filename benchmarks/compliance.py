"""Compliance benchmarks (`make bench`). Prints its figures; copy them to docs/benchmarks.md.

The book: BENCH_TXNS transactions (default 1,000,000) over the last 90 days by BENCH_CUSTOMERS customers
(default 100,000), each with an account and a KYC record (ratings from mixed stated factors, some
overridden, some reviews overdue). Most transactions are card payments; the rest cash deposits and
withdrawals, transfers and wires (to other countries, a few to the FATF's call-for-action list, some in
round thousands), with planted patterns: cash over the report amount, a few thousand deposits just
below it (some in structuring runs), inflows that leave again within hours, dormant customers. Plus a
few hundred compliance cases, corrective actions and audited views of full account numbers, and 90
days of score history. Built with bulk_create, 10,000 rows a transaction.

- Full scenario sweep: `scenarios_run` over the last AML_SWEEP_DAYS (what the hourly `sweep_scenarios`
  task runs), the first run (raises everything) and a second one (raises nothing new). BENCH_PROFILE=1
  adds each stage's time and a cProfile of the scenarios' read and search (`scenarios_find`), and a
  cProfile of monitoring run again over the ingested file.
- KPI recompute: `score_refresh()` (every KPI of the compliance score measured, today's points
  stored), five runs: p50 and max, and the slowest KPIs.
- The compliance dashboard: GET /compliance/ as a signed-in compliance officer, p50/p95 over 100
  requests and queries per request.
- Monitoring's cost on CSV ingest: a BENCH_ROWS-row (default 200,000) card file of the book's first
  customers through the file pipeline (as `ingest.py`), then `scenarios_monitor_new()` run until it
  has nothing left; its time as a share of the ingest's.

In-process (Django's test client, no network or web server), on a throw-away database of whichever
backend DATABASE_URL selects (SQLite by default), with the settings of `make run`.
"""

from __future__ import annotations

import cProfile
import csv
import io
import os
import pstats
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from common import percentile, setup

N_TXNS = int(os.environ.get("BENCH_TXNS", "1000000"))
N_CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "100000"))
N_ROWS = int(os.environ.get("BENCH_ROWS", "200000"))
PROFILE = os.environ.get("BENCH_PROFILE", "") == "1"
DAYS = 90
BATCH = 10_000
DAY = 86_400.0

# (kind, channel, direction) of each category of row, and its share of the ordinary rows.
CARD, CASH_IN, CASH_OUT, WIRE_IN, WIRE_OUT, XFER_IN, XFER_OUT = range(7)
CATEGORIES = [("payment", "card", "out"), ("deposit", "cash", "in"), ("withdrawal", "cash", "out"),
              ("transfer", "wire", "in"), ("transfer", "wire", "out"), ("transfer", "transfer", "in"),
              ("transfer", "transfer", "out")]  # fmt: skip
SHARES = [0.80, 0.035, 0.035, 0.025, 0.025, 0.04, 0.04]
ABROAD = ["GB", "DE", "FR", "MX", "CA", "IN", "CN", "JP", "BR", "AE", "SG", "CH", "NG", "PH"]
LISTED = ["KP", "IR", "MM"]


def _book(rng: np.random.Generator, n: int, customers: int) -> dict[str, np.ndarray]:
    """Columns of the book's rows in the last 90 days: customer index, seconds before now, category,
    amount, counterparty country index (-1 none, ≥ len(ABROAD): a listed country)."""
    activity = rng.gamma(1.0, 1.0, customers)
    activity /= activity.sum()
    wire_customers = rng.choice(customers, size=max(1, customers // 10), replace=False)  # businesses
    cats = rng.choice(len(SHARES), size=n, p=SHARES)
    cust = rng.choice(customers, size=n, p=activity)
    wires = (cats == WIRE_IN) | (cats == WIRE_OUT)
    cust[wires] = rng.choice(wire_customers, size=int(wires.sum()))
    ago = rng.uniform(0, DAYS * DAY, n)
    amount = np.empty(n)
    for cat, (mu, sigma, low, high) in {
        CARD: (3.5, 1.0, 0.5, 5_000), CASH_IN: (5.5, 1.0, 10, 7_900), CASH_OUT: (5.0, 0.8, 20, 5_000),
        WIRE_IN: (7.5, 1.2, 100, 250_000), WIRE_OUT: (7.5, 1.2, 100, 250_000), XFER_IN: (7.8, 0.4, 200, 20_000),
        XFER_OUT: (5.5, 1.0, 10, 10_000),
    }.items():  # fmt: skip
        mask = cats == cat
        amount[mask] = np.clip(rng.lognormal(mu, sigma, int(mask.sum())), low, high)
    rounded = wires & (rng.random(n) < 0.1) & (amount >= 1000)
    amount[rounded] = np.round(amount[rounded], -3)
    country = np.full(n, -1)
    country[wires] = rng.integers(0, len(ABROAD), int(wires.sum()))
    country[wires & (rng.random(n) < 0.01)] = len(ABROAD) + rng.integers(0, len(LISTED))
    cols = {"cust": cust, "ago": ago, "cat": cats, "amount": amount, "cc": country}

    def add(c, a, k, amt, cc=None) -> None:
        for key, value in (("cust", c), ("ago", a), ("cat", k), ("amount", amt),
                           ("cc", cc if cc is not None else np.full(len(c), -1))):  # fmt: skip
            cols[key] = np.concatenate([cols[key], np.asarray(value)])

    # Cash over the report amount (one deposit or withdrawal of 10,000-30,000).
    k = max(1, n // 2000)
    add(rng.integers(0, customers, k), rng.uniform(0, DAYS * DAY, k), rng.choice([CASH_IN, CASH_OUT], k),
        rng.uniform(10_000, 30_000, k))  # fmt: skip
    # Just below it: runs of 3-4 deposits within 6 days (structuring), and single ones.
    runs = max(1, n // 2500)
    for size in (3, 4):
        c, start = rng.integers(0, customers, runs // 2), rng.uniform(6 * DAY, DAYS * DAY, runs // 2)
        for _ in range(size):
            add(c, start - rng.uniform(0, 6 * DAY, runs // 2), np.full(runs // 2, CASH_IN),
                rng.uniform(8_000, 9_990, runs // 2))  # fmt: skip
    k = max(1, n // 625)
    add(rng.integers(0, customers, k), rng.uniform(0, DAYS * DAY, k), np.full(k, CASH_IN), rng.uniform(8_000, 9_990, k))
    # An inflow that mostly leaves within hours (rapid movement): a wire in, then one out.
    k = max(1, n // 5000)
    c, start = rng.choice(wire_customers, k), rng.uniform(2 * DAY, DAYS * DAY, k)
    inflow = rng.uniform(10_000, 50_000, k)
    add(c, start, np.full(k, WIRE_IN), inflow, rng.integers(0, len(ABROAD), k))
    add(c, start - rng.uniform(2 * 3600, 40 * 3600, k), np.full(k, WIRE_OUT), inflow * rng.uniform(0.85, 1.0, k),
        rng.integers(0, len(ABROAD), k))  # fmt: skip
    return cols


def main() -> None:
    setup("compliance")
    from django.conf import settings
    from django.core.files import File
    from django.db import connection, transaction
    from django.db.models import Count, Max
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from apps.accounts.choices import Role
    from apps.compliance import services as compliance
    from apps.compliance.choices import BusinessType, Domain, OnboardingChannel, ScreeningResult
    from apps.compliance.kyc.rating import Facts, add_years, kyc_state, rate, review_years_metric
    from apps.compliance.models import (
        CorrectiveAction,
        CustomerRisk,
        KpiSnapshot,
        MonitoringCursor,
        ScenarioHit,
        ScoreSnapshot,
    )
    from apps.compliance.score.kpis import KPIS
    from apps.compliance.score.services import context, kpi_grade, kpi_measure, score_refresh, weighted
    from apps.compliance.selectors import thresholds_current
    from apps.core.crypto import blind_index
    from apps.core.models import AuditEvent
    from apps.core.services import PII_VIEW_ACTION
    from apps.fraud.cases.services import COMPLIANCE_SUBJECT, _compliance_team, sla_due
    from apps.fraud.choices import CaseKind, CaseStatus
    from apps.fraud.models import Case
    from apps.transactions import files
    from apps.transactions.choices import KYCStatus, Source
    from apps.transactions.models import BankAccount, Customer, Transaction
    from apps.transactions.simulator import HEADER, as_csv_row, simulate
    from tests.factories import make_user

    print(f"database: {connection.vendor}; {N_TXNS:,} transactions, {N_CUSTOMERS:,} customers")
    officer = make_user(Role.COMPLIANCE, email="bench-officer@bank.test")
    checker = make_user(Role.COMPLIANCE, email="bench-checker@bank.test")
    analyst = make_user(Role.ANALYST, email="bench-analyst@bank.test")
    compliance.jurisdictions_add_fatf(actor=None)
    rng = np.random.default_rng(7)
    now = timezone.now()
    today = timezone.localdate(now)
    levels = thresholds_current()

    # ---------------------------------------------------------------- customers, accounts, KYC records
    t_build = time.perf_counter()
    seg = rng.choice(len(BusinessType.values), size=N_CUSTOMERS, p=[0.70, 0.10, 0.08, 0.02, 0.04, 0.01, 0.01, 0.04])
    screening = rng.choice(len(ScreeningResult.values), size=N_CUSTOMERS, p=[0.08, 0.905, 0.012, 0.003])
    home = np.where(rng.random(N_CUSTOMERS) < 0.97, "US", rng.choice([*ABROAD, "IR"], N_CUSTOMERS))
    pep, remote, override = rng.random(N_CUSTOMERS) < 0.01, rng.random(N_CUSTOMERS) < 0.4, rng.random(N_CUSTOMERS)
    reviewed_share, age = rng.random(N_CUSTOMERS), rng.uniform(0, 1.08, N_CUSTOMERS)
    for lo in range(0, N_CUSTOMERS, BATCH):
        customers, records = [], []
        for i in range(lo, min(N_CUSTOMERS, lo + BATCH)):
            business, screened = BusinessType.values[seg[i]], ScreeningResult.values[screening[i]]
            channel = OnboardingChannel.REMOTE if remote[i] else OnboardingChannel.FACE_TO_FACE
            found = rate(Facts(pep=bool(pep[i]), country=str(home[i]),
                               high_risk_reason="FATF" if home[i] == "IR" else None, business_type=business,
                               channel=channel, screening=screened, alerts=0))  # fmt: skip
            overridden = {0: "high", 1: "medium"}.get(int(override[i] * 200), "")  # 1% overridden
            effective = overridden or found.rating
            last = None
            if reviewed_share[i] >= 0.04:  # 4% never reviewed
                years = int(levels[review_years_metric(effective)].breach)
                last = today - timedelta(days=int(age[i] * years * 365))
            due = add_years(last, levels[review_years_metric(effective)].breach) if last else None
            state = kyc_state(due, today)
            status = {"pending": KYCStatus.PENDING, "expired": KYCStatus.EXPIRED}.get(state, KYCStatus.VERIFIED)
            customers.append(Customer(external_id=f"C{i:06d}", full_name=f"Customer {i:06d}", kyc_status=status,
                                      kyc_review_date=due, risk_rating=effective, country=str(home[i]),
                                      segment="retail" if business == "salaried" else business))  # fmt: skip
            records.append(CustomerRisk(
                pep=bool(pep[i]), business_type=business, channel=channel, screening=screened, rating=found.rating,
                score=found.score, factors=found.factors, assessed_at=now, override_rating=overridden,
                override_reason="Adverse media found at onboarding." if overridden else "",
                override_by=checker if overridden else None, override_at=now if overridden else None,
                last_review=last, reviewed_by=checker if last else None, review_due=due,
            ))  # fmt: skip
        with transaction.atomic():
            Customer.objects.bulk_create(customers)
            ids = dict(Customer.objects.filter(external_id__in=[c.external_id for c in customers])
                       .values_list("external_id", "pk"))  # fmt: skip
            for c, r in zip(customers, records, strict=True):
                r.customer_id = ids[c.external_id]
            CustomerRisk.objects.bulk_create(records)
            numbers = [f"40{i:010d}" for i in range(lo, lo + len(customers))]
            BankAccount.objects.bulk_create([
                BankAccount(customer_id=ids[c.external_id], number=num, number_index=blind_index(num), last4=num[-4:],
                            name="Checking", opened_on=date(2020, 1, 1))
                for c, num in zip(customers, numbers, strict=True)
            ])  # fmt: skip
    customer_pk = np.array([pk for _, pk in sorted(Customer.objects.values_list("external_id", "pk"))])
    account_pk = dict(BankAccount.objects.values_list("customer_id", "pk"))
    account_of = np.array([account_pk[pk] for pk in customer_pk])
    print(f"built {N_CUSTOMERS:,} customers, accounts and KYC records in {time.perf_counter() - t_build:.1f} s")

    # ---------------------------------------------------------------- the book of transactions
    t0 = time.perf_counter()
    cols = _book(rng, N_TXNS, N_CUSTOMERS)
    # Older rows: dormant customers' last transaction before a year's silence, and some past retention.
    k_dormant, k_old = max(1, N_CUSTOMERS // 500), max(1, N_TXNS // 10_000)
    old_ago = np.concatenate([rng.uniform(400, 500, k_dormant), rng.uniform(6 * 365, 7 * 365, k_old)]) * DAY
    for key, value in (("cust", rng.integers(0, N_CUSTOMERS, k_dormant + k_old)), ("ago", old_ago),
                       ("cat", np.full(k_dormant + k_old, CARD)), ("amount", rng.uniform(5, 200, k_dormant + k_old)),
                       ("cc", np.full(k_dormant + k_old, -1))):  # fmt: skip
        cols[key] = np.concatenate([cols[key], value])
    order = np.argsort(-cols["ago"], kind="stable")  # oldest first: ids follow time, as a real book's do
    total = len(order)
    counterparty_countries = [*ABROAD, *LISTED]
    abroad_terminal = rng.random(total) < 0.03
    terminal_country = rng.integers(0, len(ABROAD), total)
    terminals = rng.integers(0, 20_000, total)
    stored = 0
    for lo in range(0, total, BATCH):
        batch = []
        for j in order[lo : lo + BATCH]:
            c, cat = int(cols["cust"][j]), int(cols["cat"][j])
            kind, channel, direction = CATEGORIES[cat]
            cc = int(cols["cc"][j])
            wire = channel == "wire"
            batch.append(Transaction(
                external_id=f"B{stored + len(batch):09d}", source=Source.FILE if cat == CARD else Source.API,
                kind=kind, customer_id=int(customer_pk[c]), account_id=int(account_of[c]), customer_ref=f"C{c:06d}",
                terminal_id=f"T{terminals[j]:06d}" if cat == CARD else "", amount=Decimal(f"{cols['amount'][j]:.2f}"),
                currency="USD", occurred_at=now - timedelta(seconds=float(cols["ago"][j])), channel=channel,
                direction=direction, counterparty=f"Counterparty {c % 997}" if wire else "",
                counterparty_country=counterparty_countries[cc] if cc >= 0 else "",
                country=ABROAD[terminal_country[j]] if cat == CARD and abroad_terminal[j] else "US",
            ))  # fmt: skip
        with transaction.atomic():
            Transaction.objects.bulk_create(batch)
        stored += len(batch)
    book_took = time.perf_counter() - t0
    cash_near = int(((cols["cat"] == CASH_IN) & (cols["amount"] >= 8_000) & (cols["amount"] < 10_000)).sum())
    print(f"built {stored:,} transactions in {book_took:.1f} s ({stored / book_took:,.0f} rows/s); "
          f"{cash_near:,} cash deposits of 8,000-9,999")  # fmt: skip

    # ---------------------------------------------------------------- cases, actions, audited views, history
    t0 = time.perf_counter()
    team = _compliance_team()
    n_cases = max(10, N_CUSTOMERS // 300)
    cases, opened_at = [], {}
    for i in range(n_cases):
        opened = now - timedelta(days=float(rng.uniform(0, 200)))
        closed = rng.random() < 0.6
        priority = str(rng.choice(["high", "medium", "low"]))
        subject = f"{COMPLIANCE_SUBJECT}customer:C{(i * 37) % N_CUSTOMERS:06d}"
        opened_at[f"AML review {i}"] = opened
        cases.append(Case(
            team=team, kind=CaseKind.COMPLIANCE, title=f"AML review {i}", subject=subject,
            open_subject=None if closed else subject, customer_ref=subject.rsplit(":", 1)[1],
            status=CaseStatus.CLOSED if closed else str(rng.choice(["new", "in_review", "escalated"])),
            priority=priority, priority_rank={"high": 1, "medium": 2, "low": 3}[priority],
            sla_due_at=sla_due(priority, opened), amount=Decimal("12000.00"), alert_count=1,
            closed_at=opened + timedelta(days=float(rng.uniform(1, 45))) if closed else None,
        ))  # fmt: skip
    n_actions = max(8, N_CUSTOMERS // 500)
    statuses = rng.choice(["open", "in_progress", "done", "verified"], size=n_actions, p=[0.3, 0.3, 0.1, 0.3])
    with transaction.atomic():
        Case.objects.bulk_create(cases)
        for title, opened in opened_at.items():  # opened in the past, not now
            Case.objects.filter(title=title).update(created_at=opened)
        CorrectiveAction.objects.bulk_create([
            CorrectiveAction(
                title=f"Corrective action {i}", plan="Put the finding right.", domain=Domain.values[i % 4],
                owner=officer, due_on=today + timedelta(days=int(rng.integers(-60, 60))), status=str(status),
                verified_by=checker if status == "verified" else None,
                verified_at=now if status == "verified" else None,
            )
            for i, status in enumerate(statuses)
        ])  # fmt: skip
        AuditEvent.objects.bulk_create([
            AuditEvent(actor=analyst, actor_name=analyst.email, action=PII_VIEW_ACTION, object_repr="Checking account",
                       created_at=now - timedelta(days=float(rng.uniform(0, 60))))
            for _ in range(max(10, N_CUSTOMERS // 200))
        ])  # fmt: skip
        # 90 days of history: each KPI's point and the scores, near its target.
        for back in range(1, DAYS + 1):
            day = today - timedelta(days=back)
            by_domain: dict[str, list] = {}
            for code, kpi in KPIS.items():
                level = levels[code]
                value = Decimal(f"{max(0.0, rng.normal(float(level.warning or 0) * 0.8, float(level.breach) / 4)):.2f}")
                score, status = kpi_grade(value, level)
                KpiSnapshot.objects.create(kpi=code, day=day, numerator=int(value), denominator=100, value=value,
                                           score=score, status=status, threshold=level, computed_at=now)  # fmt: skip
                by_domain.setdefault(kpi.domain, []).append((score, level.weight))
            for domain, pairs in [*by_domain.items(), ("", [p for ps in by_domain.values() for p in ps])]:
                ScoreSnapshot.objects.create(domain=domain, day=day, score=weighted(pairs), computed_at=now)
    print(f"built {n_cases:,} compliance cases, corrective actions, audited views and {DAYS} days of score history "
          f"in {time.perf_counter() - t0:.1f} s; whole data set {time.perf_counter() - t_build:.1f} s")  # fmt: skip

    # ---------------------------------------------------------------- 3. the full scenario sweep
    sweep_days = settings.AML_SWEEP_DAYS
    now = timezone.now()
    start = now - timedelta(days=sweep_days)
    in_window = Transaction.objects.filter(occurred_at__gte=start, occurred_at__lt=now).count()
    t0 = time.perf_counter()
    result = compliance.scenarios_run(start=start, end=now)
    first = time.perf_counter() - t0
    by_scenario = dict(ScenarioHit.objects.values("scenario").annotate(n=Count("id")).values_list("scenario", "n"))
    opened = Case.objects.filter(kind=CaseKind.COMPLIANCE).count() - n_cases
    print(
        f"full scenario sweep ({sweep_days} days, {in_window:,} transactions in the window), first run: "
        f"{first:.1f} s; found {result['found']:,}, raised {result['raised']:,} "
        f"({', '.join(f'{k} {v:,}' for k, v in sorted(by_scenario.items()))}); {opened:,} compliance cases opened"
    )
    t0 = time.perf_counter()
    again = compliance.scenarios_run(start=start, end=timezone.now())
    print(f"full scenario sweep, second run (nothing new): {time.perf_counter() - t0:.1f} s; "
          f"found {again['found']:,}, raised {again['raised']:,}")  # fmt: skip
    if PROFILE:
        _profile_sweep(start, timezone.now())

    # ---------------------------------------------------------------- 1. KPI recompute
    times, results = [], []
    for _ in range(5):
        t0 = time.perf_counter()
        results.append(score_refresh())
        times.append(time.perf_counter() - t0)
    print(f"KPI recompute (score_refresh, {results[-1]['kpis']} KPIs): p50 {percentile(times, 50):.2f} s, "
          f"max {max(times):.2f} s over 5 runs ({' / '.join(f'{t:.2f}' for t in times)} s); score "
          f"{results[-1]['score']}, breaches opened {sum(r['opened'] for r in results)}")  # fmt: skip
    ctx, each = context(), []
    for code, kpi in KPIS.items():
        t0 = time.perf_counter()
        kpi_measure(kpi, ctx)
        each.append((time.perf_counter() - t0, code))
    print("  slowest KPIs: " + ", ".join(f"{code} {t * 1000:.0f} ms" for t, code in sorted(each, reverse=True)[:4]))

    # ---------------------------------------------------------------- 2. the compliance dashboard
    web = Client(HTTP_HOST="127.0.0.1")
    web.force_login(officer)
    assert web.get("/compliance/").status_code == 200  # warm-up
    lat = []
    for _ in range(100):
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            response = web.get("/compliance/")
            lat.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.status_code
    print(f"{'compliance dashboard':<30} p50 {percentile(lat, 50):7.1f} ms   p95 {percentile(lat, 95):7.1f} ms   "
          f"{len(queries)} queries")  # fmt: skip

    # ---------------------------------------------------------------- 4. monitoring's cost on CSV ingest
    customers = max(100, N_ROWS // 50)
    days = 25
    path = os.path.join(tempfile.mkdtemp(), "bench.csv")
    written = 0
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for row in simulate(customers=customers, terminals=customers * 2, days=days, start=today - timedelta(days=days),
                            seed=1):  # fmt: skip
            writer.writerow(as_csv_row(row))
            written += 1
            if written >= N_ROWS:
                break
    last_id = Transaction.objects.aggregate(m=Max("id"))["m"]
    MonitoringCursor.objects.update_or_create(name="transactions", defaults={"last_id": last_id})  # all seen
    with open(path, "rb") as fh:
        upload = File(fh, name="bench.csv")
        upload.size = os.path.getsize(path)
        record = files.transaction_file_create(actor=None, upload=upload, fmt="card", label_column="tx_fraud",
                                               process_now=True)  # fmt: skip
    t0 = time.perf_counter()
    record = files.transaction_file_process(file_id=record.pk)
    ingest = time.perf_counter() - t0
    print(f"CSV ingest: {record.rows_stored:,} rows of {customers:,} of the book's customers in {ingest:.1f} s "
          f"= {record.rows_stored / ingest:,.0f} rows/s")  # fmt: skip
    runs, seen, raised = 0, 0, 0
    t0 = time.perf_counter()
    while (done := compliance.scenarios_monitor_new())["transactions"]:
        runs, seen, raised = runs + 1, seen + done["transactions"], raised + done["raised"]
    monitoring = time.perf_counter() - t0
    print(f"monitoring (scenarios_monitor_new): {seen:,} transactions in {runs} runs, {monitoring:.1f} s, raised "
          f"{raised:,}; {monitoring / ingest * 100:.1f}% of the ingest's time")  # fmt: skip
    if PROFILE:
        _profile_monitoring(last_id)


def _profile_sweep(start, end) -> None:
    """Where the sweep's time goes: the read, each scenario (timed apart), then cProfile's top 15."""
    from django.conf import settings

    from apps.compliance import services as compliance
    from apps.compliance.scenarios import SCENARIOS, Money
    from apps.compliance.selectors import thresholds_current

    levels = thresholds_current()
    t0 = time.perf_counter()
    rows, ctx = compliance._rows_and_context(start=start, end=end, customers=None, chosen=list(SCENARIOS.values()),
                                             levels=levels)  # fmt: skip
    parts = [f"read {len(rows):,} rows {time.perf_counter() - t0:.1f} s"]
    for code, scenario in SCENARIOS.items():
        currency = next((levels[m].currency for m in scenario.metrics if levels[m].currency), settings.BANK_CURRENCY)
        t0 = time.perf_counter()
        found = list(scenario.find(rows, levels, Money(currency), ctx))
        parts.append(f"{code} {time.perf_counter() - t0:.1f} s ({len(found):,})")
    print("  sweep stages: " + "; ".join(parts))
    profiler = cProfile.Profile()
    profiler.enable()
    compliance.scenarios_find(start=start, end=end)
    profiler.disable()
    _print_profile(profiler, "scenarios_find")


def _profile_monitoring(last_id: int) -> None:
    """Monitoring over the same rows again (cursor back before the file; nothing new is raised), profiled."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.compliance import services as compliance
    from apps.compliance.models import MonitoringCursor

    MonitoringCursor.objects.filter(name="transactions").update(last_id=last_id)
    profiler = cProfile.Profile()
    profiler.enable()
    while compliance.scenarios_monitor_new()["transactions"]:
        pass
    profiler.disable()
    _print_profile(profiler, "scenarios_monitor_new (run again over the file)")
    MonitoringCursor.objects.filter(name="transactions").update(last_id=last_id)
    with CaptureQueriesContext(connection) as queries:
        while compliance.scenarios_monitor_new()["transactions"]:
            pass
    slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:6]
    total = sum(float(q["time"]) for q in queries.captured_queries)
    print(
        f"  monitoring's {len(queries.captured_queries)} queries took {total:.2f} s; the slowest: "
        + "; ".join(f"{q['time']} s {q['sql'][:100]} … {q['sql'][-200:]}" for q in slowest)
    )


def _print_profile(profiler: cProfile.Profile, what: str) -> None:
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(15)
        print(f"  cProfile of {what}, top 15 by {key}:")
        print("\n".join("    " + line for line in out.getvalue().splitlines() if line.strip()))


if __name__ == "__main__":
    main()
