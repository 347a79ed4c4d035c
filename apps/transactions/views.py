from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from apps.core.dispatch import WAITING_NOTE, is_waiting
from apps.core.services import audit_full_numbers
from apps.core.views import FilteredListView, PortalListView, PortalPermissionMixin, csv_download, submit_form

from . import files, selectors, services
from .choices import Decision
from .filtersets import CustomerFilterSet, TransactionFilterSet
from .forms import LedgerForm, TransactionFileForm
from .models import TransactionFile
from .ports import follow_ups
from .tasks import process_transaction_file


class TransactionListView(FilteredListView):
    permission_required = "transactions.view_transaction"
    template_name = "transactions/transaction_list.html"
    partial_template = "transactions/_transaction_table.html"
    context_object_name = "transactions"
    filterset_class = TransactionFilterSet
    export_name = "transactions"
    export_columns = [
        ("occurred_at", lambda t: t.occurred_at), ("id", lambda t: t.external_id),
        ("customer", lambda t: t.customer_ref),
        ("kind", lambda t: t.kind), ("amount", lambda t: t.amount), ("currency", lambda t: t.currency),
        ("description", lambda t: t.description), ("payee", lambda t: t.payee), ("terminal", lambda t: t.terminal_id),
        ("channel", lambda t: t.channel), ("direction", lambda t: t.direction),
        ("counterparty", lambda t: t.counterparty), ("counterparty_country", lambda t: t.counterparty_country),
        ("country", lambda t: t.country),
        ("score", lambda t: t.score), ("decision", lambda t: t.decision), ("source", lambda t: t.source),
        ("reasons", lambda t: "; ".join(r.get("explanation", "") for r in t.reasons)),
    ]  # fmt: skip

    def base_queryset(self):
        return selectors.transaction_list()


class TransactionDetailView(PortalPermissionMixin, View):
    permission_required = "transactions.view_transaction"

    def get(self, request, pk: int):
        txn = get_object_or_404(selectors.transaction_list(), pk=pk)
        links = follow_ups.get().transaction_follow_ups(request.user, [txn.pk]).get(txn.pk, [])
        full = request.user.has_perm("transactions.view_full_account_number")
        if full and txn.counterparty_account:
            audit_full_numbers(request, txn)
        return render(request, "transactions/transaction_detail.html",
                      {"txn": txn, "follow_ups": links, "full_numbers": full})  # fmt: skip


class CustomerListView(FilteredListView):
    permission_required = "transactions.view_customer"
    template_name = "transactions/customer_list.html"
    partial_template = "transactions/customer_list.html"
    context_object_name = "customers"
    filterset_class = CustomerFilterSet

    def base_queryset(self):
        return selectors.customer_list()


class CustomerDetailView(PortalPermissionMixin, View):
    permission_required = "transactions.view_customer"

    def get(self, request, pk: int):
        customer = get_object_or_404(selectors.customer_list(), pk=pk)
        context = {
            "customer": customer,
            "accounts": selectors.account_list().filter(customer=customer),
            "transactions": selectors.transaction_list().filter(customer_ref=customer.external_id)[:25],
            "full_numbers": request.user.has_perm("transactions.view_full_account_number"),
        }
        if context["full_numbers"] and context["accounts"]:
            audit_full_numbers(request, customer)
        return render(request, "transactions/customer_detail.html", context)


class LedgerView(PortalPermissionMixin, View):
    """Deposits, withdrawals and transfers keyed by staff."""

    permission_required = "transactions.add_journalentry"
    context = {"title": "Post a ledger movement", "submit": "Post", "cancel_url": "transactions:list"}

    def _form(self, data=None):
        return LedgerForm(data, accounts=selectors.account_list().filter(status="active"))

    def get(self, request):
        return render(request, "form_page.html", {**self.context, "form": self._form()})

    def post(self, request):
        def post_movement(d):
            common = {"actor": request.user, "amount": d["amount"], "reference": d["reference"],
                      "description": d["description"]}  # fmt: skip
            if d["channel"]:  # else the operation's own: cash, or transfer for a transfer
                common["channel"] = d["channel"]
            if d["operation"] == "deposit":
                return services.ledger_deposit(account=d["account"], **common)
            if d["operation"] == "withdrawal":
                return services.ledger_withdraw(account=d["account"], **common)
            return services.ledger_transfer(source=d["account"], destination=d["destination"], **common)

        return submit_form(
            request, self._form(request.POST), post_movement, template="form_page.html", context=self.context,
            success=self._posted,
        )  # fmt: skip

    def _posted(self, txn):
        if txn.journal_id:
            messages.success(self.request, f"Posted: {txn.get_kind_display()} of {txn.amount} {txn.currency}.")
        else:
            messages.error(self.request, "Blocked by the risk engine: the movement was recorded but not posted.")
        return redirect("transactions:detail", pk=txn.pk)


