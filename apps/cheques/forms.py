from django import forms

from apps.core.forms import AmountField, BootstrapFormMixin

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


class ChequeUploadForm(BootstrapFormMixin, forms.Form):
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
        field.widget.attrs["class"] = "form-select"

    def clean(self):
        data = super().clean()
        if len(data.get("front") or []) > 1 and (data.get("back") or data.get("declared_amount")):
            raise forms.ValidationError("A back image and a declared amount go with a single cheque.")
        return data


class ChequeKeyForm(BootstrapFormMixin, forms.Form):
    """Every field as a person reads it off the image; starts with what the readers found."""

    country = forms.ChoiceField(choices=[("us", "United States (ABA)"), ("ca", "Canada"), ("in", "India (CTS-2010)")])

    def __init__(self, *args, **kwargs):
        from .fields import FIELDS

        super().__init__(*args, **kwargs)
        from .fields import DATE_HINT, DATE_ORDER

        country = (self.data.get("country") if self.is_bound else self.initial.get("country")) or "us"
        for name, (label, _parse) in FIELDS.items():
            # The date as the paper writes it (not the browser's own date picker, which follows the
            # browser's locale, not the cheque's).
            hint = DATE_HINT[DATE_ORDER.get(country, "MDY")]
            attrs = {"placeholder": f"{hint} or YYYY-MM-DD", "inputmode": "numeric"} if name == "date" else {}
            self.fields[name] = forms.CharField(label=label, max_length=255, required=False,
                                                widget=forms.TextInput(attrs=attrs))  # fmt: skip
        self.order_fields(["country", *FIELDS])
        for field in self.fields.values():  # the mixin styled only the fields declared on the class
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
