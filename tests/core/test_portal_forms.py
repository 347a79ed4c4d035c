"""Portal forms are drawn by crispy-forms' Bootstrap 5 pack, and a day is typed as ISO or in the bank's order."""

from __future__ import annotations

import importlib
import re
from datetime import date

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory

from apps.accounts.forms import APITokenForm
from apps.cheques.forms import ChequeKeyForm, ChequeUploadForm
from apps.core.days import parse_day
from apps.core.forms import PortalFormMixin
from apps.transactions.filtersets import TransactionFilterSet
from apps.transactions.forms import TransactionFileForm

pytestmark = pytest.mark.django_db

FORM_MODULES = ["apps.accounts.forms", "apps.cheques.forms", "apps.core.forms", "apps.fraud.forms",
                "apps.fraud.cases.forms", "apps.transactions.forms"]  # fmt: skip


def _portal_forms() -> list[type]:
    """Every form class the apps define (mixins aside)."""
    found = []
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, forms.BaseForm) and value.__module__ == name
                    and not value.__name__.startswith("_")):  # fmt: skip
                found.append(value)
    return found


FORMS = _portal_forms()
CSS = {"checkbox": "form-check-input", "select": "form-select", "select-one": "form-select"}


def _draw(form) -> str:
    return render_to_string("_form.html", {"form": form})


def _controls(html: str) -> list[tuple[str, str, str]]:
    """(tag, type, attributes) of every field control drawn."""
    found = re.findall(r"<(input|select|textarea)\b([^>]*)>", html)
    return [(tag, (re.search(r'type="([^"]+)"', attrs) or [None, tag])[1], attrs) for tag, attrs in found]


@pytest.mark.parametrize("form_class", FORMS, ids=lambda f: f.__name__)
def test_every_portal_form_is_drawn_by_crispy_with_bootstrap_classes_and_a_label_per_control(form_class, supervisor):
    form = form_class()
    assert isinstance(form, PortalFormMixin) and not form.helper.form_tag
    html = _draw(form)
    assert "<form" not in html and "csrfmiddlewaretoken" not in html  # the page's template holds those
    controls = _controls(html)
    assert len(controls) >= len(form.fields)
    for _tag, kind, attrs in controls:
        css = CSS.get(kind, "form-control")
        assert re.search(rf'class="[^"]*\b{css}\b', attrs), attrs
        control_id = re.search(r'id="([^"]+)"', attrs)[1]
        assert f'for="{control_id}"' in html, f"no label for {control_id}"
    for name in form.fields:  # names and ids are Django's own, as the views and tests know them
        assert f'name="{name}"' in html and f'id="id_{name}' in html


def test_every_form_the_apps_define_is_found():
    names = {f.__name__ for f in FORMS}
    assert {"UserInviteForm", "TeamForm", "APITokenForm", "LedgerForm", "TransactionFileForm", "RuleDraftForm",
            "CaseOpenForm", "ProposeForm", "ChequeUploadForm", "ChequeKeyForm"} <= names  # fmt: skip


def test_field_errors_help_texts_checkbox_groups_and_file_inputs_are_drawn():
    html = _draw(APITokenForm({"expires_in_days": "90"}))
    assert 'id="id_scopes_0"' in html and "form-check-input is-invalid" in html
    assert re.search(r'id="id_scopes_error" class="invalid-feedback">.*?This field is required', html, re.S)
    assert re.search(r'<select name="user" class="[^"]*form-select is-invalid', html)
    assert "What the token is for" in html and 'class="form-text"' in html

    html = _draw(TransactionFileForm({"format": "card"}))
    assert re.search(r'<input type="file" name="file" class="form-control is-invalid"', html)
    assert "CSV, UTF-8, with a header line." in html


def test_a_form_error_is_drawn_above_the_fields():
    images = [SimpleUploadedFile(f"c{n}.png", b"x", content_type="image/png") for n in (1, 2)]
    form = ChequeUploadForm({"declared_amount": "10.00"}, {"front": images})
    form.fields["front"].clean = lambda data, initial=None: data  # the images are not read here
    assert not form.is_valid()
    html = _draw(form)
    assert re.search(r'class="alert alert-block alert-danger" role="alert">.*?A back image and a declared', html, re.S)
    assert html.index("alert-danger") < html.index('name="front"')


def test_a_keying_field_shows_what_was_read_escaped_and_marks_the_unsure_ones():
    form = ChequeKeyForm(initial={"country": "us"})
    form.show_reads(reads={"payee": "Read: <b>Ada</b> (ocr, 0.51)", "serial": "Not read"}, unsure={"payee"})
    html = _draw(form)
    assert "Read: &lt;b&gt;Ada&lt;/b&gt;" in html and "<b>Ada</b>" not in html
    marked = re.findall(r'data-testid="uncertain-field"', html)
    assert len(marked) == 1 and "text-bg-warning" in html


@pytest.mark.parametrize(
    ("text", "order", "day"),
    [
        ("2026-03-04", "DMY", date(2026, 3, 4)),
        ("2026-03-04", "MDY", date(2026, 3, 4)),
        ("04/03/2026", "DMY", date(2026, 3, 4)),
        ("04/03/2026", "MDY", date(2026, 4, 3)),
        ("4.3.2026", "DMY", date(2026, 3, 4)),
        (" 31-12-2026 ", "DMY", date(2026, 12, 31)),
    ],
)
def test_a_day_is_read_as_iso_or_in_the_banks_order(text, order, day):
    assert parse_day(text, order) == day


@pytest.mark.parametrize("text", ["31/12/2026x", "12/31/2026", "04/03/26", "yesterday", "2026-13-01"])
def test_a_day_that_is_not_one_is_refused(text):
    with pytest.raises(ValueError):
        parse_day(text, "DMY")


def test_a_work_list_filter_takes_the_banks_order_and_drops_an_empty_day(settings):
    request = RequestFactory().get("/")

    def since(value):
        filterset = TransactionFilterSet({"since": value}, request=request)
        assert filterset.is_valid(), filterset.errors
        return filterset.form.cleaned_data.get("since")

    assert since("04/03/2026") == date(2026, 3, 4)
    assert since("") is None  # an empty value means any day
    settings.BANK_DATE_ORDER = "MDY"
    assert since("04/03/2026") == date(2026, 4, 3)
    assert since("2026-04-03") == date(2026, 4, 3)

    refused = TransactionFilterSet({"since": "31/31/2026"}, request=request)
    assert not refused.is_valid()
    assert refused.errors["since"] == ["Enter the day as YYYY-MM-DD or MM/DD/YYYY."]
    html = str(TransactionFilterSet({"since": "04/03/2026"}, request=request).form["since"])
    assert 'type="text"' in html and 'value="04/03/2026"' in html and 'placeholder="YYYY-MM-DD"' in html