class TransactionFileListView(PortalListView):
    permission_required = "transactions.view_transactionfile"
    template_name = "transactions/file_list.html"
    context_object_name = "files"

    def get_queryset(self):
        files = selectors.transaction_file_list()
        status = self.request.GET.get("status", "")
        if status in TransactionFile.Status.values:
            files = files.filter(status=status)
        if self.request.GET.get("stale") == "true":
            from .files import file_stale_q

            files = files.filter(file_stale_q())
        return files

    def get_context_data(self, **kwargs):
        status = self.request.GET.get("status", "")
        status = status if status in TransactionFile.Status.values else ""
        stale = self.request.GET.get("stale") == "true"
        query = "&".join(part for part in (f"status={status}" if status else "", "stale=true" if stale else "") if part)
        return super().get_context_data(**kwargs, statuses=TransactionFile.Status.choices, status=status,
                                        stale=stale, query=query)  # fmt: skip


class TransactionFileUploadView(PortalPermissionMixin, View):
    permission_required = "transactions.add_transactionfile"
    context = {"title": "Upload transactions (CSV)", "submit": "Upload", "cancel_url": "transactions:files",
               "multipart": True}  # fmt: skip

    def get(self, request):
        return render(request, "form_page.html", {**self.context, "form": TransactionFileForm()})

    def post(self, request):
        def create(d):
            return files.transaction_file_create(
                actor=request.user, upload=d["file"], fmt=d["format"], mapping=d["mapping"],
                label_column=d["label_column"].strip(),
            )  # fmt: skip

        def done(record):
            messages.success(request, f"{record.original_name} is queued; progress is shown below.")
            return redirect("transactions:file_detail", pk=record.pk)

        form = TransactionFileForm(request.POST, request.FILES)
        return submit_form(request, form, create, template="form_page.html", context=self.context, success=done)


class TransactionFileDetailView(PortalPermissionMixin, View):
    permission_required = "transactions.view_transactionfile"

    def get(self, request, pk: int):
        record = get_object_or_404(selectors.transaction_file_list(), pk=pk)
        template = "transactions/_file_progress.html" if request.htmx else "transactions/file_detail.html"
        waiting = record.status == TransactionFile.Status.QUEUED and is_waiting(
            process_transaction_file.name, record.pk
        )
        context = {"record": record, "waiting_note": WAITING_NOTE if waiting else ""}
        if not request.htmx and request.user.has_perm("transactions.view_transaction"):
            context.update(self.rows(request, record))
        return render(request, template, context)

    @staticmethod
    def rows(request, record: TransactionFile) -> dict:
        """The file's stored rows with their decisions and reasons, newest first, a page at a time;
        `?decision=` narrows them to the reviewed or blocked ones."""
        from django.core.paginator import Paginator

        rows = selectors.transaction_list().filter(file=record)
        decision = request.GET.get("decision", "")
        if decision in Decision.values:
            rows = rows.filter(decision=decision)
        page = Paginator(rows, settings.PORTAL_PAGE_SIZE).get_page(request.GET.get("page"))
        return {"rows": page, "page_obj": page, "decision": decision, "decisions": Decision.choices,
                "query": f"decision={decision}" if decision else ""}  # fmt: skip


class TransactionFileRetryView(PortalPermissionMixin, View):
    permission_required = "transactions.add_transactionfile"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        record = get_object_or_404(selectors.transaction_file_list(), pk=pk)
        try:
            files.transaction_file_retry(actor=request.user, record=record)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(
                request,
                f"{record.original_name} is queued again; the {record.rows_done} rows already "
                "read are kept and it resumes after them.",
            )
        return redirect("transactions:file_detail", pk=record.pk)


class TransactionFileErrorsView(PortalPermissionMixin, View):
    """The rejected rows as CSV (spreadsheet formulas neutralised)."""

    permission_required = "transactions.view_transactionfile"

    def get(self, request, pk: int):
        record = get_object_or_404(selectors.transaction_file_list(), pk=pk)
        name = f"errors-{record.pk}-{record.original_name.rsplit('.', 1)[0]}.csv"
        return csv_download(files.error_report_rows(record), name)
