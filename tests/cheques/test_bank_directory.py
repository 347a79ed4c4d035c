"""The bank directories: a wrong Indian or Canadian routing number no longer clears. Sort codes and
institution numbers are looked up in the directory an admin loads (the shipped real excerpts here), an
Indian cheque's printed IFSC must be the branch of its MICR sort code, and a directory file is loaded all
or nothing, recorded and audited."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.cheques import generator, reading, selectors, services
from apps.cheques.directory import SHIPPED, shipped
from apps.cheques.models import BankDirectoryLoad, CanadianInstitution, Cheque, IndianBranch
from apps.core.models import AuditEvent
from apps.fraud.models import Alert
from tests.factories import make_user

from .images import cheque_image, upload

INDIA_LINES = SHIPPED["in"].path.read_text().splitlines()
CANADA_LINES = SHIPPED["ca"].path.read_text().splitlines()
CHENNAI = "600229002"  # ICICI Bank, Chennai Cenotaph Road: ICIC0000001 in the shipped excerpt
MUMBAI_IFSC = "ICIC0000004"  # ICICI Bank, Mumbai Nariman Point: sort code 400229002


def _file(lines: list[str], name: str = "IFSC.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode(), "text/csv")


def _renamed(line: str, branch: str) -> str:
    """A shipped row with its branch renamed, as a refreshed list would carry it."""
    row = next(csv.reader([line]))
    row[3] = branch
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    return out.getvalue()


@pytest.fixture
def keyer(team):
    return make_user(Role.ANALYST, teams=[team], email="keyer@bank.test")


def _keyed(keyer, country: str, **values) -> Cheque:
    cheque = services.cheque_receive(actor=None, front=upload(cheque_image()), country=country)
    Cheque.objects.filter(pk=cheque.pk).update(status="keying")
    cheque.refresh_from_db()
    good = {"amount": "125.40", "legal_amount": "One hundred twenty five and 40/100", "payee": "Ada Lovelace",
            "cheque_number": "1172", "serial": "1172", "account": "058791",
            "date": (timezone.localdate() - timedelta(days=3)).isoformat()}  # fmt: skip
    return services.cheque_key(cheque=cheque, actor=keyer, values={**good, **values}, country=country)


def _check(cheque: Cheque, code: str) -> dict:
    return next(v for v in cheque.validations if v["code"] == code)


# ------------------------------------------------------------------------------------------ checks
def test_an_indian_cheque_whose_sort_code_is_not_in_the_directory_is_flagged(keyer, bank_directories):
    cheque = _keyed(keyer, "in", routing="600229999")  # ICICI Bank's Chennai code, a branch the RBI list has not
    routing = _check(cheque, "routing")
    assert cheque.status == "flagged" and routing["passed"] is False
    assert (
        "600229999" in routing["explanation"]
        and "not in the RBI bank-branch directory loaded on" in (routing["explanation"])
    )
    assert cheque.risk_reasons[0]["rule"] == "cheque-routing" and cheque.risk_score >= 70
    assert Alert.objects.get(cheque=cheque).case is not None


def test_an_indian_cheque_from_a_listed_branch_clears_and_names_it(keyer, bank_directories):
    cheque = _keyed(keyer, "in", routing=CHENNAI, ifsc="icic0000001")
    assert cheque.status == "cleared", cheque.status_reason
    assert "ICICI Bank, CHENNAICENOTAPH ROAD" in _check(cheque, "routing")["explanation"]
    assert _check(cheque, "ifsc")["passed"] is True
    assert cheque.fields.get(name="ifsc").value == "ICIC0000001"  # kept as it is checked


def test_a_canadian_institution_number_payments_canada_does_not_list_is_flagged(keyer, bank_directories):
    listed = _keyed(keyer, "ca", routing="00012003")  # Royal Bank of Canada
    unlisted = _keyed(keyer, "ca", routing="00012123", account="1234567", serial="1173", cheque_number="1173")
    assert listed.status == "cleared" and "Royal Bank of Canada" in _check(listed, "routing")["explanation"]
    routing = _check(unlisted, "routing")
    assert unlisted.status == "flagged" and routing["passed"] is False
    assert "institution number 123" in routing["explanation"] and "Payments Canada" in routing["explanation"]


def test_without_a_directory_the_routing_is_not_checked_and_the_cheque_page_says_so(keyer, client, db):
    cheque = _keyed(keyer, "in", routing="600229999")
    routing = _check(cheque, "routing")
    assert routing["passed"] is None and "no RBI bank-branch directory is loaded for India" in routing["explanation"]
    assert cheque.status == "cleared" and "Not checked: The sort code 600229999" in cheque.status_reason
    client.force_login(keyer)
    page = client.get(reverse("cheques:detail", args=[cheque.pk])).content.decode()
    assert 'data-testid="not-checked"' in page and "could not be checked: no RBI bank-branch directory" in page


def test_a_us_routing_number_is_still_the_aba_checksum(keyer, bank_directories):
    assert _keyed(keyer, "us", routing="031300465").status == "cleared"
    flagged = _keyed(keyer, "us", routing="031300466", serial="1173", cheque_number="1173")
    assert flagged.status == "flagged" and "not valid for US" in _check(flagged, "routing")["explanation"]


def test_an_ifsc_of_another_branch_than_the_micr_sort_code_is_flagged_naming_both(keyer, bank_directories):
    cheque = _keyed(keyer, "in", routing=CHENNAI, ifsc=MUMBAI_IFSC)
    ifsc = _check(cheque, "ifsc")
    assert cheque.status == "flagged" and ifsc["passed"] is False
    assert _check(cheque, "routing")["passed"] is True  # each number alone is real
    assert "The IFSC ICIC0000004 is ICICI Bank, MUMBAINARIMAN POINT (sort code 400229002)" in ifsc["explanation"]
    assert "sort code 600229002 is ICICI Bank, CHENNAICENOTAPH ROAD (IFSC ICIC0000001)" in ifsc["explanation"]
    assert "cheque-ifsc" in [r["rule"] for r in cheque.risk_reasons]


def test_an_ifsc_the_directory_does_not_have_is_flagged_and_a_bad_one_is_refused_when_keyed(keyer, bank_directories):
    cheque = _keyed(keyer, "in", routing=CHENNAI, ifsc="ICIC0999999")
    assert (
        cheque.status == "flagged"
        and "ICIC0999999 printed on the cheque is not in" in _check(cheque, "ifsc")["explanation"]
    )
    with pytest.raises(ValidationError) as refused:
        _keyed(keyer, "in", routing=CHENNAI, ifsc="ICICI000001X")
    assert set(refused.value.message_dict) == {"ifsc"}


def test_the_keying_screen_of_an_indian_cheque_asks_for_the_printed_ifsc_and_account_number(keyer, client):
    cheque = services.cheque_receive(actor=None, front=upload(cheque_image()), country="in")
    Cheque.objects.filter(pk=cheque.pk).update(status="keying")
    client.force_login(keyer)
    page = client.get(reverse("cheques:key", args=[cheque.pk])).content.decode()
    assert 'name="ifsc"' in page and 'name="account_number"' in page
    us = services.cheque_receive(actor=None, front=upload(cheque_image()), country="us")
    Cheque.objects.filter(pk=us.pk).update(status="keying")
    assert 'name="ifsc"' not in client.get(reverse("cheques:key", args=[us.pk])).content.decode()


# ------------------------------------------------------------------------------------------ reading
@pytest.mark.parametrize(
    ("texts", "value", "sure"),
    [
        (["IFSC:", "ICIC0000001"], "ICIC0000001", True),
        (["IFSC:ICIC0000001"], "ICIC0000001", True),
        (["IFSC:", "ICICO000001"], "ICIC0000001", False),  # the zero read as the letter O
        (["IFSC:", "1CIC0000001"], "ICIC0000001", False),  # the I read as a one
        (["IFSC:", "KKBK0O00418"], "KKBK0000418", False),  # an O among the branch's digits
        (["ICIC0000001"], "ICIC0000001", False),  # no label
    ],
)
def test_the_printed_ifsc_is_read_despite_ocr_confusions(texts, value, sure):
    words = [[t, 0.96, 50 + 160 * i, 96, 150, 20] for i, t in enumerate(texts)]
    read = reading.read_fields(words, (1500, 680), "in")["ifsc"]
    assert read.value == value and (read.confidence == 0.96) is sure


def test_the_account_number_is_read_after_its_label_and_only_on_indian_cheques():
    words = [["A/c", 0.9, 50, 450, 40, 20], ["No.", 0.9, 95, 450, 30, 20], ["152716058791", 0.93, 130, 450, 160, 20],
             ["IFSC:", 0.9, 50, 96, 50, 20], ["KKBK0000418", 0.95, 110, 96, 150, 20]]  # fmt: skip
    found = reading.read_fields(words, (1500, 680), "in")
    assert found["account_number"].value == "152716058791" and found["ifsc"].value == "KKBK0000418"
    assert not {"ifsc", "account_number"} & set(reading.read_fields(words, (1500, 680), "us"))


# ------------------------------------------------------------------------------------------ the generator
def test_demo_cheques_of_india_and_canada_carry_real_routing_numbers_and_bad_routing_ones_are_not_listed():
    sort_codes = {b.micr: b.ifsc for b in shipped("in")}
    institutions = {i.number for i in shipped("ca")}
    for seed in range(12):
        india = generator.generate(seed, country="in", clean=True).truth
        assert sort_codes[india["routing"]] == india["ifsc"] and india["account_number"].endswith(india["account"])
        assert generator.generate(seed, country="ca", clean=True).truth["routing"][5:] in institutions
        bad = generator.generate(seed, country="in", clean=True, fraud="bad_routing").truth
        genuine = next(code for code, ifsc in sort_codes.items() if ifsc == bad["ifsc"])  # the IFSC printed
        assert bad["routing"] not in sort_codes and bad["routing"][:6] == genuine[:6]  # the same city and bank
        assert len(bad["routing"]) == 9 and bad["routing"].isdigit() and bad["routing"][:3] != "000"
        bad_ca = generator.generate(seed, country="ca", clean=True, fraud="bad_routing").truth["routing"]
        assert len(bad_ca) == 8 and bad_ca.isdigit() and bad_ca[5:] not in institutions


def _png(image) -> bytes:
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _process(g: generator.Generated, on_commit) -> Cheque:
    with on_commit(execute=True):
        cheque = services.cheque_receive(actor=None, front=upload(_png(g.front)), back=upload(_png(g.back), "back.png"),
                                         country=g.truth["country"])  # fmt: skip
    cheque.refresh_from_db()
    return cheque


def test_the_generators_bad_routing_indian_cheque_is_flagged_through_the_pipeline(
    team, bank_directories, django_capture_on_commit_callbacks
):
    g = generator.generate(9, country="in", clean=True, fraud="bad_routing")
    cheque = _process(g, django_capture_on_commit_callbacks)
    assert cheque.status == "flagged", cheque.status_reason
    routing, ifsc = _check(cheque, "routing"), _check(cheque, "ifsc")
    assert routing["passed"] is False and g.truth["routing"] in routing["explanation"]
    assert ifsc["passed"] is False and g.truth["ifsc"] in ifsc["explanation"]
    assert cheque.risk_score >= 70 and Alert.objects.get(cheque=cheque).case is not None


def test_a_genuine_indian_cheque_is_read_with_its_ifsc_and_account_number_and_cleared(
    bank_directories, django_capture_on_commit_callbacks
):
    g = generator.generate(9, country="in", clean=True)
    cheque = _process(g, django_capture_on_commit_callbacks)
    assert cheque.status == "cleared", cheque.status_reason
    read = {f.name: f.read_value for f in cheque.fields.all()}
    assert read["ifsc"] == g.truth["ifsc"] and read["account_number"] == g.truth["account_number"]
    assert _check(cheque, "routing")["passed"] is True and _check(cheque, "ifsc")["passed"] is True


def test_the_generators_bad_routing_canadian_cheque_is_flagged_through_the_pipeline(
    team, bank_directories, django_capture_on_commit_callbacks
):
    genuine = _process(generator.generate(8, country="ca", clean=True), django_capture_on_commit_callbacks)
    assert genuine.status == "cleared" and _check(genuine, "routing")["passed"] is True, genuine.status_reason
    g = generator.generate(8, country="ca", clean=True, fraud="bad_routing")
    cheque = _process(g, django_capture_on_commit_callbacks)
    assert cheque.status == "flagged", cheque.status_reason
    assert _check(cheque, "routing")["passed"] is False and "Payments Canada" in cheque.status_reason


# ------------------------------------------------------------------------------------------ loading
def test_a_directory_file_is_loaded_recorded_and_audited(admin_user):
    load = services.bank_directory_load(country="in", file=_file(INDIA_LINES), actor=admin_user,
                                        source="RBI IFSC/MICR list, 2026-03")  # fmt: skip
    assert (load.rows, load.added, load.changed, load.removed) == (54, 54, 0, 0)
    assert load.loaded_by == admin_user and load.loaded_by_name == admin_user.email and load.file_name == "IFSC.csv"
    assert len(load.sha256) == 64 and IndianBranch.objects.count() == 54
    event = AuditEvent.objects.get(action="bank_directory.load")
    assert event.actor == admin_user and event.after["added"] == 54 and event.after["sha256"] == load.sha256
    branch = IndianBranch.objects.get(ifsc="ICIC0000001")
    assert (branch.micr, branch.bank, branch.centre, branch.state) == (CHENNAI, "ICICI Bank", "CHENNAI", "TAMIL NADU")


def test_refreshing_replaces_the_rows_and_records_what_changed(admin_user):
    first = services.bank_directory_load(country="in", file=_file(INDIA_LINES[:-3]), actor=admin_user, source="v1")
    assert (first.rows, first.added) == (51, 51)
    refreshed = [INDIA_LINES[0], _renamed(INDIA_LINES[1], "CHENNAI CENOTAPH ROAD"), *INDIA_LINES[4:]]
    second = services.bank_directory_load(country="in", file=_file(refreshed), actor=admin_user, source="v2")
    assert (second.rows, second.added, second.changed, second.removed) == (52, 3, 1, 2)
    assert IndianBranch.objects.count() == 52 and not IndianBranch.objects.filter(ifsc="ICIC0000002").exists()
    assert IndianBranch.objects.get(ifsc="ICIC0000001").branch == "CHENNAI CENOTAPH ROAD"
    event = AuditEvent.objects.filter(action="bank_directory.load").order_by("-id").first()
    assert event.after["removed_sample"] == ["ICIC0000002", "ICIC0000004"] and event.after["changed"] == 1
    assert selectors.bank_directory("in").source == "v2" and BankDirectoryLoad.objects.count() == 2
    assert CanadianInstitution.objects.count() == 0  # one country's load leaves the other's alone


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            [*INDIA_LINES[:3], "ICIC0000099,60022900,ICICI Bank,CHENNAI,CHENNAI,,,", *INDIA_LINES[3:]],
            "Line 4: the MICR sort code '60022900' of ICIC0000099 is not 9 digits.",
        ),
        ([*INDIA_LINES[:5], INDIA_LINES[2]], "Line 6: ICIC0000002 is listed twice (first on line 3)."),
        ([*INDIA_LINES[:2], "ICIC000001,600229002,ICICI Bank,X,,,,"], "Line 3: the IFSC 'ICIC000001' is not four"),
        ([*INDIA_LINES[:2], "ICIC0000077,600229077,,X,,,,"], "Line 3: ICIC0000077 has no bank or branch name."),
        (["IFSC,BANK,BRANCH", "ICIC0000001,ICICI Bank,X"], "Line 1: the header has no MICR column"),
        ([INDIA_LINES[0]], "The file has a header but no entries."),
        ([*INDIA_LINES[:2], "ICIC0000077,600229077,ICICI Bank,X\x00,,,,"], "Line 3: the file holds a NUL character"),
    ],
    ids=["short-micr", "twice", "bad-ifsc", "no-bank", "no-micr-column", "no-entries", "nul"],
)
def test_a_bad_directory_file_changes_nothing_and_says_which_line_is_wrong(admin_user, lines, message):
    services.bank_directory_load(country="in", file=_file(INDIA_LINES[:11]), actor=admin_user, source="v1")
    with pytest.raises(ValidationError) as refused:
        services.bank_directory_load(country="in", file=_file(lines), actor=admin_user, source="v2")
    text = " ".join(refused.value.messages)
    assert message in text and "Nothing was changed." in text
    assert IndianBranch.objects.count() == 10 and BankDirectoryLoad.objects.count() == 1
    assert AuditEvent.objects.filter(action="bank_directory.load").count() == 1


def test_a_file_that_is_not_utf8_text_is_refused_naming_its_line(admin_user):
    data = ("\n".join(CANADA_LINES[:3]) + "\n").encode() + "004,Banque Toronto-Dominion\n".encode("latin-1")
    data = data.replace(b"Toronto-Dominion", "Montr\u00e9al".encode("latin-1"))
    with pytest.raises(ValidationError) as refused:
        services.bank_directory_load(country="ca", file=SimpleUploadedFile("fi.csv", data), actor=admin_user,
                                     source="x")  # fmt: skip
    assert "Line 4: the file is not UTF-8 text" in " ".join(refused.value.messages)
    assert not CanadianInstitution.objects.exists()


def test_the_canadian_list_keeps_an_institution_numbers_leading_zeros(admin_user):
    lines = ["Institution Number,Institution Name", "1,Bank of Montreal", "3,Royal Bank of Canada"]
    load = services.bank_directory_load(country="ca", file=_file(lines), actor=admin_user, source="spreadsheet")
    assert load.rows == 2 and list(CanadianInstitution.objects.values_list("number", flat=True)) == ["001", "003"]


def test_the_command_loads_a_file_or_the_shipped_excerpt_and_refuses_a_bad_file(db, tmp_path, capsys):
    call_command("load_bank_directory", "ca", "shipped")
    assert "9 entries" in capsys.readouterr().out and CanadianInstitution.objects.count() == 9
    bad = tmp_path / "fi.csv"
    bad.write_text("INSTITUTION,NAME\n001,Bank of Montreal\n12a,Nobody\n")
    with pytest.raises(CommandError, match="Line 3: the institution number '12a' is not 3 digits"):
        call_command("load_bank_directory", "ca", str(bad))
    assert CanadianInstitution.objects.count() == 9
    assert BankDirectoryLoad.objects.get().loaded_by_name == "system"


# ------------------------------------------------------------------------------------------ the portal page
def test_an_admin_loads_a_refreshed_directory_on_the_portal_and_an_auditor_only_reads_it(client, admin_user, auditor):
    url = reverse("cheques:bank_directory")
    client.force_login(admin_user)
    page = client.get(url).content.decode()
    assert 'data-testid="directory-in-empty"' in page and 'name="file"' in page
    done = client.post(url, {"country": "ca", "source": "Payments Canada", "file": _file(CANADA_LINES, "fi.csv")})
    assert done.status_code == 302
    page = client.get(url).content.decode()
    assert "9 entries loaded from fi.csv (9 added, 0 changed, 0 removed)" in page
    assert 'data-testid="directory-ca-rows">9<' in page
    bad = client.post(url, {"country": "ca", "source": "x", "file": _file(["INSTITUTION,NAME", "1234,Too long"])})
    assert bad.status_code == 400 and "Line 2: the institution number" in bad.content.decode()
    not_csv = client.post(
        url, {"country": "in", "source": "x", "file": SimpleUploadedFile("x.xlsx", b"PK\x03\x04\xff")}
    )
    assert not_csv.status_code == 400 and "not UTF-8 text" in not_csv.content.decode()
    assert BankDirectoryLoad.objects.count() == 1
    client.force_login(auditor)
    page = client.get(url).content.decode()
    assert "fi.csv" in page and 'name="file"' not in page
    assert client.post(url, {"country": "ca", "source": "x", "file": _file(CANADA_LINES)}).status_code == 403


def test_the_bank_directory_is_in_the_admin_menu(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("home")).content.decode()
    assert reverse("cheques:bank_directory") in page


def test_a_cheque_amount_field_is_unaffected_by_the_printed_account_number():
    # The account number printed lower left is no amount in figures (no currency sign, no cents).
    words = [["A/c", 0.9, 50, 450, 40, 20], ["No.", 0.9, 95, 450, 30, 20], ["152716058791", 0.93, 130, 450, 160, 20],
             ["Rs.", 0.9, 1134, 200, 40, 30], ["3,30,000.00", 0.9, 1190, 200, 150, 30]]  # fmt: skip
    assert Decimal(reading.read_fields(words, (1500, 680), "in")["amount"].value) == Decimal("330000.00")
