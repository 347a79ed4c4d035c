from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from apps.core.forms import add_service_errors
from apps.core.views import PortalPermissionMixin

from . import selectors, services
from .choices import Unit
from .forms import BacktestForm, JurisdictionForm, ThresholdDraftForm, today_text
from .models import Threshold
from .profiles import METRICS


def _rows(user) -> list[dict]:
    current, later = selectors.thresholds_current(), selectors.thresholds_scheduled()
    pending: dict[str, list[Threshold]] = {}
    for t in selectors.thresholds_pending():
        pending.setdefault(t.metric, []).append(t)
    return [{"metric": metric, "spec": spec, "current": current.get(metric), "later": later.get(metric),
             "pending": pending.get(metric, [])} for metric, spec in METRICS.items()]  # fmt: skip


class ThresholdListView(PortalPermissionMixin, View):
    """Every regulatory threshold in force, what is scheduled, and what waits for approval."""

    permission_required = "compliance.view_threshold"

    def get(self, request):
        waiting = list(selectors.thresholds_pending())
        return render(request, "compliance/thresholds.html", {"rows": _rows(request.user), "waiting": waiting})


class ThresholdDetailView(PortalPermissionMixin, View):
    """One metric: every version with who drafted and approved it, and the form for the next one."""

    permission_required = "compliance.view_threshold"

    def _context(self, request, metric: str, form=None) -> dict:
        spec = METRICS[metric]
        current = selectors.threshold_current(metric)
        if form is None and request.user.has_perm("compliance.add_threshold"):
            initial = {"effective_from": today_text()}
            if current is not None:
                initial.update(breach=current.breach, warning=current.warning or "", currency=current.currency,
                               target=current.target, weight=current.weight)  # fmt: skip
            form = ThresholdDraftForm(initial=initial, money=spec.unit == Unit.MONEY, kpi=bool(spec.domain))
        return {"metric": metric, "spec": spec, "current": current, "form": form,
                "versions": selectors.threshold_list().filter(metric=metric)}  # fmt: skip

    def get(self, request, metric: str):
        if metric not in METRICS:
            return render(request, "404.html", status=404)
        return render(request, "compliance/threshold_detail.html", self._context(request, metric))

    def post(self, request, metric: str):
        if metric not in METRICS:
            return render(request, "404.html", status=404)
        if not request.user.has_perm("compliance.add_threshold"):
            raise PermissionDenied
        spec = METRICS[metric]
        form = ThresholdDraftForm(request.POST, money=spec.unit == Unit.MONEY, kpi=bool(spec.domain))
        if form.is_valid():
            try:
                draft = services.threshold_draft(actor=request.user, metric=metric, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Version {draft.version} drafted: another compliance officer approves it.")
                return redirect("compliance:threshold_detail", metric=metric)
        return render(request, "compliance/threshold_detail.html", self._context(request, metric, form), status=400)


class ThresholdReviewView(PortalPermissionMixin, View):
    """Approve or reject a version waiting for approval (not one's own)."""

    permission_required = "compliance.approve_threshold"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        threshold = get_object_or_404(selectors.threshold_list(), pk=pk)
        note = request.POST.get("note", "")[:1000]
        try:
            if request.POST.get("decision") == "reject":
                services.threshold_reject(actor=request.user, threshold=threshold, note=note)
                messages.success(request, f"{threshold.metric} v{threshold.version} rejected.")
            else:
                services.threshold_approve(actor=request.user, threshold=threshold, note=note)
                messages.success(request, f"{threshold.metric} v{threshold.version} approved: in force from "
                                 f"{threshold.effective_from:%Y-%m-%d}.")  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        if request.POST.get("next") == "detail":
            return redirect("compliance:threshold_detail", metric=threshold.metric)
        return redirect("compliance:thresholds")


class ScenarioListView(PortalPermissionMixin, View):
    """The AML scenarios: what each looks for, its parameters (the thresholds in force), what it raised in
    the last 30 days, and a back-test on stored history."""

    permission_required = "compliance.view_threshold"

    def _context(self, request, result=None, form=None) -> dict:
        from datetime import timedelta

        from django.db.models import Count
        from django.utils import timezone

        from .models import ScenarioHit
        from .scenarios import SCENARIOS

        current = selectors.thresholds_current()
        since = timezone.now() - timedelta(days=30)
        raised = dict(ScenarioHit.objects.filter(created_at__gte=since).values("scenario")
                      .annotate(n=Count("id")).values_list("scenario", "n"))  # fmt: skip
        rows = [{"scenario": s, "params": [current[m] for m in s.metrics if m in current],
                 "raised": raised.get(code, 0)} for code, s in SCENARIOS.items()]  # fmt: skip
        today = timezone.localdate()
        form = form or BacktestForm(
            initial={"start": (today - timedelta(days=30)).isoformat(), "end": today.isoformat()}
        )
        return {"rows": rows, "form": form, "result": result}

    def get(self, request):
        return render(request, "compliance/scenarios.html", self._context(request))

    def post(self, request):
        from datetime import datetime, time, timedelta

        from django.utils import timezone

        form = BacktestForm(request.POST)
        if not form.is_valid():
            return render(request, "compliance/scenarios.html", self._context(request, form=form), status=400)
        data = form.cleaned_data
        start = timezone.make_aware(datetime.combine(data["start"], time.min))
        end = timezone.make_aware(datetime.combine(data["end"] + timedelta(days=1), time.min))
        try:
            result = services.scenario_backtest(actor=request.user, code=data["scenario"], start=start, end=end)
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
            return render(request, "compliance/scenarios.html", self._context(request, form=form), status=400)
        return render(request, "compliance/scenarios.html", self._context(request, result=result, form=form))


class JurisdictionListView(PortalPermissionMixin, View):
    """The bank's high-risk list: who put each country there and why; officers add and remove."""

    permission_required = "compliance.view_highriskjurisdiction"

    def _render(self, request, form=None, status=200):
        from .models import HighRiskJurisdiction

        if form is None and request.user.has_perm("compliance.add_highriskjurisdiction"):
            form = JurisdictionForm()
        entries = HighRiskJurisdiction.objects.select_related("added_by")
        return render(request, "compliance/jurisdictions.html", {"entries": entries, "form": form}, status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        from .models import HighRiskJurisdiction

        action = request.POST.get("action", "add")
        try:
            if action == "fatf":
                if not request.user.has_perm("compliance.add_highriskjurisdiction"):
                    raise PermissionDenied
                added = services.jurisdictions_add_fatf(actor=request.user)
                messages.success(
                    request, f"The FATF call-for-action list: {added} jurisdiction{'s' if added != 1 else ''} added."
                )
            elif action == "remove":
                entry = get_object_or_404(HighRiskJurisdiction, pk=request.POST.get("pk"))
                services.jurisdiction_remove(actor=request.user, entry=entry, reason=request.POST.get("reason", ""))
                messages.success(request, f"{entry.country} is off the high-risk list.")
            else:
                if not request.user.has_perm("compliance.add_highriskjurisdiction"):
                    raise PermissionDenied
                form = JurisdictionForm(request.POST)
                if not form.is_valid():
                    return self._render(request, form, status=400)
                entry = services.jurisdiction_add(actor=request.user, **form.cleaned_data)
                messages.success(request, f"{entry.country} is on the high-risk list.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("compliance:jurisdictions")
