"""The book's sections of the reports: loan performance, deposit growth and customer acquisition, each
as of a period's end (and each comparison period's), from the loans' instalments, the end-of-day
balances and the customers' lifecycle dates. Definitions: `docs/reporting.md`."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.urls import reverse

from .document import Figure, Section, Table
from .periods import Period

CENT = Decimal("0.01")
BUCKETS = [("current", "Current", 0, 0), ("dpd_1_29", "1-29 days past due", 1, 29),
           ("dpd_30_59", "30-59 days past due", 30, 59), ("dpd_60_89", "60-89 days past due", 60, 89),
           ("dpd_90_plus", "90+ days past due", 90, None)]  # fmt: skip


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    return (Decimal(part) * 100 / whole).quantize(CENT) if whole else None


def _compared(params, measure) -> tuple[dict, dict]:
    """(the figures' values for the period, {comparison: values})."""
    now = measure(params.period)
    return now, {name: measure(p) for name, p in params.periods().items()}


def _figure(label, key, unit, definition, now, then, params, url="") -> Figure:
    return Figure(label, now[key], unit, definition, params.currency, url, {n: v[key] for n, v in then.items()})


# ------------------------------------------------------------------------------------ loans
def loan_book(params, on: date) -> dict:
    """Each loan's outstanding principal and days past due on `on`, from its instalments: outstanding is the
    principal of the instalments not paid in full by then; days past due count from the oldest instalment
    due by then and not paid in full by then. Loans charged off by then are out of the book."""
    from apps.transactions.models import LoanInstalment

    loans = Q(loan__start_on__lte=on, loan__account__currency=params.currency) & (
        Q(loan__charged_off_on__isnull=True) | Q(loan__charged_off_on__gt=on)
    )
    if params.branch:
        loans &= Q(loan__account__branch=params.branch)
    unpaid = Q(paid_on__isnull=True) | Q(paid_on__gt=on)
    rows = (LoanInstalment.objects.filter(loans, unpaid).values("loan_id", "due_on", "principal_due")
            .order_by("loan_id", "due_on"))  # fmt: skip
    outstanding: dict[int, Decimal] = defaultdict(Decimal)
    oldest_due: dict[int, date] = {}
    for r in rows.iterator(chunk_size=5000):
        outstanding[r["loan_id"]] += r["principal_due"]
        if r["due_on"] <= on and r["loan_id"] not in oldest_due:
            oldest_due[r["loan_id"]] = r["due_on"]
    buckets = {key: [0, Decimal(0)] for key, *_ in BUCKETS}
    for loan, amount in outstanding.items():
        dpd = (on - oldest_due[loan]).days if loan in oldest_due else 0
        key = next(k for k, _, low, high in BUCKETS if dpd >= low and (high is None or dpd <= high))
        buckets[key][0] += 1
        buckets[key][1] += amount
    gross = sum((b[1] for b in buckets.values()), Decimal(0))
    par30 = sum((buckets[k][1] for k in ("dpd_30_59", "dpd_60_89", "dpd_90_plus")), Decimal(0))
    return {"gross": gross.quantize(CENT), "loans": sum(b[0] for b in buckets.values()), "buckets": buckets,
            "npl": _share(buckets["dpd_90_plus"][1], gross), "par30": _share(par30, gross)}  # fmt: skip


def _charge_offs(params, period: Period) -> dict:
    from apps.transactions.models import Loan

    found = Loan.objects.filter(charged_off_on__gte=period.start, charged_off_on__lte=period.end,
                                account__currency=params.currency)  # fmt: skip
    if params.branch:
        found = found.filter(account__branch=params.branch)
    t = found.aggregate(off=Sum("charged_off_amount"), back=Sum("recovered_amount"))
    return {"net": (Decimal(t["off"] or 0) - Decimal(t["back"] or 0)).quantize(CENT)}


def loans_section(params) -> Section:
    def measure(period: Period) -> dict:
        end, start = loan_book(params, period.end), loan_book(params, period.start)
        average = (end["gross"] + start["gross"]) / 2
        net = _charge_offs(params, period)["net"]
        rate = (net * 100 * 365 / period.days / average).quantize(CENT) if average else None
        return {**end, "net": net, "nco": rate}

    now, then = _compared(params, measure)
    return Section(
        "loans", "Loan performance",
        [_figure("Gross loans", "gross", "money", "Principal outstanding at the period's end: instalments not yet "
                 "paid in full, of loans disbursed by then and not charged off.", now, then, params),
         _figure("NPL ratio", "npl", "percent", "Principal outstanding of loans 90 or more days past due, of gross "
                 "loans, at the period's end.", now, then, params),
         _figure("PAR30", "par30", "percent", "Portfolio at risk: principal outstanding of loans 30 or more days "
                 "past due, of gross loans (weighted by balance).", now, then, params),
         _figure("Net charge-offs", "net", "money", "Principal charged off in the period less what was recovered "
                 "on those loans.", now, then, params),
         _figure("Net charge-off rate (annualised)", "nco", "percent", "Net charge-offs over the average of gross "
                 "loans at the period's start and end, scaled to a year (x 365 / days).", now, then, params)],
        [],
        [Table("loan_buckets", f"Loans by days past due on {params.period.end:%Y-%m-%d}",
               ["Standing", "Loans", "Principal outstanding", "Share of gross loans"],
               [[label, now["buckets"][key][0], now["buckets"][key][1].quantize(CENT),
                 _share(now["buckets"][key][1], now["gross"]) or Decimal(0)] for key, label, *_ in BUCKETS])],
        note=f"Loans in {params.currency}; standings computed from the instalments as of each period's end.",
    )  # fmt: skip


# ------------------------------------------------------------------------------------ deposits
PRODUCTS = [("checking", "Current accounts"), ("savings", "Savings"), ("term", "Term deposits")]


def _balances(params, period: Period) -> dict:
    """Deposits by product at the period's end (the last day with balances, up to the end) and on average
    over the period's days."""
    from apps.transactions.models import DailyBalance

    found = DailyBalance.objects.filter(day__gte=period.start, day__lte=period.end, currency=params.currency,
                                        account__type__in=[p for p, _ in PRODUCTS])  # fmt: skip
    if params.branch:
        found = found.filter(account__branch=params.branch)
    per_day = found.values("day", "account__type").annotate(total=Sum("balance")).order_by("day")
    by_day: dict[date, dict[str, Decimal]] = defaultdict(dict)
    for r in per_day:
        by_day[r["day"]][r["account__type"]] = Decimal(r["total"] or 0)
    if not by_day:
        return {"end": None, "average": None, "casa": None, "by_product": {}}
    last = by_day[max(by_day)]
    end = sum(last.values(), Decimal(0)).quantize(CENT)
    average = (sum((sum(v.values(), Decimal(0)) for v in by_day.values()), Decimal(0)) / len(by_day)).quantize(CENT)
    casa = _share(last.get("checking", Decimal(0)) + last.get("savings", Decimal(0)), end)
    return {"end": end, "average": average, "casa": casa, "by_product": last}


def deposits_section(params) -> Section:
    now, then = _compared(params, lambda p: _balances(params, p))
    return Section(
        "deposits", "Deposit growth",
        [_figure("Deposits at the period's end", "end", "money", "The sum of current, savings and term deposit "
                 "balances at the end of the period's last day.", now, then, params),
         _figure("Average deposits", "average", "money", "The mean over the period's days of the day's end "
                 "balances.", now, then, params),
         _figure("CASA ratio", "casa", "percent", "Current and savings balances, of all deposits, at the "
                 "period's end.", now, then, params)],
        [],
        [Table("deposit_products", f"Deposits by product at {params.period.name}'s end", ["Product", "Balance"],
               [[label, now["by_product"].get(key, Decimal(0)).quantize(CENT)] for key, label in PRODUCTS])],
        note="Growth against the previous period is quarter on quarter for a quarter, against the same period "
             "last year year on year.",
    )  # fmt: skip


# ------------------------------------------------------------------------------------ customers
def _customers(params, period: Period) -> dict:
    from apps.transactions.models import Customer

    found = Customer.objects.all()
    if params.branch:
        found = found.filter(branch=params.branch)
    active_start = found.filter(Q(opened_on__lt=period.start) & (Q(closed_on__isnull=True) |
                                                                 Q(closed_on__gte=period.start))).count()  # fmt: skip
    t = found.aggregate(
        opened=Count("id", filter=Q(opened_on__gte=period.start, opened_on__lte=period.end)),
        closed=Count("id", filter=Q(closed_on__gte=period.start, closed_on__lte=period.end)),
        active=Count("id", filter=Q(opened_on__lte=period.end) & (Q(closed_on__isnull=True)
                                                                  | Q(closed_on__gt=period.end))),
        new=Count("id", filter=Q(kyc_completed_on__lte=period.end, funded_on__lte=period.end)
                  & (Q(kyc_completed_on__gte=period.start) | Q(funded_on__gte=period.start))),
    )  # fmt: skip
    return {**t, "churn": _share(t["closed"], active_start)}


def customers_section(params) -> Section:
    from apps.transactions.choices import AcquisitionChannel
    from apps.transactions.models import Customer

    now, then = _compared(params, lambda p: _customers(params, p))
    found = Customer.objects.filter(opened_on__gte=params.period.start, opened_on__lte=params.period.end)
    if params.branch:
        found = found.filter(branch=params.branch)
    channels = dict(AcquisitionChannel.choices)
    by_channel = found.values("acquisition_channel").annotate(n=Count("id")).order_by("-n")
    by_branch = found.values("branch").annotate(n=Count("id")).order_by("-n", "branch")
    url = reverse("transactions:customers")
    return Section(
        "customers", "Customer acquisition",
        [_figure("New customers", "new", "count", "Customers who became both KYC-complete and funded in the "
                 "period (the later of the two days falls in it).", now, then, params),
         _figure("Customers opened", "opened", "count", "Customers who joined in the period.", now, then, params),
         _figure("Customers at the period's end", "active", "count", "Joined by the period's end and not left by "
                 "then.", now, then, params, url),
         _figure("Customers who left", "closed", "count", "Customers who left in the period.", now, then, params),
         _figure("Churn", "churn", "percent", "Customers who left in the period, of those with the bank at its "
                 "start.", now, then, params)],
        [],
        [Table("acquisition_channels", "Customers opened by channel", ["Channel", "Customers"],
               [[channels.get(r["acquisition_channel"], r["acquisition_channel"]), r["n"]] for r in by_channel],
               [f"{url}?acquisition_channel={r['acquisition_channel']}" for r in by_channel]),
         Table("acquisition_branches", "Customers opened by branch", ["Branch", "Customers"],
               [[r["branch"] or "—", r["n"]] for r in by_branch],
               [f"{url}?branch={r['branch']}" if r["branch"] else "" for r in by_branch])],
    )  # fmt: skip
