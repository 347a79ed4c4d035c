from decimal import Decimal

from django import forms

from .models import BankAccount


class LedgerForm(forms.Form):
    OPERATIONS = [("deposit", "Deposit"), ("withdrawal", "Withdrawal"), ("transfer", "Transfer")]

    operation = forms.ChoiceField(choices=OPERATIONS)
    account = forms.ModelChoiceField(queryset=BankAccount.objects.none(), label="Account")
    destination = forms.ModelChoiceField(
        queryset=BankAccount.objects.none(), required=False, label="To account (transfers)"
    )
    amount = forms.DecimalField(max_digits=18, decimal_places=2, min_value=Decimal("0.01"))
    reference = forms.CharField(max_length=100, required=False)
    description = forms.CharField(max_length=255, required=False)

    def __init__(self, *args, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if accounts is not None:
            self.fields["account"].queryset = accounts
            self.fields["destination"].queryset = accounts

    def clean(self):
        data = super().clean()
        if data.get("operation") == "transfer" and not data.get("destination"):
            self.add_error("destination", "A transfer needs an account to pay into.")
        return data
