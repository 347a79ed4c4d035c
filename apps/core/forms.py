from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms

from .money import AMOUNT_MAX, TOO_LARGE, amount_validators, currency_check

RATES_FILE_MAX_BYTES = 20_000_000  # the ECB's whole history since 1999 is about 2 MB


class AmountField(forms.DecimalField):
    """An amount in money's one range (`apps.core.money`): 0.01 to 999,999,999,999.99, two places."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validators", amount_validators())
        super().__init__(max_digits=len(str(int(AMOUNT_MAX))) + 2, decimal_places=2, **kwargs)
        self.error_messages.update(max_digits=TOO_LARGE, max_whole_digits=TOO_LARGE)


class PortalFormMixin:
    """A portal form, drawn by crispy-forms' Bootstrap 5 template pack in the one layout its
    `get_layout()` names (`{% include "_form.html" %}` renders `{% crispy form %}`).

    The page's template holds the <form> tag, the CSRF token and the buttons, so a form is drawn the same
    on a page of its own and in a card beside other forms. Field names and ids are Django's own."""

    def get_layout(self) -> Layout:
        return Layout(*self.fields)

    @property
    def helper(self) -> FormHelper:
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        helper.layout = self.get_layout()
        return helper


class ExchangeRateForm(PortalFormMixin, forms.Form):
    """One day's rate of a currency, entered by hand."""

    currency = forms.CharField(max_length=3, help_text="ISO 4217 code, e.g. INR.")
    per_base = forms.DecimalField(label="Units for one of the bank's currency", min_value=Decimal("0.0000000001"),
                                  max_digits=24, decimal_places=10)  # fmt: skip
    valid_on = forms.DateField(
        label="Valid from", input_formats=["%Y-%m-%d"], help_text="YYYY-MM-DD.",
        widget=forms.TextInput(attrs={"placeholder": "YYYY-MM-DD", "inputmode": "numeric"}),
    )  # fmt: skip
    source = forms.CharField(max_length=200, required=False, help_text="Where the rate comes from.")

    def clean_currency(self):
        return currency_check(self.cleaned_data["currency"])


class RatesFileForm(PortalFormMixin, forms.Form):
    """A rates file: the ECB's reference rates, or a bank's own `date,currency,rate` file."""

    file = forms.FileField(help_text="CSV: the ECB's eurofxref.csv or eurofxref-hist.csv, or date,currency,rate.")
    source = forms.CharField(max_length=200, help_text="Where the file comes from, e.g. ECB reference rates.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > RATES_FILE_MAX_BYTES:
            raise forms.ValidationError(f"A rates file may be at most {RATES_FILE_MAX_BYTES // 1_000_000} MB.")
        return upload


def add_service_errors(form: forms.Form, exc) -> None:
    """A service's ValidationError shown on the form: each message on its field when the form has that
    field, else above the form."""
    found = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, messages in found.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
