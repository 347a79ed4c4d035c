"""Portal pages for cases: the team queue, a case, and each workflow step as a POST."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from apps.accounts.selectors import user_teams
from apps.core.permissions import has_object_perm
from apps.core.views import FilteredListView, PortalPermissionMixin, submit_form

from ..filtersets import CaseFilterSet
from ..models import CaseAttachment
from . import selectors, services
from .forms import (
    AssignForm,
    AttachForm,
    CaseOpenForm,
    CaseRouteForm,
    CommentForm,
    ProposeForm,
    ReasonForm,
    SnoozeForm,
    TagForm,
)


def _assignable(user):
    """People a supervisor can give cases to: active members of the supervisor's teams."""
    return get_user_model().objects.filter(is_active=True, groups__team__in=user_teams(user)).distinct()


class CaseQueueView(FilteredListView):
    """The team's open cases by SLA and priority (closed ones when the status filter asks for them)."""

    permission_required = "fraud.view_case"
    template_name = "fraud/case_queue.html"
    partial_template = "fraud/_case_table.html"
    context_object_name = "cases"
    filterset_class = CaseFilterSet
    export_name = "cases"
    export_related = ("team", "assignee")
    export_columns = [
        ("case", lambda c: c.reference), ("title", lambda c: c.title), ("kind", lambda c: c.kind),
        ("priority", lambda c: c.priority), ("status", lambda c: c.status),
        ("team", lambda c: c.team.name if c.team_id else ""),
        ("assignee", lambda c: c.assignee.email if c.assignee_id else ""), ("amount", lambda c: c.amount),
        ("currency", lambda c: c.currency), ("alerts", lambda c: c.alert_count), ("customer", lambda c: c.customer_ref),
        ("sla_due", lambda c: c.sla_due_at), ("opened", lambda c: c.created_at), ("outcome", lambda c: c.outcome),
    ]  # fmt: skip

    def base_queryset(self):
        # Open cases unless a status is chosen; a search (a case number, a customer) finds closed ones too.
        chosen = [s for s in self.request.GET.getlist("status") if s.strip()]
        if chosen or self.request.GET.get("q", "").strip():
            return selectors.visible_cases(self.request.user).order_by("sla_due_at", "priority_rank", "id")
        return selectors.queue(self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["can_assign"] = user.has_perm("fraud.assign_case")
        ctx["can_work"] = user.has_perm("fraud.change_case")
        ctx["can_open"] = user.has_perm("fraud.add_case")
        ctx["assignees"] = _assignable(user) if ctx["can_assign"] else []
        return ctx


class CaseClaimNextView(PortalPermissionMixin, View):
    permission_required = "fraud.change_case"
    http_method_names = ["post"]

    def post(self, request):
        case = services.case_claim_next(actor=request.user)
        if case is None:
            messages.info(request, "Nothing to claim: every case you may work is taken.")
            return redirect("fraud:cases")
        messages.success(request, f"{case.reference} is yours.")
        return redirect("fraud:case_detail", pk=case.pk)


class CaseBulkAssignView(PortalPermissionMixin, View):
    permission_required = "fraud.assign_case"
    http_method_names = ["post"]

    def post(self, request):
        ids = [int(i) for i in request.POST.getlist("case") if i.isdigit()]
        cases = list(selectors.visible_cases(request.user).filter(pk__in=ids))
        form = AssignForm(request.POST, users=_assignable(request.user))
        if not cases:
            messages.error(request, "Tick the cases to assign.")
        elif not form.is_valid():
            messages.error(request, "Choose who gets the cases.")
        else:
            try:
                services.cases_bulk_assign(cases=cases, actor=request.user, assignee=form.cleaned_data["assignee"],
                                           reason=form.cleaned_data["reason"])  # fmt: skip
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            else:
                messages.success(request, f"{len(cases)} case(s) assigned to {form.cleaned_data['assignee']}.")
        return redirect("fraud:cases")


class CaseOpenView(PortalPermissionMixin, View):
    permission_required = "fraud.add_case"
    context = {"title": "Open a case", "submit": "Open case", "cancel_url": "fraud:cases"}

    def _teams(self):
        from apps.accounts.models import Team

        user = self.request.user
        return Team.objects.all() if user.has_perm("fraud.access_all_case") else user_teams(user)

    def get(self, request):
        return render(request, "form_page.html", {**self.context, "form": CaseOpenForm(teams=self._teams())})

    def post(self, request):
        def done(case):
            messages.success(request, f"{case.reference} opened.")
            return redirect("fraud:case_detail", pk=case.pk)

        return submit_form(request, CaseOpenForm(request.POST, teams=self._teams()),
                           lambda d: services.case_open(actor=request.user, **d), template="form_page.html",
                           context=self.context, success=done)  # fmt: skip


class CaseDetailView(PortalPermissionMixin, View):
    permission_required = "fraud.view_case"

    def get(self, request, pk: int):
        user = request.user
        case = get_object_or_404(selectors.visible_cases(user), pk=pk)
        detail = selectors.case_detail(case)
        pending = detail["pending"]
        context = {
            "case": case,
            **detail,
            "related": selectors.related_cases(user, case),
            "sla": selectors.sla_state(case),
            "can_work": has_object_perm(user, case, "change"),
            "can_assign": user.has_perm("fraud.assign_case"),
            "can_approve": bool(pending) and user.has_perm("fraud.approve_case") and pending.proposed_by_id != user.pk,
            "can_reopen": user.has_perm("fraud.reopen_case") and not case.is_open,
            "actions": set(services.states.actions_from(case.status)),
            "comment_form": CommentForm(),
            "propose_form": ProposeForm(),
            "snooze_form": SnoozeForm(),
            "reason_form": ReasonForm(),
            "tag_form": TagForm(initial={"tags": ", ".join(case.tags)}),
            "attach_form": AttachForm(),
            "assign_form": AssignForm(users=_assignable(user)) if user.has_perm("fraud.assign_case") else None,
        }
        return render(request, "fraud/case_detail.html", context)


@dataclass(frozen=True)
class _Step:
    permission: str
    form: Any
    run: Any
    done: str


def _tags(text: str) -> list[str]:
    return [t for t in text.split(",") if t.strip()]


STEPS: dict[str, _Step] = {
    "claim": _Step("fraud.change_case", None, lambda r, c, d: services.case_claim(case=c, actor=r.user), "Claimed."),
    "assign": _Step("fraud.assign_case", AssignForm,
                    lambda r, c, d: services.case_assign(case=c, actor=r.user, **d), "Assigned."),
    "escalate": _Step("fraud.change_case", ReasonForm,
                      lambda r, c, d: services.case_escalate(case=c, actor=r.user, **d), "Escalated."),
    "snooze": _Step("fraud.change_case", SnoozeForm,
                    lambda r, c, d: services.case_snooze(case=c, actor=r.user, **d), "Snoozed."),
    "resume": _Step("fraud.change_case", ReasonForm,
                    lambda r, c, d: services.case_resume(case=c, actor=r.user, **d), "Back in review."),
    "propose": _Step("fraud.change_case", ProposeForm,
                     lambda r, c, d: services.case_propose(case=c, actor=r.user, **d), "Decision recorded."),
    "approve": _Step("fraud.approve_case", ReasonForm,
                     lambda r, c, d: services.case_approve(case=c, actor=r.user, **d), "Approved: the case is closed."),
    "send-back": _Step("fraud.approve_case", ReasonForm,
                       lambda r, c, d: services.case_send_back(case=c, actor=r.user, **d), "Sent back for review."),
    "reopen": _Step("fraud.reopen_case", ReasonForm,
                    lambda r, c, d: services.case_reopen(case=c, actor=r.user, **d), "Reopened."),
    "comment": _Step("fraud.change_case", CommentForm,
                     lambda r, c, d: services.case_comment(case=c, actor=r.user, **d), "Comment added."),
    "tag": _Step("fraud.change_case", TagForm,
                 lambda r, c, d: services.case_tag(case=c, actor=r.user, tags=_tags(d["tags"])), "Tags saved."),
    "attach": _Step("fraud.change_case", AttachForm,
                    lambda r, c, d: services.case_attach(case=c, actor=r.user, upload=d["file"]), "File attached."),
}  # fmt: skip


class CaseStepView(PortalPermissionMixin, View):
    """One workflow step on a case (POST). Each step names its permission; the case must be visible
    (else 404); the service checks the state machine and maker-checker."""

    http_method_names = ["post"]

    def get_permission_required(self):
        step = STEPS.get(self.kwargs["step"])
        if step is None:
            raise Http404("No such step.")
        return [step.permission]

    def post(self, request, pk: int, step: str):
        spec = STEPS[step]
        case = get_object_or_404(selectors.visible_cases(request.user), pk=pk)
        data: dict = {}
        if spec.form is not None:
            kwargs = {"users": _assignable(request.user)} if spec.form is AssignForm else {}
            form = spec.form(request.POST, request.FILES, **kwargs)
            if not form.is_valid():
                errors = [f"{'' if k == '__all__' else k + ': '}{e}" for k, errs in form.errors.items() for e in errs]
                messages.error(request, " ".join(errors))
                return redirect("fraud:case_detail", pk=case.pk)
            data = form.cleaned_data
        try:
            spec.run(request, case, data)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, spec.done)
        return redirect("fraud:case_detail", pk=case.pk)


