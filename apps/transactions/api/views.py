from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.permissions import requires
from apps.core.idempotency import idempotent
from apps.core.views import csv_download
from apps.transactions import files, selectors, services
from apps.transactions.filtersets import CustomerFilterSet, TransactionFilterSet

from .serializers import (
    BankAccountSerializer,
    CustomerSerializer,
    MovementSerializer,
    TransactionBatchInSerializer,
    TransactionFileSerializer,
    TransactionFileUploadSerializer,
    TransactionInSerializer,
    TransactionSerializer,
    TransferSerializer,
)


class TransactionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Transactions with their decisions. POST scores one synchronously; `batch/` up to 1,000."""

    queryset = selectors.transaction_list()
    serializer_class = TransactionSerializer
    filterset_class = TransactionFilterSet
    ordering_fields = ["occurred_at", "amount", "score", "created_at"]
    write_scope = "transactions:write"

    @extend_schema(request=TransactionInSerializer, responses={201: TransactionSerializer})
    def create(self, request, *args, **kwargs):
        def work():
            data = TransactionInSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            try:
                txn = services.transaction_ingest(actor=request.user, data=data.validated_data)
            except services.AlreadyStored as repeat:
                return _already_stored(request, repeat)
            return Response(self.get_serializer(txn).data, status=status.HTTP_201_CREATED)

        return idempotent(request, "transactions.create", work)

    @extend_schema(request=TransactionBatchInSerializer, responses={201: TransactionSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def batch(self, request):
        """All rows are stored or none: a row's errors are reported under its index."""

        def work():
            data = TransactionBatchInSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            rows = data.validated_data["transactions"]
            try:
                stored = services.transaction_ingest_batch(actor=request.user, rows=rows)
            except services.AlreadyStored as repeat:
                return _already_stored(request, repeat)
            return Response({"count": len(stored), "results": self.get_serializer(stored, many=True).data}, status=201)

        return idempotent(request, "transactions.batch", work)


def _already_stored(request, repeat) -> Response:
    """409: the id names a transaction stored before; the answer links to it, and nothing new is stored."""
    from django.urls import reverse

    from apps.core.context import current_request_id

    existing = repeat.existing
    body = {"type": "already_stored", "detail": str(repeat), "request_id": current_request_id(), "id": existing.pk,
            "url": request.build_absolute_uri(reverse("api:transaction-detail", args=[existing.pk]))}  # fmt: skip
    return Response(body, status=status.HTTP_409_CONFLICT)


class CustomerViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = selectors.customer_list()
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilterSet
    ordering_fields = ["full_name", "created_at"]
    write_scope = "transactions:write"

    def perform_create(self, serializer):
        serializer.instance = services.customer_create(actor=self.request.user, **serializer.validated_data)


class AccountViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Accounts; `deposit/`, `withdraw/` and `transfer/` post ledger movements (Idempotency-Key)."""

    queryset = selectors.account_list()
    serializer_class = BankAccountSerializer
    filterset_fields = ["type", "status", "currency", "customer__external_id", "last4", "branch"]
    ordering_fields = ["opened_on", "balance"]
    write_scope = "transactions:write"

    def perform_create(self, serializer):
        serializer.instance = services.account_open(actor=self.request.user, **serializer.validated_data)

    def _movement(self, request, pk, serializer_class, operation, scope):
        account = self.get_object()

        def work():
            data = serializer_class(data=request.data)
            data.is_valid(raise_exception=True)
            txn = operation(account, data.validated_data)
            return Response(TransactionSerializer(txn, context={"request": request}).data, status=201)

        return idempotent(request, f"{scope}:{pk}", work)

    @extend_schema(request=MovementSerializer, responses={201: TransactionSerializer})
    @action(detail=True, methods=["post"], permission_classes=[requires("transactions.add_journalentry")])
    def deposit(self, request, pk=None):
        return self._movement(
            request, pk, MovementSerializer,
            lambda acc, d: services.ledger_deposit(actor=request.user, account=acc, **d), "deposit",
        )  # fmt: skip

    @extend_schema(request=MovementSerializer, responses={201: TransactionSerializer})
    @action(detail=True, methods=["post"], permission_classes=[requires("transactions.add_journalentry")])
    def withdraw(self, request, pk=None):
        return self._movement(
            request, pk, MovementSerializer,
            lambda acc, d: services.ledger_withdraw(actor=request.user, account=acc, **d), "withdraw",
        )  # fmt: skip

    @extend_schema(request=TransferSerializer, responses={201: TransactionSerializer})
    @action(detail=True, methods=["post"], permission_classes=[requires("transactions.add_journalentry")])
    def transfer(self, request, pk=None):
        return self._movement(
            request, pk, TransferSerializer,
            lambda acc, d: services.ledger_transfer(actor=request.user, source=acc, **d), "transfer",
        )  # fmt: skip


class TransactionFileViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """CSV files of transactions. POST (multipart) queues one and answers 202; poll it for progress;
    `errors/` is the per-row error report (CSV)."""

    queryset = selectors.transaction_file_list()
    serializer_class = TransactionFileSerializer
    filterset_fields = ["status", "format", "sha256"]
    ordering_fields = ["uploaded_at"]
    write_scope = "transactions:write"

    @extend_schema(
        request={"multipart/form-data": TransactionFileUploadSerializer}, responses={202: TransactionFileSerializer}
    )
    def create(self, request, *args, **kwargs):
        upload = TransactionFileUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        d = upload.validated_data
        record = files.transaction_file_create(
            actor=request.user, upload=d["file"], fmt=d["format"], mapping=d["mapping"], label_column=d["label_column"]
        )
        return Response(self.get_serializer(record).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: TransactionFileSerializer})
    @action(detail=True, methods=["post"], permission_classes=[requires("transactions.add_transactionfile")])
    def retry(self, request, pk=None):
        """Send a failed file through processing again; it resumes after its last committed chunk. 409
        unless the file failed."""
        record = files.transaction_file_retry(actor=request.user, record=self.get_object())
        return Response(self.get_serializer(record).data)

    @extend_schema(responses={(200, "text/csv"): str})
    @action(detail=True, methods=["get"])
    def errors(self, request, pk=None):
        record = self.get_object()
        return csv_download(files.error_report_rows(record), f"errors-{record.pk}.csv")
