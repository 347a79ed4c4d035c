from crispy_forms.layout import Column, Div, Layout, Row
from django import forms
from django.utils.html import format_html

from apps.core.forms import AmountField, PortalFormMixin

IMAGES = "image/jpeg,image/png,image/tiff"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Many files in one field; each is checked like a single FileField."""

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class ChequeUploadForm(PortalFormMixin, forms.Form):
    front = MultipleFileField(
        widget=MultipleFileInput(attrs={"multiple": True, "accept": IMAGES}),
        label="Cheque images",
        help_text="JPEG, PNG or TIFF, one cheque a file (a two-page TIFF is front and back). Choose or drop many.",
    )
    back = forms.FileField(
        required=False, label="Back (one cheque only)", widget=forms.ClearableFileInput(attrs={"accept": IMAGES})
    )
    declared_amount = AmountField(required=False)
    declared_currency = forms.ChoiceField(choices=(), label="Currency", required=False)
    declared_account = forms.CharField(max_length=34, required=False, label="Deposit to account")
    reference = forms.CharField(max_length=100, required=False, label="Depositor's reference")

    def __init__(self, *args, **kwargs):
        from django.conf import settings

        from apps.core.money import currencies

        super().__init__(*args, **kwargs)
        field = self.fields["declared_currency"]
        field.choices = [(c, c) for c in sorted(currencies())]
        field.initial = settings.BANK_CURRENCY

    def get_layout(self) -> Layout:
        return Layout("front", "back", Row(Column("declared_amount"), Column("declared_currency")),
                      Row(Column("declared_account"), Column("reference")))  # fmt: skip

    def clean(self):
        data = super().clean()
        if len(data.get("front") or []) > 1 and (data.get("back") or data.get("declared_amount")):
            raise forms.ValidationError("A back image and a declared amount go with a single cheque.")
        return data


class ChequeKeyForm(PortalFormMixin, forms.Form):
    """Every field as a person reads it off the image; starts with what the readers found."""

    country = forms.ChoiceField(
        label="MICR rules", choices=[("us", "United States (ABA)"), ("ca", "Canada"), ("in", "India (CTS-2010)")]
    )

    def __init__(self, *args, **kwargs):
        from .fields import DATE_HINT, DATE_ORDER, fields_for

        super().__init__(*args, **kwargs)
        self.unsure: set[str] = set()
        country = (self.data.get("country") if self.is_bound else self.initial.get("country")) or "us"
        fields = fields_for(country)  # an Indian cheque's printed IFSC and account number too
        for name, (label, _parse) in fields.items():
            # The date as the paper writes it (not the browser's own date picker, which follows the
            # browser's locale, not the cheque's).
            hint = DATE_HINT[DATE_ORDER.get(country, "MDY")]
            attrs = {"placeholder": f"{hint} or YYYY-MM-DD", "inputmode": "numeric"} if name == "date" else {}
            self.fields[name] = forms.CharField(label=label, max_length=255, required=False,
                                                widget=forms.TextInput(attrs=attrs))  # fmt: skip
        self.order_fields(["country", *fields])

    def show_reads(self, *, reads: dict[str, str], unsure: set[str]) -> None:
        """Under each field, what the readers found (`reads`, plain text); the fields in `unsure` (missing,
        or read without enough confidence) are marked for the keyer to check."""
        self.unsure = set(unsure)
        for name, text in reads.items():
            field = self.fields[name]
            field.help_text = format_html("{}", text)  # drawn as HTML: what was read off the image is escaped
            if name in self.unsure:
                field.label = format_html('{} <span class="badge text-bg-warning">check</span>', field.label)

    def get_layout(self) -> Layout:
        def row(name):
            if name not in self.unsure:
                return name
            return Div(name, css_class="border-start border-3 border-warning ps-2", data_testid="uncertain-field")

        return Layout("country", *(row(name) for name in self.fields if name != "country"))


class BankDirectoryLoadForm(PortalFormMixin, forms.Form):
    """A refreshed bank directory file for one country."""

    country = forms.ChoiceField(choices=[("in", "India: RBI bank-branch list (IFSC and MICR)"),
                                         ("ca", "Canada: Payments Canada institution numbers")])  # fmt: skip
    file = forms.FileField(
        label="Directory file (CSV)",
        help_text="India: the columns IFSC, MICR, BANK and BRANCH (CENTRE, CITY, DISTRICT, STATE if there), as in "
        "the RBI's lists or razorpay/ifsc's IFSC.csv. Canada: INSTITUTION and NAME. The file replaces the country's "
        "whole directory; a file with a bad line changes nothing.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    source = forms.CharField(
        max_length=255, help_text="Where the file comes from: a URL, a release, the date of the list."
    )

    def get_layout(self) -> Layout:
        return Layout("country", "file", "source")
