"""What a report is made of, whatever it is rendered as (the page, PDF, XLSX, CSV): sections of figures
(each with its definition, its comparisons and the list it opens), charts and tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .periods import Period

Number = Decimal | int | None


def _pct(value: Decimal) -> str:
    return f"{value:,.2f}%"


@dataclass
class Figure:
    label: str
    value: Number
    unit: str  # count | money | percent | bp
    definition: str
    currency: str = ""
    url: str = ""
    compare: dict[str, Number] = field(default_factory=dict)  # comparison name → its value

    def text(self, value: Number = ..., *, signed: bool = False) -> str:
        value = self.value if value is ... else value
        if value is None:
            return "—"
        if self.unit == "money":
            from apps.core.money import money_text

            return money_text(value, self.currency)
        if self.unit == "percent":
            return _pct(Decimal(value))
        if self.unit == "bp":
            return f"{Decimal(value):,.1f} bp"
        return f"{value:,}"

    def change(self, name: str) -> str:
        """The change from a comparison: in percent of it, or in points for shares and basis points."""
        then = self.compare.get(name)
        if then is None or self.value is None:
            return "—"
        if self.unit in ("percent", "bp"):
            diff = Decimal(self.value) - Decimal(then)
            return f"{diff:+,.2f} {'pt' if self.unit == 'percent' else 'bp'}"
        if not then:
            return "—"
        return f"{(Decimal(self.value) - Decimal(then)) * 100 / Decimal(then):+,.1f}%"


@dataclass
class Chart:
    key: str
    kind: str  # bar | line | doughnut
    title: str
    labels: list[str]
    series: list[tuple[str, list[float]]]
    links: list[str] = field(default_factory=list)  # one per label: the list behind a bar or slice


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list]
    links: list[str] = field(default_factory=list)  # one per row, or none


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    note: str = ""


@dataclass
class Document:
    template: str
    title: str
    period: Period
    comparisons: dict[str, Period]  # name (e.g. "previous") → the period
    branch: str
    currency: str
    sections: list[Section]
    generated_at: datetime
    detail_headers: list[str] = field(default_factory=list)
    detail_rows: Callable[[], Iterator[list]] | None = None  # the facts behind the report, streamed

    @property
    def comparison_names(self) -> list[str]:
        return list(self.comparisons)

    @property
    def comparisons_text(self) -> str:
        labels = {"previous": "the previous period", "last_year": "the same period last year"}
        return " and ".join(f"{labels.get(n, n)} ({p.name})" for n, p in self.comparisons.items())

    @property
    def subtitle(self) -> str:
        parts = [f"{self.period.name}: {self.period.start:%Y-%m-%d} to {self.period.end:%Y-%m-%d}",
                 f"amounts in {self.currency}"]  # fmt: skip
        if self.branch:
            parts.append(f"branch {self.branch}")
        return "; ".join(parts)
