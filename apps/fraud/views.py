import json
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from apps.core.views import FilteredListView, PortalListView, PortalPermissionMixin, submit_form

from . import selectors, services
from .choices import RuleStatus
from .filtersets import AlertFilterSet
from .forms import BacktestForm, ReasonForm, RuleDraftForm
from .rules.conditions import OPERATORS
from .rules.features import FEATURES


class AlertListView(FilteredListView):
    permission_required = "fraud.view_alert"
    template_name = "fraud/alert_list.html"
    partial_template = "fraud/alert_list.html"
    context_object_name = "alerts"
    filterset_class = AlertFilterSet
    export_name = "alerts"
    export_related = ("transaction",)
    export_columns = [
        ("raised", lambda a: a.created_at), ("severity", lambda a: a.severity), ("score", lambda a: a.score),
        ("decision", lambda a: a.decision), ("subject", lambda a: a.subject), ("status", lambda a: a.status),
        ("transaction", lambda a: a.transaction.external_id if a.transaction_id else ""),
        ("cheque", lambda a: a.cheque_id or ""),
        ("amount", lambda a: a.transaction.amount if a.transaction_id else ""),
        ("currency", lambda a: a.transaction.currency if a.transaction_id else ""),
        ("case", lambda a: f"CASE-{a.case_id:06d}" if a.case_id else ""),
        ("reasons", lambda a: "; ".join(r.get("explanation", "") for r in a.reasons)),
    ]  # fmt: skip

    def base_queryset(self):
        return selectors.alert_list()


class AlertLiveView(PortalPermissionMixin, View):
    """The live panel (htmx polls it): open alerts by severity, the newest, SLA breaches, my open cases."""

    permission_required = "fraud.view_alert"

    def get(self, request):
        from .cases.selectors import live_summary

        return render(request, "fraud/_alerts_live.html", live_summary(request.user))


class RuleListView(PortalListView):
    permission_required = "fraud.view_rule"
    template_name = "fraud/rule_list.html"
    context_object_name = "rules"

    def get_queryset(self):
        qs = selectors.rule_list()
        show = self.request.GET.get("show", "current")
        if show == "current":
            qs = qs.exclude(status__in=[RuleStatus.RETIRED, RuleStatus.REJECTED])
        return qs


class RuleDetailView(PortalPermissionMixin, View):
    permission_required = "fraud.view_rule"

    def get(self, request, pk: int):
        rule = get_object_or_404(selectors.rule_list(), pk=pk)
        today = timezone.localdate()
        context = {
            "rule": rule,
            "versions": selectors.rule_list().filter(code=rule.code),
            "backtest_form": BacktestForm(initial={"start": today - timedelta(days=30), "end": today}),
            "reason_form": ReasonForm(),
            "is_author": rule.author_id == request.user.pk,
        }
        return render(request, "fraud/rule_detail.html", context)


class RuleCreateView(PortalPermissionMixin, View):
    permission_required = "fraud.add_rule"
    context = {"title": "Draft a rule", "submit": "Save draft", "cancel_url": "fraud:rules"}

    def _context(self):
        return {**self.context, "notice": "Fields: " + ", ".join(sorted(FEATURES)) + ". Operators: "
                + ", ".join(sorted(OPERATORS)) + "."}  # fmt: skip

    def get(self, request):
        initial = {}
        if base := request.GET.get("from"):
            rule = get_object_or_404(selectors.rule_list(), pk=base)
            initial = {"code": rule.code, "name": rule.name, "explanation": rule.explanation, "weight": rule.weight,
                       "condition": json.dumps(rule.condition, indent=2)}  # fmt: skip
        return render(request, "form_page.html", {**self._context(), "form": RuleDraftForm(initial=initial)})

    def post(self, request):
        def done(rule):
            messages.success(request, f"Draft {rule.code} v{rule.version} saved. Back-test it, then submit it.")
            return redirect("fraud:rule_detail", pk=rule.pk)

        return submit_form(
            request, RuleDraftForm(request.POST), lambda d: services.rule_draft_create(actor=request.user, **d),
            template="form_page.html", context=self._context(), success=done,
        )  # fmt: skip


class RuleActionView(PortalPermissionMixin, View):
    """POST-only workflow step on a rule; each subclass names its permission and service."""

    http_method_names = ["post"]
    success_message = ""

    def act(self, request, rule):
        raise NotImplementedError

    def post(self, request, pk: int):
        rule = get_object_or_404(selectors.rule_list(), pk=pk)
        try:
            self.act(request, rule)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, self.success_message)
        return redirect("fraud:rule_detail", pk=rule.pk)


def _reason(request) -> str:
    form = ReasonForm(request.POST)
    return form.cleaned_data["reason"] if form.is_valid() else ""


class RuleSubmitView(RuleActionView):
    permission_required = "fraud.change_rule"
    success_message = "Submitted for approval by another person."

    def act(self, request, rule):
        services.rule_submit(actor=request.user, rule=rule)


class RuleApproveView(RuleActionView):
    permission_required = "fraud.approve_rule"
    success_message = "Approved: this version is now active."

    def act(self, request, rule):
        services.rule_approve(actor=request.user, rule=rule, reason=_reason(request))


class RuleRejectView(RuleActionView):
    permission_required = "fraud.approve_rule"
    success_message = "Sent back to its author."

    def act(self, request, rule):
        services.rule_reject(actor=request.user, rule=rule, reason=_reason(request))


class RuleBacktestView(RuleActionView):
    permission_required = "fraud.change_rule"
    success_message = "Back-test finished."

    def act(self, request, rule):
        form = BacktestForm(request.POST)
        if not form.is_valid():
            raise ValidationError([e for errs in form.errors.values() for e in errs])
        start = timezone.make_aware(datetime.combine(form.cleaned_data["start"], time.min))
        end = timezone.make_aware(datetime.combine(form.cleaned_data["end"] + timedelta(days=1), time.min))
        services.rule_backtest(actor=request.user, rule=rule, start=start, end=end)


class ModelListView(PortalListView):
    permission_required = "fraud.view_modelversion"
    template_name = "fraud/model_list.html"
    context_object_name = "models"

    def get_queryset(self):
        return selectors.model_list()


class ModelDetailView(PortalPermissionMixin, View):
    permission_required = "fraud.view_modelversion"

    def get(self, request, pk: int):
        model = get_object_or_404(selectors.model_list(), pk=pk)
        top = max((v for _n, v in model.importances), default=0) or 1
        bars = [(n, v, max(0, round(v / top * 100))) for n, v in model.importances[:12]]
        rows = [
            ("average_precision", "Average precision"),
            ("roc_auc", "ROC AUC"),
            ("precision_at_review", "Precision at the review threshold"),
            ("recall_at_review", "Recall at the review threshold"),
            ("card_precision_at_100", "Card precision@100"),
        ]
        return render(request, "fraud/model_detail.html", {"model": model, "bars": bars, "metric_rows": rows})


class ModelActivateView(PortalPermissionMixin, View):
    """A supervisor puts a model version live by hand, with a reason (audited)."""

    permission_required = "fraud.activate_modelversion"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        from .ml.training import model_activate

        model = get_object_or_404(selectors.model_list(), pk=pk)
        reason = _reason(request)
        if not reason.strip():
            messages.error(request, "Say why this version goes live.")
        else:
            model_activate(candidate=model, actor=request.user, reason=reason)
            messages.success(request, f"{model.version} is now the active model.")
        return redirect("fraud:model_detail", pk=model.pk)
