"""The report templates: each builds a `Document` for a period (compared with the previous period and
the same period last year), a branch and a currency, from the rollups (figures, charts) and the facts
(drill-downs, detail rows). Definitions follow banking usage and are written in `docs/reporting.md`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from .. import selectors
from ..rollups import day_bounds
from .document import Chart, Document, Figure, Section, Table
from .periods import Period, parse_period

COMPARISONS = ("previous", "last_year")


@dataclass(frozen=True)
class Params:
    period: Period
    branch: str = ""
    currency: str = ""
    compare: tuple[str, ...] = COMPARISONS

    @classmethod
    def parse(cls, *, period: str, branch: str = "", currency: str = "", compare: str = "both") -> Params:
        from apps.core.money import currency_check

        chosen = {"both": COMPARISONS, "previous": ("previous",), "last_year": ("last_year",), "none": ()}
        if compare not in chosen:
            raise ValidationError({"compare": ["Compare with previous, last_year, both or none."]})
        return cls(parse_period(period), (branch or "").strip()[:20],
                   currency_check(currency or settings.BANK_CURRENCY), chosen[compare])  # fmt: skip

    def periods(self) -> dict[str, Period]:
        return {name: getattr(self.period, name)() for name in self.compare}

    def cut(self, period: Period | None = None) -> selectors.Cut:
        period = period or self.period
        return selectors.Cut(since=period.start, until=period.end, branch=self.branch, currency=self.currency)


# ------------------------------------------------------------------------------------ transactions
def _transaction_figures(params: Params) -> list[Figure]:
    cuts = {"": params.cut(), **{name: params.cut(p) for name, p in params.periods().items()}}
    totals = {name: selectors.totals(cut) for name, cut in cuts.items()}
    now, url = totals[""], params.cut().transactions_url()

    def figure(key, label, unit, definition, link=url) -> Figure:
        return Figure(label, now[key], unit, definition, params.currency, link,
                      {name: t[key] for name, t in totals.items() if name})  # fmt: skip

    return [
        figure("count", "Transactions", "count", "Transactions that occurred in the period (bank's days)."),
        figure("amount", "Volume", "money", "The sum of their amounts, in the report's currency."),
        figure("average", "Average ticket", "money", "Volume divided by the number of transactions."),
        figure("alert_rate", "Alert rate", "percent", "Transactions that raised an alert, of all transactions.",
               params.cut().transactions_url(alerted="true")),
        figure("loss_bps", "Fraud loss rate", "bp", "Amounts of transactions labelled fraud, in basis points "
               "(hundredths of a percent) of the volume.", params.cut().transactions_url(label="fraud")),
    ]  # fmt: skip


def _by(params: Params, field: str, title: str, labels: dict | None = None) -> Table:
    rows = selectors.by(params.cut(), field)
    labels = labels or {}
    return Table(f"by_{field}", title, [title.split(" by ")[-1].capitalize(), "Transactions", "Volume"],
                 [[labels.get(r["key"], r["key"]) or "—", r["count"], r["amount"]] for r in rows],
                 [params.cut().transactions_url(**{field: r["key"]}) if r["key"] else "" for r in rows])  # fmt: skip


def transactions_section(params: Params) -> Section:
    from apps.transactions.choices import Channel, TransactionKind

    days = selectors.daily(params.cut())
    kinds = _by(params, "kind", "Transactions by kind", dict(TransactionKind.choices))
    return Section(
        "transactions", "Transaction summary", _transaction_figures(params),
        [Chart("daily_volume", "line", f"Volume per day ({params.currency})", [d["day"].isoformat() for d in days],
               [("Volume", [float(d["amount"]) for d in days])],
               [params.cut().transactions_url(since=d["day"].isoformat(), until=d["day"].isoformat()) for d in days]),
         Chart("mix", "doughnut", "Transactions by kind", [r[0] for r in kinds.rows],
               [("Transactions", [float(r[1]) for r in kinds.rows])], kinds.links)],
        [kinds, _by(params, "channel", "Transactions by channel", dict(Channel.choices)),
         _by(params, "branch", "Transactions by branch")],
    )  # fmt: skip


# ------------------------------------------------------------------------------------ fraud and cases
def _cases(params: Params, period: Period) -> dict:
    from apps.fraud.models import Case

    start, end = day_bounds(period.start)[0], day_bounds(period.end)[1]
    opened = Case.objects.filter(created_at__gte=start, created_at__lt=end)
    closed = list(Case.objects.filter(closed_at__gte=start, closed_at__lt=end)
                  .values_list("created_at", "closed_at", "sla_due_at", "outcome"))  # fmt: skip
    hours = sorted((c - o).total_seconds() / 3600 for o, c, _, _ in closed)

    def pct(q):
        return Decimal(hours[min(len(hours) - 1, int(q * len(hours)))]).quantize(Decimal("0.1")) if hours else None

    within = sum(1 for _, c, due, _ in closed if c <= due)
    return {"opened": opened.count(), "closed": len(closed),
            "sla": (Decimal(within) * 100 / len(closed)).quantize(Decimal("0.01")) if closed else None,
            "p50": pct(0.5), "p90": pct(0.9)}  # fmt: skip


def fraud_section(params: Params) -> Section:
    from django.urls import reverse

    cut = params.cut()
    periods = {"": params.period, **params.periods()}
    cases = {name: _cases(params, p) for name, p in periods.items()}
    alerts = {name: sum(sum(v) for v in selectors.alerts_daily(params.cut(p)).values()) for name, p in periods.items()}
    cases_url = reverse("fraud:cases")

    def figure(label, key, unit, definition, url):
        return Figure(label, cases[""][key], unit, definition, url=url,
                      compare={n: c[key] for n, c in cases.items() if n})  # fmt: skip

    by_severity = selectors.alerts_daily(cut)
    rules = selectors.alerts_by_rule(cut)
    return Section(
        "fraud", "Fraud, alerts and cases",
        [Figure("Alerts raised", alerts[""], "count", "Alerts raised in the period: transactions, cheques and "
                "compliance.", url=cut.alerts_url(), compare={n: v for n, v in alerts.items() if n}),
         figure("Cases opened", "opened", "count", "Cases opened in the period.", cases_url),
         figure("Cases closed", "closed", "count", "Cases closed in the period.", f"{cases_url}?status=closed"),
         figure("Closed within SLA", "sla", "percent", "Cases closed in the period by their SLA due time, of all "
                "closed in it.", f"{cases_url}?status=closed"),
         Figure("Time to close, median", cases[""]["p50"], "count", "Hours from opening to closing, the median of "
                "the cases closed in the period.", compare={n: c["p50"] for n, c in cases.items() if n}),
         Figure("Time to close, 90th percentile", cases[""]["p90"], "count", "Hours from opening to closing, the "
                "90th percentile.", compare={n: c["p90"] for n, c in cases.items() if n})],
        [Chart("alerts", "bar", "Alerts per day by severity", [d.isoformat() for d in cut.days()],
               [(severity.capitalize(), [float(v) for v in values]) for severity, values in by_severity.items()])],
        [Table("rules", "Alerts by rule", ["Rule, model or scenario", "Alerts", "In a case"],
               [[r["rule"], r["count"], r["in_case"]] for r in rules])],
    )  # fmt: skip


# ------------------------------------------------------------------------------------ the detail rows
_DETAIL = ["occurred_at", "id", "customer", "branch", "kind", "channel", "amount", "currency", "decision", "score",
           "label"]  # fmt: skip


def _detail(params: Params) -> Callable:
    def rows():
        from apps.transactions.filtersets import TransactionFilterSet
        from apps.transactions.models import Transaction

        query = {"since": params.period.start.isoformat(), "until": params.period.end.isoformat(),
                 "currency": params.currency, "branch": params.branch}  # fmt: skip
        found = TransactionFilterSet({k: v for k, v in query.items() if v}, queryset=Transaction.objects.all()).qs
        start, end = day_bounds(params.period.start)[0], day_bounds(params.period.end)[1]
        found = found.filter(occurred_at__gte=start, occurred_at__lt=end).order_by("occurred_at", "id")
        values = found.values_list("occurred_at", "external_id", "customer_ref", "account__branch", "kind", "channel",
                                   "amount", "currency", "decision", "score", "label")  # fmt: skip
        for row in values.iterator(chunk_size=5000):
            yield [timezone.localtime(row[0]).isoformat(), *row[1:]]

    return rows


# ------------------------------------------------------------------------------------ the templates
@dataclass(frozen=True)
class Template:
    slug: str
    name: str
    description: str
    sections: tuple[Callable[[Params], Section], ...]
    detail: bool = False


def _book(name: str):
    """A section of the book (`book.py`), imported when a report is made."""

    def section(params: Params) -> Section:
        from . import book

        return getattr(book, name)(params)

    section.__name__ = name
    return section


loans_section, deposits_section, customers_section = (_book(n) for n in ("loans_section", "deposits_section",
                                                                          "customers_section"))  # fmt: skip

TEMPLATES: dict[str, Template] = {
    t.slug: t
    for t in [
        Template("board-quarterly", "Quarterly board report", "The quarter for the board: loan performance, "
                 "deposit growth, customer acquisition, transactions, fraud and cases, each against the previous "
                 "quarter and the same quarter last year.",
                 (loans_section, deposits_section, customers_section, transactions_section, fraud_section),
                 detail=True),
        Template("transactions", "Transaction summary", "Volumes, the mix, channels and branches, alert and "
                 "fraud loss rates.", (transactions_section,), detail=True),
        Template("loans", "Loan performance", "Gross loans, NPL ratio, PAR30, net charge-offs, loans by days past "
                 "due.", (loans_section,)),
        Template("deposits", "Deposit growth", "Period-end and average deposits, their growth, the CASA ratio, "
                 "deposits by product.", (deposits_section,)),
        Template("customers", "Customer acquisition", "New customers (KYC-complete and funded), customers opened "
                 "and lost, churn, by channel and branch.", (customers_section,)),
        Template("fraud", "Fraud and alerts", "Alerts by severity and rule, cases opened and closed, SLA "
                 "adherence and time to close.", (fraud_section,)),
    ]
}  # fmt: skip


def build(slug: str, params: Params) -> Document:
    """The document of a template for the parameters; a ValidationError for an unknown template."""
    template = TEMPLATES.get(slug)
    if template is None:
        raise ValidationError({"template": [f"Unknown report {slug!r}: one of {', '.join(TEMPLATES)}."]})
    return Document(
        template=slug, title=template.name, period=params.period, comparisons=params.periods(), branch=params.branch,
        currency=params.currency, sections=[section(params) for section in template.sections],
        generated_at=timezone.now(), detail_headers=_DETAIL if template.detail else [],
        detail_rows=_detail(params) if template.detail else None,
    )  # fmt: skip
