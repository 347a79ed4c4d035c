"""Portal pages for cheques and the signed image links."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core.dispatch import WAITING_NOTE, is_waiting
from apps.core.forms import add_service_errors
from apps.core.views import FilteredListView, PortalPermissionMixin

from . import selectors, services
from .choices import ChequeSource, ChequeStatus
from .fields import FIELDS
from .filtersets import ChequeFilterSet
from .forms import BankDirectoryLoadForm, ChequeKeyForm, ChequeUploadForm
from .ports import follow_ups
from .tasks import process_cheque

CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "tif": "image/tiff"}
IN_FLIGHT = (ChequeStatus.RECEIVED, ChequeStatus.PROCESSING)


class ChequeListView(FilteredListView):
    permission_required = "cheques.view_cheque"
    template_name = "cheques/cheque_list.html"
    partial_template = "cheques/_cheque_table.html"
    context_object_name = "cheques"
    filterset_class = ChequeFilterSet
    export_name = "cheques"
    export_columns = [
        ("cheque", lambda c: c.pk), ("received", lambda c: c.created_at), ("status", lambda c: c.status),
        ("why", lambda c: c.status_reason), ("amount", lambda c: c.amount if c.amount is not None else ""),
        ("declared", lambda c: c.declared_amount if c.declared_amount is not None else ""),
        ("currency", lambda c: c.declared_currency), ("routing", lambda c: c.routing),
        ("account_last4", lambda c: c.account_last4 or c.declared_account_last4), ("reference", lambda c: c.reference),
        ("source", lambda c: c.source), ("risk", lambda c: c.risk_score if c.risk_score is not None else ""),
    ]  # fmt: skip

    def base_queryset(self):
        return selectors.cheque_list()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["in_flight"] = any(c.status in IN_FLIGHT for c in ctx["cheques"])
        return ctx


class ChequeUploadView(PortalPermissionMixin, View):
    """One cheque per file. The page's script sends the files one at a time with a progress bar each
    (asking for JSON); without the script the form posts them all at once."""

    permission_required = "cheques.add_cheque"

    def get(self, request):
        return render(request, "cheques/upload.html", {"form": ChequeUploadForm()})

    def post(self, request):
        wants_json = "application/json" in request.headers.get("Accept", "")
        form = ChequeUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            if wants_json:
                return JsonResponse({"errors": form.errors}, status=400)
            return render(request, "cheques/upload.html", {"form": form}, status=400)
        data, received, refused = form.cleaned_data, [], []
        for front in data["front"]:
            try:
                cheque = services.cheque_receive(
                    actor=request.user, front=front, back=data.get("back"), declared_amount=data.get("declared_amount"),
                    declared_currency=data.get("declared_currency") or settings.BANK_CURRENCY,
                    declared_account=data.get("declared_account", ""), reference=data.get("reference", ""),
                    source=ChequeSource.PORTAL,
                )  # fmt: skip
            except ValidationError as exc:
                refused.append(f"{front.name}: {' '.join(exc.messages)}")
            else:
                received.append(cheque)
        if wants_json:
            if refused:
                return JsonResponse({"errors": {"front": refused}}, status=400)
            cheque = received[0]
            return JsonResponse({"id": cheque.pk, "status": cheque.get_status_display(),
                                 "url": reverse("cheques:detail", args=[cheque.pk])}, status=201)  # fmt: skip
        for message in refused:
            messages.error(request, message)
        if received:
            messages.success(request, f"{len(received)} cheque{'s' if len(received) > 1 else ''} received; "
                                      "processing has started.")  # fmt: skip
        if len(received) == 1 and not refused:
            return redirect("cheques:detail", pk=received[0].pk)
        return redirect("cheques:list")


class ChequeDetailView(PortalPermissionMixin, View):
    permission_required = "cheques.view_cheque"

    def get(self, request, pk: int):
        cheque = get_object_or_404(selectors.cheque_list(), pk=pk)
        context = {
            "cheque": cheque,
            "in_flight": cheque.status in IN_FLIGHT,
            "steps": cheque.steps.order_by("attempt", "id"),
            "front_url": selectors.image_url(cheque, "front"),
            "back_url": selectors.image_url(cheque, "back"),
            "fields": cheque.fields.all(),
            "can_key": request.user.has_perm("cheques.key_cheque") and cheque.status == ChequeStatus.NEEDS_KEYING,
            "waiting_note": WAITING_NOTE
            if cheque.status == ChequeStatus.RECEIVED and is_waiting(process_cheque.name, cheque.pk)
            else "",
            "can_retry": request.user.has_perm("cheques.retry_cheque")
            and cheque.status in (ChequeStatus.FAILED, ChequeStatus.RESCAN),
            "follow_ups": follow_ups.get().cheque_follow_ups(request.user, [cheque.pk]).get(cheque.pk, []),
            "validations": _validations_shown(cheque.validations),
        }
        template = "cheques/_cheque_status.html" if request.htmx else "cheques/cheque_detail.html"
        return render(request, template, context)


def _validations_shown(validations: list[dict]) -> list[dict]:
    """Each check with what to say about it: why it failed, or why the bank directory could not check it."""
    from .validation import DIRECTORY_CHECKS

    def said(v: dict) -> str:
        unchecked = v.get("passed") is None and v.get("code") in DIRECTORY_CHECKS
        return v.get("explanation", "") if v.get("passed") is False or unchecked else ""

    return [{**v, "said": said(v)} for v in validations]


class ChequeRetryView(PortalPermissionMixin, View):
    permission_required = "cheques.retry_cheque"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        cheque = get_object_or_404(selectors.cheque_list(), pk=pk)
        try:
            services.cheque_retry(cheque=cheque, actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, "Sent through processing again.")
        return redirect("cheques:detail", pk=cheque.pk)


class ChequeKeyNextView(PortalPermissionMixin, View):
    permission_required = "cheques.key_cheque"
    http_method_names = ["post"]

    def post(self, request):
        cheque = services.cheque_next_for_keying(actor=request.user)
        if cheque is None:
            messages.info(request, "No cheque is waiting for keying.")
            return redirect("cheques:list")
        return redirect("cheques:key", pk=cheque.pk)


def _read_text(read) -> str:
    """What the readers found for one field, shown under it on the keying screen."""
    if read is None or not read.read_value:
        return "Not read: key it from the image."
    confidence = "" if read.read_confidence is None else f", {read.read_confidence:.2f}"
    return f"Read: {read.read_value} ({read.get_read_source_display()}{confidence})"


class ChequeKeyView(PortalPermissionMixin, View):
    """The image beside the fields: confirm or correct each one; both values are kept."""

    permission_required = "cheques.key_cheque"

    def _render(self, request, cheque, form, status=200):
        read = {f.name: f for f in cheque.fields.all()}
        floor = settings.CHEQUE_MIN_CONFIDENCE

        def unsure(name, f) -> bool:  # what the route sent to a person: missing, or read without enough confidence
            if f is None or f.read_confidence is None:
                return name in FIELDS  # a country's own field (an Indian cheque's IFSC) may not be printed
            return f.read_confidence < floor.get(f.read_source, 0.8)

        names = [name for name in form.fields if name != "country"]
        form.show_reads(
            reads={name: _read_text(read.get(name)) for name in names},
            unsure={name for name in names if unsure(name, read.get(name))},
        )
        context = {"cheque": cheque, "form": form, "front_url": selectors.image_url(cheque, "front")}
        return render(request, "cheques/key.html", context, status=status)

    def get(self, request, pk: int):
        cheque = get_object_or_404(selectors.cheque_list(), pk=pk, status=ChequeStatus.NEEDS_KEYING)
        initial = {f.name: f.value for f in cheque.fields.all()} | {"country": cheque.country}
        return self._render(request, cheque, ChequeKeyForm(initial=initial))

    def post(self, request, pk: int):
        cheque = get_object_or_404(selectors.cheque_list(), pk=pk)
        form = ChequeKeyForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            country = data.pop("country")
            try:
                cheque = services.cheque_key(cheque=cheque, actor=request.user, values=data, country=country)
            except ValidationError as exc:
                for field, errors in (exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}).items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, f"Cheque #{cheque.pk} keyed: {cheque.get_status_display().lower()}.")
                return redirect("cheques:detail", pk=cheque.pk)
        return self._render(request, cheque, form, status=400)


@require_GET
@never_cache
def cheque_image(request, token: str):
    """Serve one side of a cheque for a signed, short-lived link (the link is the permission: it is
    only handed to people allowed to see the cheque). Forged or expired links answer 404."""
    found = selectors.image_from_token(token)
    if found is None:
        raise Http404("This image link is not valid or has expired.")
    cheque, side = found
    image = getattr(cheque, side)
    kind = CONTENT_TYPES.get(image.name.rsplit(".", 1)[-1], "application/octet-stream")
    response = FileResponse(image.open("rb"), content_type=kind)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="cheque-{cheque.pk}-{side}"'
    return response


class BankDirectoryView(PortalPermissionMixin, View):
    """Administration → Bank directory: each country's directory as loaded now (its counts, source and who
    loaded it), every load before it, and for admins a form to load a refreshed file."""

    permission_required = "cheques.view_bankdirectoryload"

    def get(self, request, form=None, status=200):
        from django.core.paginator import Paginator

        from .directory import AUTHORITY, COUNTRIES

        can_load = request.user.has_perm("cheques.add_bankdirectoryload")
        versions = selectors.bank_directory_versions()
        context = {
            "versions": [{"country": COUNTRIES[c], "code": c, "authority": AUTHORITY[c], "load": versions[c]}
                         for c in COUNTRIES],
            "page_obj": Paginator(selectors.bank_directory_loads(), settings.PORTAL_PAGE_SIZE).get_page(
                request.GET.get("page")),
            "form": (form or BankDirectoryLoadForm()) if can_load else None,
        }  # fmt: skip
        return render(request, "cheques/bank_directory.html", context, status=status)

    def post(self, request):
        if not request.user.has_perm("cheques.add_bankdirectoryload"):
            raise PermissionDenied
        form = BankDirectoryLoadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                load = services.bank_directory_load(country=data["country"], file=data["file"], actor=request.user,
                                                    source=data["source"])  # fmt: skip
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"{load.get_country_display()}: {load.rows:,} entries loaded from "
                                          f"{load.file_name} ({load.added:,} added, {load.changed:,} changed, "
                                          f"{load.removed:,} removed).")  # fmt: skip
                return redirect("cheques:bank_directory")
        return self.get(request, form=form, status=400)
