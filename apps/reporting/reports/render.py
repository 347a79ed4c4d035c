"""A report document as the page shows it, as PDF, as XLSX and as CSV. The page and the PDF are one
template (`reporting/_document.html`); a chart is one definition, drawn by Chart.js on the page and as
SVG (matplotlib) in the PDF, so what is approved on screen is what prints."""

from __future__ import annotations

import csv
import io
import tempfile
from decimal import Decimal

from django.template.loader import render_to_string

from apps.core.views import _csv_safe

from .document import Chart, Document

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PALETTE = ["#0e7c80", "#1b3a4b", "#e0a526", "#c0392b", "#6c8ea0", "#8e5ea2", "#3cba9f", "#b0b0b0"]


def chart_svg(chart: Chart) -> str:
    """The chart as an SVG document (matplotlib, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(7.2, 2.6 if chart.kind != "doughnut" else 3.0), dpi=100)
    try:
        if chart.kind == "doughnut":
            values = chart.series[0][1] if chart.series else []
            if any(values):
                ax.pie(values, labels=None, colors=PALETTE[: len(values)], wedgeprops={"width": 0.4})
                ax.legend(chart.labels, loc="center left", bbox_to_anchor=(1, 0.5), fontsize=8, frameon=False)
            ax.set_aspect("equal")
        else:
            x = range(len(chart.labels))
            bottom = [0.0] * len(chart.labels)
            for i, (label, values) in enumerate(chart.series):
                if chart.kind == "bar":
                    ax.bar(x, values, bottom=bottom, label=label, color=PALETTE[i % len(PALETTE)])
                    bottom = [b + v for b, v in zip(bottom, values, strict=True)]
                else:
                    ax.plot(x, values, label=label, color=PALETTE[i % len(PALETTE)], linewidth=1.5)
            step = max(1, len(chart.labels) // 8)
            ax.set_xticks(list(x)[::step], chart.labels[::step], fontsize=7, rotation=30, ha="right")
            ax.tick_params(axis="y", labelsize=7)
            ax.spines[["top", "right"]].set_visible(False)
            if len(chart.series) > 1:
                ax.legend(fontsize=7, frameon=False)
        ax.set_title(chart.title, fontsize=9, loc="left")
        out = io.StringIO()
        fig.tight_layout()
        fig.savefig(out, format="svg")
        svg = out.getvalue()
    finally:
        plt.close(fig)
    return svg[svg.index("<svg") :]


def chart_data(document: Document) -> dict:
    """Every chart as the page's Chart.js script reads it."""
    return {c.key: {"kind": c.kind, "title": c.title, "labels": c.labels, "links": c.links,
                    "series": [{"label": label, "values": values} for label, values in c.series]}
            for s in document.sections for c in s.charts}  # fmt: skip


def as_html(document: Document, *, pdf: bool = False) -> str:
    svgs = {c.key: chart_svg(c) for s in document.sections for c in s.charts} if pdf else {}
    return render_to_string("reporting/_document.html", {"doc": document, "pdf": pdf, "svgs": svgs})


def as_pdf(document: Document) -> bytes:
    from weasyprint import HTML

    page = render_to_string("reporting/report_pdf.html", {"doc": document, "body": as_html(document, pdf=True)})
    return HTML(string=page).write_pdf()


def _cell(value):
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return float(value) if isinstance(value, Decimal) else value
    return _csv_safe(value)


def as_xlsx(document: Document, handle) -> None:
    """Write the workbook to `handle`: the summary (every figure with its comparisons), one sheet per
    table, and the detail rows (constant memory: rows go to disk as they are written)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(handle, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False,
                                        "tmpdir": tempfile.gettempdir()})  # fmt: skip
    bold = book.add_format({"bold": True})
    names = document.comparison_names
    summary = book.add_worksheet("Summary")
    summary.write_row(0, 0, [document.title, document.subtitle], bold)
    header = ["Section", "Figure", document.period.name, *[document.comparisons[n].name for n in names],
              *[f"Change from {document.comparisons[n].name}" for n in names], "Definition"]  # fmt: skip
    summary.write_row(2, 0, header, bold)
    row = 3
    for section in document.sections:
        for f in section.figures:
            values = [f.value, *[f.compare.get(n) for n in names]]  # numbers, as a spreadsheet adds them up
            summary.write_row(row, 0, [_cell(v) for v in [section.title, f.label, *values,
                                                          *[f.change(n) for n in names], f.definition]])  # fmt: skip
            row += 1
    used = {"Summary"}
    for section in document.sections:
        for table in section.tables:
            name = table.title[:31]
            if name in used:
                name = f"{name[:28]}-{len(used)}"
            used.add(name)
            sheet = book.add_worksheet(name)
            sheet.write_row(0, 0, table.headers, bold)
            for i, r in enumerate(table.rows, start=1):
                sheet.write_row(i, 0, [_cell(v) for v in r])
    if document.detail_rows is not None:
        sheet = book.add_worksheet("Detail")
        sheet.write_row(0, 0, document.detail_headers, bold)
        for i, r in enumerate(document.detail_rows(), start=1):
            sheet.write_row(i, 0, [_cell(v) for v in r])
    book.close()


def csv_lines(document: Document):
    """The report as CSV lines (streamed): every figure and every table row, one line each, in a long
    layout (section, table, row, column, value); spreadsheet formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_csv_safe(v) if not isinstance(v, int | float | Decimal) else v for v in values])
        return buffer.getvalue()

    yield line(["section", "table", "row", "column", "value"])
    columns = [document.period.name, *[document.comparisons[n].name for n in document.comparison_names]]
    for section in document.sections:
        for f in section.figures:
            values = [f.value, *[f.compare.get(n) for n in document.comparison_names]]
            for column, value in zip(columns, values, strict=True):
                yield line([section.title, "figures", f.label, column, "" if value is None else value])
        for table in section.tables:
            for r in table.rows:
                for column, value in zip(table.headers[1:], r[1:], strict=True):
                    yield line([section.title, table.title, r[0], column, value])
