from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from apps.core.forms import add_service_errors
from apps.core.views import PortalPermissionMixin

from ..models import ActionEvidence, CorrectiveAction
from . import services
from .forms import ActionForm, EvidenceForm, NoteForm

Status = CorrectiveAction.Status
DEFAULT_DUE_DAYS = 14  # the due day a new action's form offers


def _actions():
    return CorrectiveAction.objects.select_related("owner", "verified_by", "case")


class ActionBoardView(PortalPermissionMixin, View):
    """Corrective actions by state: open, in progress, done (to verify), verified; overdue ones marked."""

    permission_required = "compliance.view_correctiveaction"

    def get(self, request):
        from ..choices import Domain

        today, found = timezone.localdate(), _actions()
        domain = request.GET.get("domain", "")
        if domain in Domain.values:
            found = found.filter(domain=domain)
        overdue = request.GET.get("overdue") == "1"
        if overdue:  # as the score counts them: past their day and not verified
            found = found.filter(due_on__lt=today).exclude(status=Status.VERIFIED)
        columns = [(status, label, list(found.filter(status=status)[:100])) for status, label in Status.choices]
        context = {"columns": columns, "today": today, "domains": Domain.choices, "domain": domain, "overdue": overdue}
        return render(request, "compliance/actions.html", context)


class ActionCreateView(PortalPermissionMixin, View):
    permission_required = "compliance.add_correctiveaction"

    def _case(self, request):
        from apps.fraud.cases.selectors import visible_cases

        pk = request.GET.get("case") or request.POST.get("case")
        return get_object_or_404(visible_cases(request.user), pk=pk) if pk and str(pk).isdigit() else None

    def _kpi(self, request):
        """The KPI or breach the action answers (`?kpi=<code>` or `?breach=<pk>`), as (source, ref, KPI)."""
        from ..models import Breach
        from ..score.kpis import KPIS

        breach_pk = request.GET.get("breach") or request.POST.get("breach")
        if breach_pk and str(breach_pk).isdigit():
            breach = get_object_or_404(Breach, pk=breach_pk)
            return CorrectiveAction.Source.BREACH, breach.reference, KPIS.get(breach.kpi)
        code = request.GET.get("kpi") or request.POST.get("kpi")
        if code in KPIS:
            return CorrectiveAction.Source.KPI, code, KPIS[code]
        return "", "", None

    @staticmethod
    def _context(params, form, case, kpi) -> dict:
        return {"form": form, "case": case, "kpi": kpi, "kpi_param": params.get("kpi", ""),
                "breach_param": params.get("breach", "")}  # fmt: skip

    def get(self, request):
        case = self._case(request)
        _source, ref, kpi = self._kpi(request)
        initial = {"title": f"Put right: {case.title}"[:200], "source_ref": case.reference} if case else {}
        if kpi is not None:
            initial = {"title": f"Bring back on target: {kpi.name}"[:200], "source_ref": ref, "domain": kpi.domain}
        initial["due_on"] = (timezone.localdate() + timedelta(days=DEFAULT_DUE_DAYS)).isoformat()
        return render(request, "compliance/action_new.html", self._context(request.GET, ActionForm(initial=initial),
                                                                            case, kpi))  # fmt: skip

    def post(self, request):
        case = self._case(request)
        source, _ref, kpi = self._kpi(request)
        form = ActionForm(request.POST)
        if form.is_valid():
            try:
                action = services.action_create(actor=request.user, case=case, source=source, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"{action.reference} created for {action.owner}.")
                return redirect("compliance:action_detail", pk=action.pk)
        return render(request, "compliance/action_new.html", self._context(request.POST, form, case, kpi), status=400)


class ActionDetailView(View):
    """One action: its plan, state, evidence and the step its viewer may take (owner: start, done,
    evidence; another officer: verify or send back)."""

    def _action(self, request, pk):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return None, redirect_to_login(request.get_full_path())
        action = get_object_or_404(_actions(), pk=pk)
        if action.owner_id != request.user.pk and not request.user.has_perm("compliance.view_correctiveaction"):
            raise PermissionDenied
        return action, None

    def get(self, request, pk: int, form_errors=None):
        action, answer = self._action(request, pk)
        if answer:
            return answer
        return render(request, "compliance/action_detail.html", {
            "action": action, "evidence": action.evidence.all(), "note_form": NoteForm(),
            "evidence_form": EvidenceForm(), "is_owner": action.owner_id == request.user.pk,
            "can_verify": request.user.has_perm("compliance.verify_correctiveaction")
            and action.owner_id != request.user.pk and action.status == Status.DONE,
        })  # fmt: skip

    def post(self, request, pk: int):
        action, answer = self._action(request, pk)
        if answer:
            return answer
        step, note = request.POST.get("step", ""), request.POST.get("note", "")
        try:
            if step == "start":
                services.action_start(actor=request.user, action=action)
            elif step == "done":
                services.action_done(actor=request.user, action=action, note=note)
            elif step in ("verify", "send_back"):
                services.action_verify(actor=request.user, action=action, note=note, accept=step == "verify")
            elif step == "evidence":
                form = EvidenceForm(request.POST, request.FILES)
                if not form.is_valid():
                    raise ValidationError("Choose a file.")
                services.evidence_add(actor=request.user, action=action, upload=form.cleaned_data["file"])
            else:
                raise ValidationError("Unknown step.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Saved.")
        return redirect("compliance:action_detail", pk=pk)


class EvidenceView(View):
    def get(self, request, pk: int):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        evidence = get_object_or_404(ActionEvidence.objects.select_related("action"), pk=pk)
        data = services.evidence_read(actor=request.user, evidence=evidence)
        response = HttpResponse(data, content_type=evidence.content_type)
        response["Content-Disposition"] = f'attachment; filename="{evidence.name}"'
        response["Cache-Control"] = "no-store"
        return response
