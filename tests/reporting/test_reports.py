"""Reports: periods and their comparisons, each figure's arithmetic on a hand-made book, the exports
opening in their readers (the PDF has its pages and text, the XLSX opens, the CSV guards formulas), who
may make them, and every run recorded."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from apps.accounts.choices import Role
from apps.reporting import services
from apps.reporting.models import ReportRun
from apps.reporting.reports.periods import parse_period
from apps.reporting.reports.templates import Params, build
from apps.reporting.rollups import rollups_sweep
from apps.transactions import services as txn_services
from tests.factories import make_user


@pytest.mark.parametrize(
    ("text", "start", "end", "previous", "last_year"),
    [("2026Q3", date(2026, 7, 1), date(2026, 9, 30), "2026Q2", "2025Q3"),
     ("2026Q1", date(2026, 1, 1), date(2026, 3, 31), "2025Q4", "2025Q1"),
     ("2026-03", date(2026, 3, 1), date(2026, 3, 31), "2026-02", "2025-03"),
     ("2024", date(2024, 1, 1), date(2024, 12, 31), "2023", "2023"),
     ("2026-07-01..2026-07-10", date(2026, 7, 1), date(2026, 7, 10), "2026-06-21..2026-06-30",
      "2025-07-01..2025-07-10")],
)  # fmt: skip
def test_a_period_and_what_it_is_compared_with(text, start, end, previous, last_year):
    period = parse_period(text)
    assert (period.start, period.end, period.previous().name, period.last_year().name) == (start, end, previous,
                                                                                           last_year)  # fmt: skip


@pytest.mark.parametrize("text", ["2026Q5", "26Q1", "2026-13", "2026-07-10..2026-07-01", ""])
def test_a_period_that_is_not_one_says_how_to_write_it(text):
    with pytest.raises(ValidationError, match=r"period|ends before"):
        parse_period(text)


@pytest.fixture
def book(db):
    """Q3: three USD payments (100, 200, 300; the 300 labelled fraud) and one INR deposit; Q2: one USD
    payment of 150; Q3 last year: nothing."""
    rows = [("payment", "100.00", "USD", datetime(2026, 7, 5, 12, tzinfo=UTC), ""),
            ("payment", "200.00", "USD", datetime(2026, 8, 5, 12, tzinfo=UTC), ""),
            ("payment", "300.00", "USD", datetime(2026, 9, 30, 12, tzinfo=UTC), "fraud"),
            ("deposit", "9000.00", "INR", datetime(2026, 8, 1, 12, tzinfo=UTC), ""),
            ("payment", "150.00", "USD", datetime(2026, 4, 2, 12, tzinfo=UTC), "")]  # fmt: skip
    for i, (kind, amount, currency, at, label) in enumerate(rows):
        data = {
            "customer_ref": f"C-{i}",
            "kind": kind,
            "amount": amount,
            "currency": currency,
            "occurred_at": at,
            "external_id": f"B-{i}",
        }
        txn = txn_services.transaction_ingest(actor=None, data=data)
        if label:
            txn.__class__.objects.filter(pk=txn.pk).update(label=label)
    rollups_sweep(since=date(2025, 6, 1))


def _figures(document) -> dict:
    return {f.label: f for s in document.sections for f in s.figures}


def test_the_transaction_figures_of_a_hand_made_quarter(book):
    doc = build("transactions", Params.parse(period="2026Q3", currency="USD"))
    f = _figures(doc)
    assert (f["Transactions"].value, f["Volume"].value, f["Average ticket"].value) == (3, Decimal("600.00"),
                                                                                       Decimal("200.00"))  # fmt: skip
    assert f["Transactions"].compare == {"previous": 1, "last_year": 0}
    assert f["Volume"].change("previous") == "+300.0%"  # 600 against 150
    assert f["Volume"].change("last_year") == "—"  # nothing to compare with
    assert f["Fraud loss rate"].value == Decimal("5000.0")  # 300 of 600: half, 5,000 basis points
    kinds = next(t for s in doc.sections for t in s.tables if t.key == "by_kind")
    assert kinds.rows == [["Card payment", 3, Decimal("600.00")]]
    rupees = _figures(build("transactions", Params.parse(period="2026Q3", currency="INR")))
    assert (rupees["Transactions"].value, rupees["Volume"].value) == (1, Decimal("9000.00"))


def test_the_exports_open_in_their_readers(book, tmp_path):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    params = Params.parse(period="2026Q3", currency="USD")
    pdf = tmp_path / "q3.pdf"
    with pdf.open("w+b") as handle:
        services.report_file(actor=None, slug="board-quarterly", params=params, kind="pdf", handle=handle)
    reader = PdfReader(pdf)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 3  # cover and contents, then a page for each section
    assert "Quarterly board report" in text and "Transaction summary" in text and "600.00" in text
    assert "Page 2 of" in text

    xlsx = tmp_path / "q3.xlsx"
    with xlsx.open("w+b") as handle:
        services.report_file(actor=None, slug="board-quarterly", params=params, kind="xlsx", handle=handle)
    book_ = load_workbook(xlsx, read_only=True)
    assert book_.sheetnames[0] == "Summary" and "Detail" in book_.sheetnames
    detail = list(book_["Detail"].iter_rows(values_only=True))
    assert detail[0][0] == "occurred_at" and len(detail) == 1 + 3  # the quarter's three USD transactions
    summary = {r[1]: r for r in book_["Summary"].iter_rows(values_only=True) if r and r[1]}
    assert summary["Transactions"][2] == 3 and summary["Volume"][2] == 600

    assert ReportRun.objects.filter(format__in=["pdf", "xlsx"]).count() == 2


def test_the_csv_guards_formulas(db):
    from apps.fraud.models import Alert

    Alert.objects.create(subject="customer:C-X", severity="high", score=90, decision="review",
                         reasons=[{"rule": "=HYPERLINK(\"http://x\")", "weight": 90}])  # fmt: skip
    rollups_sweep()
    from django.utils import timezone

    period = f"{timezone.localdate():%Y-%m}"
    lines = list(services.report_csv(actor=None, slug="fraud", params=Params.parse(period=period))())
    rows = list(csv.reader(io.StringIO("".join(lines))))
    rules = [r for r in rows if r[1] == "Alerts by rule"]
    assert rules and rules[0][2].startswith("'=HYPERLINK")
    assert ReportRun.objects.get().format == "csv"


def test_who_may_make_reports_and_a_bad_period_is_refused_with_a_reason(client, book):
    client.force_login(make_user(Role.ANALYST, email="ana@bank.test"))
    assert client.get(reverse("reporting:report", args=["board-quarterly"])).status_code == 403
    client.force_login(make_user(Role.AUDITOR, email="sam@bank.test"))
    page = client.get(reverse("reporting:report", args=["board-quarterly"]), {"period": "2026Q3", "currency": "USD"})
    assert page.status_code == 200 and "Transaction summary" in page.content.decode()
    bad = client.get(reverse("reporting:report", args=["board-quarterly"]), {"period": "Q3"})
    assert bad.status_code == 400 and "is not a period" in bad.content.decode()
    assert client.get(reverse("reporting:report", args=["nothing"])).status_code == 404
    download = client.get(reverse("reporting:report", args=["transactions"]),
                          {"period": "2026Q3", "currency": "USD", "format": "xlsx"})  # fmt: skip
    assert download.status_code == 200 and download["Content-Disposition"].endswith('transactions-2026Q3.xlsx"')
    run = ReportRun.objects.get()
    assert (run.actor.email, run.template, run.params["period"]) == ("sam@bank.test", "transactions", "2026Q3")


def test_the_command_writes_the_file_and_says_how_long_it_took(book, tmp_path, capsys):
    out = tmp_path / "q3.csv"
    call_command("build_report", "transactions", "--period", "2026Q3", "--format", "csv", "--out", str(out),
                 "--currency", "USD")  # fmt: skip
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("transactions 2026Q3 as csv written to") and last.endswith(" s")
    assert "Transaction summary,figures,Transactions,2026Q3,3" in out.read_text()
