"""Parsing a chunk of CSV rows a column at a time gives, row by row, what `parse_row` gives one row:
the same values (times in µs, UTC), the same rejected rows and messages, in the file's order."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from apps.transactions.formats import BUILT_IN, Layout, parse_row, parse_rows

TIMES = [
    "2026-03-04 23:30:00", "2026-03-04T23:30:00", "2026-03-29 02:30:00", "2026-10-25 02:30:00",  # Oslo gap, fold
    "2026-10-25 01:59:59", "2026-03-29 03:00:00", "2026-03-04 23:30:00.250000", "2026-03-04T23:30:00+05:30",
    "2026-03-04", "04/03/2026 23:30", "2026-13-04 10:00:00", "2026-02-30 10:00:00", "yesterday", "",
    "2026-03-04 9:30:00", "1999-12-31 23:59:59",
]  # fmt: skip
AMOUNTS = ["12.30", "12.3", "1,234.50", "0", "-5", "abc", "", "1e3", "NaN", "12.345", "99999999999999999", " 7 "]
LABELS = ["", "1", "0", "fraud", "LEGIT", "maybe", "yes"]


def _micros(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def _expected(layout: Layout, header, rows, label_column):
    good, lines, rejected = [], [], []
    for line, fields in enumerate(rows, 2):
        if len(fields) != len(header):
            rejected.append((line, {"row": "wrong number of fields"}))
            continue
        data, errors = parse_row(layout, dict(zip(header, fields, strict=True)), label_column)
        if errors:
            rejected.append((line, errors))
            continue
        good.append(data)
        lines.append(line)
    return good, lines, rejected


@pytest.mark.parametrize("zone", ["UTC", "Europe/Oslo", "America/New_York"])
@pytest.mark.parametrize("fmt", ["card", "expense"])
def test_parse_rows_matches_parse_row(zone, fmt, settings):
    settings.TIME_ZONE = zone
    rng = random.Random(f"{zone}{fmt}")
    layout = BUILT_IN[fmt]
    header = [*layout.columns.values(), "label"]
    rows = []
    for i in range(400):
        row = {c: f"v{i}" for c in layout.columns.values()}
        row[layout.columns["amount"]] = rng.choice(AMOUNTS) if rng.random() < 0.3 else f"{rng.randint(1, 99999)}.50"
        row[layout.columns["occurred_at"]] = rng.choice(TIMES) if rng.random() < 0.5 else TIMES[0]
        if "description" in layout.columns and rng.random() < 0.05:
            row["description"] = "x" * 300
        fields = [row[c] for c in layout.columns.values()] + [rng.choice(LABELS)]
        if rng.random() < 0.03:
            fields = fields[:-1] if rng.random() < 0.5 else [*fields, "extra"]
        rows.append(fields)
    with timezone.override(zone):
        columns, lines, rejected = parse_rows(layout, header, 2, rows, "label")
        good, want_lines, want_rejected = _expected(layout, header, rows, "label")
    assert lines == want_lines
    assert [(line, errors) for line, _raw, errors in rejected] == want_rejected
    assert len(good) > 100 and len(want_rejected) > 20
    for k, data in enumerate(good):
        assert columns["t"][k] == _micros(data["occurred_at"]), lines[k]
        assert columns["cents"][k] == data["amount"] * 100
        assert columns["label"][k] == data.get("label", "")
        assert columns["kind"][k] == data["kind"]
        for name in ("external_id", "customer_ref", "terminal_id", "location", "description"):
            assert columns[name][k] == data.get(name, "")
