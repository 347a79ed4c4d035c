"""The analytics page: what happened, from the rollups, every figure opening the facts behind it."""

from __future__ import annotations

from django.shortcuts import render
from django.views import View

from apps.core.views import PortalPermissionMixin
from apps.fraud.choices import Severity
from apps.transactions.choices import Decision, TransactionKind

from . import selectors
from .forms import CutForm, ReportForm


class AnalyticsView(PortalPermissionMixin, View):
    """Volumes, the mix, alert rates and fraud losses for a period, a branch, a channel and a currency.
    A click on a bar or slice opens the list of the transactions or alerts it counts."""

    permission_required = "reporting.view_transactionrollup"

    def get(self, request):
        seen = selectors.choices_seen()
        params = request.GET.copy()
        params.update(CutForm.defaults(params))
        form = CutForm(params, **seen)
        if not params.get("currency"):
            params["currency"] = form.default_currency
            form = CutForm(params, **seen)
        if not form.is_valid():
            return render(request, "reporting/analytics.html", {"form": form}, status=400)
        cut = selectors.Cut(**form.cleaned_data)
        kinds, decisions = dict(TransactionKind.choices), dict(Decision.choices)
        mix = [{**r, "label": kinds.get(r["key"], r["key"]), "url": cut.transactions_url(kind=r["key"])}
               for r in selectors.by(cut, "kind")]  # fmt: skip
        outcomes = [{**r, "label": decisions.get(r["key"], r["key"]), "url": cut.transactions_url(decision=r["key"])}
                    for r in selectors.by(cut, "decision")]  # fmt: skip
        days = [{**d, "url": cut.transactions_url(since=d["day"].isoformat(), until=d["day"].isoformat())}
                for d in selectors.daily(cut)]  # fmt: skip
        alerts = selectors.alerts_daily(cut)
        chart = {
            "mix": {"labels": [m["label"] for m in mix], "values": [m["count"] for m in mix],
                    "links": [m["url"] for m in mix]},
            "outcomes": {"labels": [o["label"] for o in outcomes], "values": [o["count"] for o in outcomes],
                         "links": [o["url"] for o in outcomes]},
            "daily": {"labels": [d["day"].isoformat() for d in days], "count": [d["count"] for d in days],
                      "amount": [float(d["amount"]) for d in days],
                      "average": [float(d["average"]) if d["average"] is not None else None for d in days],
                      "links": [d["url"] for d in days], "currency": cut.currency},
            "alerts": {"labels": [d.isoformat() for d in cut.days()],
                       "series": [{"label": Severity(s).label, "values": v,
                                   "links": [cut.alerts_url(severity=s, since=d.isoformat(), until=d.isoformat())
                                             for d in cut.days()]} for s, v in alerts.items()]},
        }  # fmt: skip
        context = {"form": form, "cut": cut, "totals": selectors.totals(cut), "mix": mix, "outcomes": outcomes,
                   "days": days, "rules": selectors.alerts_by_rule(cut), "chart": chart,
                   "all_url": cut.transactions_url(), "fraud_url": cut.transactions_url(label="fraud"),
                   "alerted_url": cut.transactions_url(alerted="true")}  # fmt: skip
        return render(request, "reporting/analytics.html", context)


class ReportListView(PortalPermissionMixin, View):
    """The report templates, each opened for the last complete quarter."""

    permission_required = "reporting.export_report"

    def get(self, request):
        from django.utils import timezone

        from .models import ReportRun
        from .reports.periods import last_complete_quarter
        from .reports.templates import TEMPLATES

        quarter = last_complete_quarter(timezone.localdate()).name
        runs = ReportRun.objects.filter(actor=request.user)[:10]
        return render(request, "reporting/reports.html", {"templates": TEMPLATES.values(), "quarter": quarter,
                                                          "runs": runs})  # fmt: skip


class ReportView(PortalPermissionMixin, View):
    """One report: its parameters, the preview (the same document as the PDF), and the downloads
    (`?format=pdf`, `xlsx`, `csv`), each recorded and audited."""

    permission_required = "reporting.export_report"

    def get(self, request, slug: str):
        import tempfile

        from django.core.exceptions import ValidationError
        from django.http import FileResponse, Http404, StreamingHttpResponse
        from django.utils import timezone

        from . import services
        from .reports import render as rendering
        from .reports.periods import last_complete_quarter
        from .reports.templates import TEMPLATES, Params, build

        template = TEMPLATES.get(slug)
        if template is None:
            raise Http404("No such report.")
        seen = selectors.choices_seen()
        params = request.GET.copy()
        params.setdefault("period", last_complete_quarter(timezone.localdate()).name)
        params.setdefault("compare", "both")
        form = ReportForm(params, **seen)
        if not params.get("currency"):
            params["currency"] = form.default_currency
            form = ReportForm(params, **seen)
        context = {"template": template, "form": form}
        if not form.is_valid():
            return render(request, "reporting/report.html", context, status=400)
        try:
            chosen = Params.parse(**form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return render(request, "reporting/report.html", context, status=400)
        kind = request.GET.get("format", "")
        name = f"{slug}-{chosen.period.name}"
        if kind == "csv":
            lines = services.report_csv(actor=request.user, slug=slug, params=chosen)
            response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            return response
        if kind in ("pdf", "xlsx"):
            handle = tempfile.TemporaryFile()
            services.report_file(actor=request.user, slug=slug, params=chosen, kind=kind, handle=handle)
            content_type = "application/pdf" if kind == "pdf" else rendering.XLSX
            return FileResponse(handle, as_attachment=True, filename=f"{name}.{kind}", content_type=content_type)
        document = build(slug, chosen)
        query = request.GET.copy()
        query.pop("format", None)
        context.update(doc=document, body=rendering.as_html(document), charts=rendering.chart_data(document),
                       query=query.urlencode())  # fmt: skip
        return render(request, "reporting/report.html", context)
