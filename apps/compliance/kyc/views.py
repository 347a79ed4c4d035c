"""Portal pages of KYC: the review queue, a customer's risk page with its forms, and identity documents
served decrypted through a permission-checked, audited view."""

from __future__ import annotations

import io

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from apps.core.forms import add_service_errors
from apps.core.views import FilteredListView, PortalPermissionMixin
from apps.transactions.selectors import customer_list

from ..models import IdentityDocument
from . import selectors, services
from .filtersets import CustomerRiskFilterSet
from .forms import DocumentForm, FactorsForm, OverrideForm, ReviewForm
from .rating import bands_text


class KycQueueView(FilteredListView):
    """Compliance → KYC reviews: every customer's KYC record, never reviewed first, then by due day."""

    permission_required = "compliance.view_customerrisk"
    template_name = "compliance/kyc_queue.html"
    partial_template = "compliance/_kyc_table.html"
    context_object_name = "records"
    filterset_class = CustomerRiskFilterSet
    export_name = "kyc-reviews"
    export_columns = [
        ("customer", lambda r: r.customer.external_id), ("name", lambda r: r.customer.full_name),
        ("state", lambda r: r.state), ("rating", lambda r: r.effective_rating), ("computed_rating", lambda r: r.rating),
        ("score", lambda r: r.score), ("override_reason", lambda r: r.override_reason),
        ("last_review", lambda r: r.last_review), ("review_due", lambda r: r.review_due), ("pep", lambda r: r.pep),
        ("business_type", lambda r: r.business_type), ("channel", lambda r: r.channel),
        ("screening", lambda r: r.screening), ("country", lambda r: r.customer.country),
    ]  # fmt: skip

    def get(self, request, *args, **kwargs):
        services.customer_risks_open_missing(actor=None, limit=services.OPEN_ON_VIEW)
        return super().get(request, *args, **kwargs)

    def base_queryset(self):
        return selectors.kyc_queue()

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "due_soon_days": settings.KYC_REVIEW_DUE_SOON_DAYS}


def _customer(pk: int):
    return get_object_or_404(customer_list(), pk=pk)


class CustomerRiskView(PortalPermissionMixin, View):
    """One customer's risk: the factors with their points and why, the override and review forms, the
    identity documents and the customer's recent alerts."""

    permission_required = "compliance.view_customerrisk"

    def get(self, request, pk: int):
        customer = _customer(pk)
        risk = services.customer_risk_open(actor=None, customer=customer)
        return render(request, "compliance/customer_risk.html", _page(request, risk))


def _page(request, risk, **forms) -> dict:
    user = request.user
    can_change = user.has_perm("compliance.change_customerrisk")
    if can_change:
        forms.setdefault("factors_form", FactorsForm(prefix="factors", initial={
            "pep": risk.pep, "business_type": risk.business_type, "channel": risk.channel,
            "screening": risk.screening}))  # fmt: skip
        forms.setdefault("review_form", ReviewForm(prefix="review"))
    if user.has_perm("compliance.override_customerrisk"):
        forms.setdefault("override_form", OverrideForm(prefix="override", initial={"rating": risk.override_rating}))
    if user.has_perm("compliance.add_identitydocument"):
        forms.setdefault("document_form", DocumentForm(prefix="document"))
    documents = selectors.identity_documents(risk.customer) if user.has_perm("compliance.view_identitydocument") else []
    return {"risk": risk, "customer": risk.customer, "documents": documents, "bands": bands_text(),
            "alerts": selectors.customer_alerts(risk.customer)[:20] if user.has_perm("fraud.view_alert") else None,
            **forms}  # fmt: skip


STEPS = {
    # step: (form, prefix, permission, the service, what is said when done)
    "factors": (FactorsForm, "factors", "compliance.change_customerrisk",
                lambda u, r, d: services.customer_risk_set_factors(actor=u, risk=r, **d),
                "Factors saved: the rating is {rating}."),
    "override": (OverrideForm, "override", "compliance.override_customerrisk",
                 lambda u, r, d: services.customer_risk_override(actor=u, risk=r, **d),
                 "Rating set to {rating}: the next review is due {due}."),
    "review": (ReviewForm, "review", "compliance.change_customerrisk",
               lambda u, r, d: services.customer_risk_review(actor=u, risk=r, **d),
               "Review completed: the next one is due {due}."),
    "document": (DocumentForm, "document", "compliance.add_identitydocument",
                 lambda u, r, d: services.identity_document_add(actor=u, customer=r.customer, kind=d["kind"],
                                                                   upload=d["file"]),
                 "Document stored, encrypted."),
}  # fmt: skip


class CustomerRiskStepView(PortalPermissionMixin, View):
    """One change to a customer's KYC: `factors`, `override`, `review` or `document`."""

    permission_required = "compliance.view_customerrisk"
    http_method_names = ["post"]

    def post(self, request, pk: int, step: str):
        if step not in STEPS:
            raise Http404
        form_class, prefix, perm, call, done = STEPS[step]
        if not request.user.has_perm(perm):
            raise PermissionDenied
        risk = services.customer_risk_open(actor=None, customer=_customer(pk))
        form = form_class(request.POST, request.FILES, prefix=prefix)
        if form.is_valid():
            try:
                result = call(request.user, risk, form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                risk = result if step != "document" else risk
                rating = risk.get_override_rating_display() or risk.get_rating_display()
                due = f"{risk.review_due:%Y-%m-%d}" if risk.review_due else "at once"
                messages.success(request, done.format(rating=rating.lower(), due=due))
                return redirect("compliance:customer_risk", pk=pk)
        page = _page(request, risk, **{f"{prefix}_form": form})
        return render(request, "compliance/customer_risk.html", page, status=400)


@method_decorator(never_cache, name="dispatch")
class IdentityDocumentView(PortalPermissionMixin, View):
    """An identity document, decrypted for someone allowed to read it; each view is audited."""

    permission_required = "compliance.view_identitydocument"

    def get(self, request, pk: int):
        document = get_object_or_404(IdentityDocument.objects.select_related("customer"), pk=pk)
        data = services.identity_document_read(actor=request.user, document=document)
        response = FileResponse(io.BytesIO(data), as_attachment=True, filename=document.name,
                                content_type=document.content_type)  # fmt: skip
        response["X-Content-Type-Options"] = "nosniff"
        return response
