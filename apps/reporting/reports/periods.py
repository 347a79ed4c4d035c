"""Report periods as people name them: a month (2026-07), a quarter (2026Q3), a year (2026) or a custom
range (2026-07-01..2026-08-15), each with the periods it is compared with."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    name: str
    kind: str  # month | quarter | year | custom

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period just before, of the same kind (a custom range: the same number of days)."""
        if self.kind == "month":
            return month(self.start - timedelta(days=1))
        if self.kind == "quarter":
            return quarter(self.start - timedelta(days=1))
        if self.kind == "year":
            return parse_period(str(self.start.year - 1))
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end, f"{end - timedelta(days=self.days - 1)}..{end}",
                      "custom")  # fmt: skip

    def last_year(self) -> Period:
        """The same period a year earlier."""
        if self.kind in ("month", "quarter", "year"):
            shifted = date(self.start.year - 1, self.start.month, 1)
            return {"month": month, "quarter": quarter}.get(self.kind, lambda d: parse_period(str(d.year)))(shifted)
        start, end = _year_back(self.start), _year_back(self.end)
        return Period(start, end, f"{start}..{end}", "custom")


def _year_back(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _month_end(year: int, month_: int) -> date:
    first_next = date(year + month_ // 12, month_ % 12 + 1, 1)
    return first_next - timedelta(days=1)


def month(day: date) -> Period:
    return Period(date(day.year, day.month, 1), _month_end(day.year, day.month), f"{day:%Y-%m}", "month")


def quarter(day: date) -> Period:
    q = (day.month - 1) // 3 + 1
    first = date(day.year, 3 * q - 2, 1)
    return Period(first, _month_end(day.year, 3 * q), f"{day.year}Q{q}", "quarter")


def parse_period(text: str) -> Period:
    """`2026Q3`, `2026-07`, `2026` or `2026-07-01..2026-08-15`; a ValidationError otherwise."""
    text = (text or "").strip().upper()
    try:
        if m := re.fullmatch(r"(\d{4})Q([1-4])", text):
            return quarter(date(int(m[1]), 3 * int(m[2]), 1))
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            return month(date(int(m[1]), int(m[2]), 1))
        if re.fullmatch(r"\d{4}", text):
            year = int(text)
            return Period(date(year, 1, 1), date(year, 12, 31), text, "year")
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text):
            start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            if end < start:
                raise ValidationError({"period": ["The period ends before it starts."]})
            if (end - start).days > 3 * 366:
                raise ValidationError({"period": ["A custom period is at most three years."]})
            return Period(start, end, f"{start}..{end}", "custom")
    except ValueError:
        pass
    raise ValidationError({"period": [f"{text or 'An empty period'} is not a period: write 2026Q3, 2026-07, 2026 or "
                                      "2026-07-01..2026-08-15."]})  # fmt: skip


def last_complete_quarter(today: date) -> Period:
    return quarter(quarter(today).start - timedelta(days=1))