class CaseAttachmentView(PortalPermissionMixin, View):
    """Evidence is served only through this permission-checked view (never a public URL)."""

    permission_required = "fraud.view_case"

    def get(self, request, pk: int):
        attachment = get_object_or_404(CaseAttachment.objects.select_related("case"), pk=pk)
        if not has_object_perm(request.user, attachment.case, "view"):
            raise Http404
        response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name,
                                content_type=attachment.content_type)  # fmt: skip
        response["X-Content-Type-Options"] = "nosniff"
        return response


class CaseRouteListView(PortalPermissionMixin, View):
    """Where new cases go: the routes in order, and (for admins) a form to add one."""

    permission_required = "fraud.view_caseroute"

    def get(self, request, form=None, status=200):
        from apps.accounts.selectors import default_case_team

        from ..models import CaseRoute

        can_edit = request.user.has_perm("fraud.add_caseroute")
        context = {"routes": CaseRoute.objects.select_related("team"), "default_team": default_case_team(),
                   "form": (form or CaseRouteForm()) if can_edit else None,
                   "can_delete": request.user.has_perm("fraud.delete_caseroute")}  # fmt: skip
        return render(request, "fraud/case_routes.html", context, status=status)

    def post(self, request):
        if not request.user.has_perm("fraud.add_caseroute"):
            raise PermissionDenied
        form = CaseRouteForm(request.POST)
        if form.is_valid():
            route = services.case_route_create(actor=request.user, **form.cleaned_data)
            messages.success(request, f"Route added: {route.describe()} → {route.team}.")
            return redirect("fraud:case_routes")
        return self.get(request, form=form, status=400)


class CaseRouteDeleteView(PortalPermissionMixin, View):
    permission_required = "fraud.delete_caseroute"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        from ..models import CaseRoute

        route = get_object_or_404(CaseRoute, pk=pk)
        services.case_route_delete(actor=request.user, route=route)
        messages.success(request, "Route removed.")
        return redirect("fraud:case_routes")
