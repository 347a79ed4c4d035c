from django import forms

from .money import AMOUNT_MAX, TOO_LARGE, amount_validators


class AmountField(forms.DecimalField):
    """An amount in money's one range (`apps.core.money`): 0.01 to 999,999,999,999.99, two places."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validators", amount_validators())
        super().__init__(max_digits=len(str(int(AMOUNT_MAX))) + 2, decimal_places=2, **kwargs)
        self.error_messages.update(max_digits=TOO_LARGE, max_whole_digits=TOO_LARGE)


class BootstrapFormMixin:
    """Give every widget Bootstrap's class for its kind, so templates render fields as they are."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
