from crispy_forms.layout import Column, Layout, Row
from django import forms

from apps.core.forms import AmountField, PortalFormMixin

from .choices import Channel
from .models import BankAccount


class LedgerForm(PortalFormMixin, forms.Form):
    OPERATIONS = [("deposit", "Deposit"), ("withdrawal", "Withdrawal"), ("transfer", "Transfer")]

    operation = forms.ChoiceField(choices=OPERATIONS)
    channel = forms.ChoiceField(
        choices=[("", "Cash, or transfer for a transfer"), *Channel.choices], required=False,
        help_text="How the money moved: cash at the counter, a cheque paid in, a wire, …",
    )  # fmt: skip
    account = forms.ModelChoiceField(queryset=BankAccount.objects.none(), label="Account")
    destination = forms.ModelChoiceField(
        queryset=BankAccount.objects.none(), required=False, label="To account (transfers)"
    )
    amount = AmountField()
    reference = forms.CharField(max_length=100, required=False)
    description = forms.CharField(max_length=255, required=False)

    def __init__(self, *args, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if accounts is not None:
            self.fields["account"].queryset = accounts
            self.fields["destination"].queryset = accounts

    def get_layout(self) -> Layout:
        return Layout(Row(Column("operation"), Column("channel"), Column("amount")),
                      Row(Column("account"), Column("destination")),
                      Row(Column("reference"), Column("description")))  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("operation") == "transfer" and not data.get("destination"):
            self.add_error("destination", "A transfer needs an account to pay into.")
        return data


class TransactionFileForm(PortalFormMixin, forms.Form):
    FORMATS = [
        ("expense", "Employee expenses (transaction_id, employee_id, amount, location, description, timestamp)"),
        ("card", "Card payments (transaction_id, timestamp, customer_id, terminal_id, amount)"),
        ("mapping", "Other layout: map the columns below"),
    ]

    file = forms.FileField(help_text="CSV, UTF-8, with a header line.")
    format = forms.ChoiceField(choices=FORMATS)
    mapping = forms.CharField(
        required=False,
        help_text="For other layouts: field=COLUMN pairs, e.g. amount=Amt,occurred_at=When,customer_ref=Client",
    )
    label_column = forms.CharField(required=False, max_length=64, help_text="Optional column with fraud labels.")

    def get_layout(self) -> Layout:
        return Layout("file", "format", "mapping", "label_column")

    def clean(self):
        from .formats import parse_mapping

        data = super().clean()
        if data.get("format") == "mapping":
            try:
                data["mapping"] = parse_mapping(data.get("mapping") or "")
            except ValueError as exc:
                self.add_error("mapping", str(exc))
        else:
            data["mapping"] = {}
        return data
