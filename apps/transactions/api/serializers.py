import json

from django.conf import settings
from rest_framework import serializers

from apps.core.api.fields import AmountField, CurrencyField
from apps.core.bounds import check_moment
from apps.core.services import audit_full_numbers
from apps.transactions import aml
from apps.transactions.choices import Channel, Direction, Label, TransactionKind
from apps.transactions.formats import parse_mapping
from apps.transactions.models import BankAccount, Customer, Transaction, TransactionFile


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return f"{text[:1].upper()}{text[1:]}."


class LoweredChoiceField(serializers.ChoiceField):
    """A choice read in either case; blank or left out: not known."""

    def __init__(self, **kwargs):
        super().__init__(required=False, allow_blank=True, default="", **kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(data.strip().lower() if isinstance(data, str) else data)


class CountryField(serializers.CharField):
    """An ISO 3166-1 alpha-2 code (`apps.transactions.aml`), read in either case and kept in capitals;
    blank or left out: not known."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "ISO 3166-1 alpha-2 code, such as US or GB; blank: not known.")
        super().__init__(max_length=8, required=False, allow_blank=True, default="", **kwargs)

    def to_internal_value(self, data):
        try:
            return aml.country_check(super().to_internal_value(data))
        except ValueError as exc:
            raise serializers.ValidationError(_sentence(exc)) from None


class TransactionInSerializer(serializers.Serializer):
    """One transaction as an integration reports it."""

    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=TransactionKind.choices, default=TransactionKind.PAYMENT)
    customer_ref = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    account_number = serializers.CharField(max_length=34, required=False, allow_blank=True, default="")
    terminal_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    payee = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    amount = AmountField()
    currency = CurrencyField()
    occurred_at = serializers.DateTimeField(validators=[check_moment])
    location = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    label = serializers.ChoiceField(choices=Label.choices, required=False, allow_blank=True, default="")
    # What AML scenarios read; each optional (blank: not known).
    channel = LoweredChoiceField(choices=Channel.choices)
    direction = LoweredChoiceField(
        choices=Direction.choices, help_text="Seen from the customer; left out: the one the kind always has, if any."
    )
    counterparty = serializers.CharField(max_length=aml.LIMITS["counterparty"], required=False, allow_blank=True,
                                         default="", help_text="The other party's name.")  # fmt: skip
    counterparty_account = serializers.CharField(max_length=aml.LIMITS["counterparty_account"], required=False,
                                                 allow_blank=True, default="")  # fmt: skip
    counterparty_country = CountryField()
    country = CountryField(help_text="Where it took place: ISO 3166-1 alpha-2, such as US; blank: not known.")

    def validate(self, attrs):
        """A direction that goes against the kind (a deposit always comes in) is refused."""
        try:
            attrs["direction"] = aml.direction_of(attrs["kind"], attrs.get("direction", ""))
        except ValueError as exc:
            raise serializers.ValidationError({"direction": [_sentence(exc)]}) from None
        return attrs

    def validate_occurred_at(self, value):
        """A transaction happened already: a time further ahead than the clocks' tolerance is refused."""
        from datetime import timedelta

        from django.utils import timezone

        ahead = timedelta(minutes=settings.TRANSACTION_FUTURE_TOLERANCE_MINUTES)
        if value > timezone.now() + ahead:
            raise serializers.ValidationError(
                f"This time is in the future; at most {settings.TRANSACTION_FUTURE_TOLERANCE_MINUTES} minutes ahead "
                "of the bank's clock are accepted (clocks that differ)."
            )
        return value


class TransactionBatchInSerializer(serializers.Serializer):
    transactions = TransactionInSerializer(many=True, allow_empty=False, max_length=settings.TRANSACTION_BATCH_MAX)

    def validate_transactions(self, rows):
        """An id may appear once in a batch: a repeat is reported under its row's index."""
        first: dict[str, int] = {}
        errors: list[dict] = [{} for _ in rows]
        for i, row in enumerate(rows):
            ext = row.get("external_id", "")
            if ext in first:
                errors[i] = {"external_id": [f"The id {ext} is already row {first[ext]} of this batch."]}
            elif ext:
                first[ext] = i
        if any(errors):
            raise serializers.ValidationError(errors)
        return rows


class TransactionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:transaction-detail")
    display = serializers.CharField(source="__str__", read_only=True)
    account = serializers.SerializerMethodField()
    # Read-only fields lose the model's blank and null in DRF: declared here so the schema says them.
    alert = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    label = serializers.ChoiceField(choices=Label.choices, allow_blank=True, read_only=True)
    channel = serializers.ChoiceField(choices=Channel.choices, allow_blank=True, read_only=True)
    direction = serializers.ChoiceField(choices=Direction.choices, allow_blank=True, read_only=True)
    counterparty_account = serializers.SerializerMethodField()

    class Meta:
        model = Transaction
        fields = [
            "id", "url", "display", "external_id", "source", "kind", "customer_ref", "account", "terminal_id",
            "payee", "amount", "currency", "occurred_at", "location", "description", "channel", "direction",
            "counterparty", "counterparty_account", "counterparty_country", "country", "decision", "score",
            "reasons", "rule_set_version", "model_version", "alert", "label", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_account(self, obj) -> str | None:
        return obj.account.masked_number if obj.account_id else None

    def get_counterparty_account(self, obj) -> str | None:
        """Masked unless the caller may see account numbers in full."""
        return counterparty_account_shown(obj, self.context.get("request"))

    def to_representation(self, instance):
        """The hot path of ingestion answers: the same fields and formats as the declared ones (a test
        compares the two), built directly instead of through DRF's per-request field construction."""
        return transaction_as_json(instance, self.context.get("request"))


def counterparty_account_shown(txn: Transaction, request) -> str | None:
    """The other party's account, masked unless the caller may see account numbers in full."""
    if not txn.counterparty_account:
        return None
    user = getattr(request, "user", None)
    if user is not None and user.has_perm("transactions.view_full_account_number"):
        audit_full_numbers(request, txn)
        return txn.counterparty_account
    return txn.counterparty_account_masked


_DATETIME = serializers.DateTimeField()
_AMOUNT = serializers.DecimalField(max_digits=18, decimal_places=2)


def transaction_as_json(txn: Transaction, request=None) -> dict:
    from django.urls import reverse

    url = reverse("api:transaction-detail", args=[txn.pk])
    try:
        alert = txn.alert.pk
    except Transaction.alert.RelatedObjectDoesNotExist:
        alert = None
    return {
        "id": txn.pk, "url": request.build_absolute_uri(url) if request is not None else url, "display": str(txn),
        "external_id": txn.external_id, "source": txn.source, "kind": txn.kind, "customer_ref": txn.customer_ref,
        "account": txn.account.masked_number if txn.account_id else None, "terminal_id": txn.terminal_id,
        "payee": txn.payee, "amount": _AMOUNT.to_representation(txn.amount), "currency": txn.currency,
        "occurred_at": _DATETIME.to_representation(txn.occurred_at), "location": txn.location,
        "description": txn.description, "channel": txn.channel, "direction": txn.direction,
        "counterparty": txn.counterparty, "counterparty_account": counterparty_account_shown(txn, request),
        "counterparty_country": txn.counterparty_country, "country": txn.country,
        "decision": txn.decision, "score": txn.score, "reasons": txn.reasons,
        "rule_set_version": txn.rule_set_version, "model_version": txn.model_version, "alert": alert,
        "label": txn.label, "created_at": _DATETIME.to_representation(txn.created_at),
    }  # fmt: skip


class CustomerSerializer(serializers.ModelSerializer):
    """`branch` is the home branch's code; `opened_on` is today when left out. KYC completion and funding
    are the bank's own records of the customer's lifecycle: read only."""

    url = serializers.HyperlinkedIdentityField(view_name="api:customer-detail")
    display = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id", "url", "display", "external_id", "full_name", "kyc_status", "kyc_review_date", "risk_rating",
            "country", "segment", "branch", "acquisition_channel", "opened_on", "kyc_completed_on", "funded_on",
            "closed_on", "created_at",
        ]  # fmt: skip
        read_only_fields = ["id", "url", "display", "kyc_completed_on", "funded_on", "closed_on", "created_at"]
        extra_kwargs = {"opened_on": {"required": False}}


class BankAccountSerializer(serializers.ModelSerializer):
    """The number is masked unless the caller may see account numbers in full."""

    url = serializers.HyperlinkedIdentityField(view_name="api:account-detail")
    display = serializers.CharField(source="__str__", read_only=True)
    number = serializers.CharField(max_length=34, write_only=True)
    account_number = serializers.SerializerMethodField()
    customer = serializers.SlugRelatedField(slug_field="external_id", queryset=Customer.objects.all())

    class Meta:
        model = BankAccount
        fields = [
            "id", "url", "display", "customer", "number", "account_number", "name", "type", "currency", "status",
            "balance", "overdraft_limit", "branch", "opened_on",
        ]  # fmt: skip
        read_only_fields = ["id", "url", "display", "status", "balance"]
        extra_kwargs = {"opened_on": {"required": False}}

    def get_account_number(self, obj) -> str:
        request = self.context.get("request")
        if request and request.user.has_perm("transactions.view_full_account_number"):
            audit_full_numbers(request, obj)
            return obj.number
        return obj.masked_number


class MovementSerializer(serializers.Serializer):
    amount = AmountField()
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(
        choices=Channel.choices, required=False,
        help_text="How the money moved; left out: cash for a deposit or withdrawal, transfer for a transfer.",
    )  # fmt: skip


class TransferSerializer(MovementSerializer):
    destination = serializers.PrimaryKeyRelatedField(queryset=BankAccount.objects.exclude(type="internal"))


class TransactionFileSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:transactionfile-detail")
    display = serializers.CharField(source="__str__", read_only=True)
    percent = serializers.IntegerField(read_only=True)
    errors_url = serializers.HyperlinkedIdentityField(view_name="api:transactionfile-errors")

    class Meta:
        model = TransactionFile
        fields = ["id", "url", "display", "original_name", "sha256", "size", "format", "mapping", "label_column",
                  "status", "failure", "rows_total", "rows_done", "rows_stored", "rows_rejected", "alerts_raised",
                  "percent", "errors_url", "uploaded_at", "started_at", "finished_at"]  # fmt: skip
        read_only_fields = fields


class TransactionFileUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=["expense", "card", "mapping"])
    mapping = serializers.DictField(child=serializers.CharField(), required=False, default=dict)
    label_column = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")

    def to_internal_value(self, data):
        # multipart sends the mapping as text: accept "field=COLUMN,..." or a JSON object
        if hasattr(data, "getlist") and isinstance(data.get("mapping"), str):
            text = data.get("mapping").strip()
            # Not data.copy(): that deep-copies the upload, and a file over the in-memory limit is an
            # open temporary file, which cannot be copied.
            data = {key: data.get(key) for key in data}
            try:
                data["mapping"] = json.loads(text) if text.startswith("{") else parse_mapping(text) if text else {}
            except (ValueError, json.JSONDecodeError) as exc:
                raise serializers.ValidationError({"mapping": [str(exc)]}) from exc
        return super().to_internal_value(data)
