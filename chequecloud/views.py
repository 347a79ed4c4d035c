"""The portal's front page: the dashboard every signed-in user lands on, showing what they may see from
every app (so it lives above them all)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.views import defaults
from django.views.generic import TemplateView

from apps.accounts.selectors import home_summary
from apps.core.views import PortalPermissionMixin


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        from .dashboard import work_for

        ctx["summary"] = home_summary(user=self.request.user)
        ctx["work"] = work_for(self.request.user)
        return ctx


class SearchView(LoginRequiredMixin, TemplateView):
    """Results of the navbar's search; a single hit opens at once."""

    template_name = "search.html"

    def get(self, request, *args, **kwargs):
        from django.shortcuts import redirect

        from .search import search

        query = request.GET.get("q", "")
        hits = search(request.user, query)
        if len(hits) == 1:
            return redirect(hits[0].url)
        return self.render_to_response(self.get_context_data(query=query.strip()[:100], hits=hits))


OUTBOX_SHOWN = 50  # the oldest waiting messages listed on the operations page


class OperationsView(PortalPermissionMixin, TemplateView):
    """Is background work moving? The outbox's backlog and the work past its time limit, each linked to
    the records it counts; the failed-task list beside them."""

    permission_required = "core.view_failedtask"
    template_name = "operations.html"

    def get_context_data(self, **kwargs):
        from apps.core.models import OutboxMessage

        from .operations import work_status

        status = work_status()
        for row in status["stale"]:  # a count links to its records for those who may see them
            row["visible"] = self.request.user.has_perm(row["perm"])
        waiting = OutboxMessage.objects.filter(sent_at__isnull=True).order_by("id")
        return super().get_context_data(**kwargs, status=status, waiting=waiting[:OUTBOX_SHOWN])


def email_addresses(request):
    """Staff sign in with the address an administrator invited them with: nobody adds, removes or
    changes sign-in addresses in the portal (an unverified address would sign them in)."""
    from django.contrib import messages
    from django.shortcuts import redirect

    if request.method == "POST":
        from apps.core.services import audit_record

        if request.user.is_authenticated:
            audit_record(actor=request.user, action="auth.email_change_refused", obj=request.user,
                         after={"email": str(request.POST.get("email", ""))[:254]})  # fmt: skip
    messages.info(request, "Your sign-in address is set by an administrator; ask one to change it.")
    return redirect("accounts:profile" if request.user.is_authenticated else "account_login")


# The API answers in its one error body, never an HTML page; the portal keeps its pages.
def _api_error(request, status: int, kind: str, detail: str):
    from apps.core.context import current_request_id

    if request.path.startswith("/api/"):
        return JsonResponse({"type": kind, "detail": detail, "request_id": current_request_id()}, status=status)
    return None


def bad_request(request, exception=None):
    return _api_error(request, 400, "bad_request", "The request could not be read.") or defaults.bad_request(
        request, exception
    )


def permission_denied(request, exception=None):
    return _api_error(
        request, 403, "permission_denied", "You do not have permission to perform this action."
    ) or defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    return _api_error(request, 404, "not_found", "Not found.") or defaults.page_not_found(request, exception)


def server_error(request):
    return _api_error(
        request, 500, "server_error", "Something went wrong on our side; it has been logged."
    ) or defaults.server_error(request)


class ExchangeRatesView(PortalPermissionMixin, TemplateView):
    """Administration → Exchange rates: the latest rate of every currency against the bank's, how old it
    is, which currencies the bank's transactions and cheques use without a rate, the history of rates,
    and (for those who may add rates) a rate by hand or a rates file."""

    permission_required = "core.view_exchangerate"
    template_name = "exchange_rates.html"

    def get_context_data(self, **kwargs):
        from django.conf import settings
        from django.core.paginator import Paginator

        from apps.core.forms import ExchangeRateForm, RatesFileForm

        from .money import rates_overview

        currency = self.request.GET.get("currency", "").strip().upper()[:3]
        overview = rates_overview()
        history = Paginator(overview.pop("history").filter(**({"currency": currency} if currency else {})),
                            settings.PORTAL_PAGE_SIZE).get_page(self.request.GET.get("page"))  # fmt: skip
        kwargs.setdefault("rate_form", ExchangeRateForm())
        kwargs.setdefault("file_form", RatesFileForm())
        can_list = self.request.user.has_perm("transactions.view_transaction")
        return super().get_context_data(**kwargs, **overview, page_obj=history, currency=currency,
                                        base=settings.BANK_CURRENCY, can_list=can_list)  # fmt: skip

    def post(self, request, *args, **kwargs):
        from django.contrib import messages
        from django.core.exceptions import ValidationError
        from django.shortcuts import redirect

        from apps.core import services
        from apps.core.forms import ExchangeRateForm, RatesFileForm
        from apps.core.money import money_text
        from apps.core.rates import RatesFileError

        if not request.user.has_perm("core.add_exchangerate"):
            raise PermissionDenied
        if request.POST.get("action") == "load":
            form = RatesFileForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    done = services.exchange_rates_load(
                        actor=request.user,
                        data=upload.read(),
                        source=form.cleaned_data["source"],
                        file_name=upload.name,
                    )
                except RatesFileError as exc:
                    form.add_error("file", str(exc))
                else:
                    messages.success(request, f"Rates of {done['days']} day(s) from {done['first_day']} to "
                                     f"{done['last_day']} loaded: {done['added']} added, {done['changed']} "
                                     f"changed, {done['unchanged']} unchanged.")  # fmt: skip
                    return redirect("exchange_rates")
            return self.render_to_response(self.get_context_data(file_form=form), status=400)
        form = ExchangeRateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                rate = services.exchange_rate_set(
                    actor=request.user, currency=data["currency"], per_base=data["per_base"],
                    valid_on=data["valid_on"], source=data["source"],
                )  # fmt: skip
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, f"From {rate.valid_on}, {money_text(1, rate.base)} = "
                                 f"{rate.per_base.normalize():f} {rate.currency}.")  # fmt: skip
                return redirect("exchange_rates")
        return self.render_to_response(self.get_context_data(rate_form=form), status=400)
