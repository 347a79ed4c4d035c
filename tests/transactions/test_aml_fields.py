"""What AML scenarios read of a transaction (channel, direction, counterparty, countries) comes in on every
path the same way: the API and its batches, CSV files (column mappings), the ledger and the simulator.
A bad channel or country is refused naming its field; files without the columns import as before."""

from __future__ import annotations

import importlib
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.fraud import services as fraud_services
from apps.transactions import aml, services
from apps.transactions.formats import Layout, layout_for, parse_row, parse_rows
from apps.transactions.models import Transaction, TransactionFile
from apps.transactions.simulator import simulate
from tests.factories import make_user
from tests.transactions.test_files import GOLDEN, _ingest, _report

ROW = {"external_id": "W-1", "customer_ref": "C-7", "amount": "250.00", "occurred_at": "2026-03-04T12:00:00Z",
       "kind": "transfer", "channel": "Wire", "direction": "out", "counterparty": "Acme Trading Ltd",
       "counterparty_account": "GB29NWBK60161331926819", "counterparty_country": "gb", "country": "us"}  # fmt: skip
MAPPING = {"external_id": "Ref", "amount": "Amt", "occurred_at": "When", "kind": "Kind", "channel": "Via",
           "direction": "Dir", "counterparty": "Party", "counterparty_account": "PartyAcct",
           "counterparty_country": "PartyCountry", "country": "Where"}  # fmt: skip
HEADER = "Ref,Amt,When,Kind,Via,Dir,Party,PartyAcct,PartyCountry,Where\n"


def _stored_account_column(txn: Transaction) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT counterparty_account FROM {Transaction._meta.db_table} WHERE id = %s", [txn.pk])  # noqa: S608
        return cursor.fetchone()[0]


# ---------------------------------------------------------------------------------------- API
def test_the_api_stores_the_fields_checked_and_answers_them_with_the_account_masked(feed):
    response = feed.post(reverse("api:transaction-list"), ROW, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["channel"], body["direction"], body["counterparty"]) == ("wire", "out", "Acme Trading Ltd")
    assert (body["counterparty_country"], body["country"]) == ("GB", "US")
    assert body["counterparty_account"] == "••••6819"
    txn = Transaction.objects.get(external_id="W-1")
    assert (txn.channel, txn.counterparty_country, txn.country) == ("wire", "GB", "US")
    assert txn.counterparty_account == "GB29NWBK60161331926819"
    assert "6819" not in _stored_account_column(txn)  # encrypted at rest


def test_the_api_leaves_them_unknown_when_left_out_and_takes_the_direction_from_the_kind(feed):
    bare = {k: ROW[k] for k in ("external_id", "amount", "occurred_at")}
    body = feed.post(reverse("api:transaction-list"), {**bare, "kind": "deposit"}, format="json").json()
    assert (body["channel"], body["direction"], body["country"], body["counterparty_account"]) == ("", "in", "", None)
    transfer = {**bare, "external_id": "W-2", "kind": "transfer"}
    assert feed.post(reverse("api:transaction-list"), transfer, format="json").json()["direction"] == ""  # either way


@pytest.mark.parametrize("role", [None, Role.COMPLIANCE])
def test_the_fast_answer_matches_the_declared_serializer_with_the_fields(feed, role):
    from rest_framework import serializers
    from rest_framework.test import APIRequestFactory

    from apps.transactions.api.serializers import TransactionSerializer, transaction_as_json

    feed.post(reverse("api:transaction-list"), ROW, format="json")
    txn = Transaction.objects.select_related("account", "alert").get()
    request = APIRequestFactory().get("/")
    if role:
        request.user = make_user(role, email="reader@bank.test")
    serializer = TransactionSerializer(txn, context={"request": request})
    declared = serializers.ModelSerializer.to_representation(serializer, txn)
    assert transaction_as_json(txn, request) == declared == serializer.data
    assert declared["counterparty_account"] == ("GB29NWBK60161331926819" if role else "••••6819")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"channel": "bitcoin"}, "channel", "not a valid choice"),
        ({"country": "XX"}, "country", "not an ISO 3166-1 alpha-2 country code"),
        ({"counterparty_country": "USA"}, "counterparty_country", "not an ISO 3166-1 alpha-2 country code"),
        ({"direction": "sideways"}, "direction", "not a valid choice"),
        ({"kind": "deposit", "direction": "out"}, "direction", "a deposit is always in"),
        ({"counterparty": "x" * 201}, "counterparty", "no more than 200"),
        ({"counterparty_account": "1" * 65}, "counterparty_account", "no more than 64"),
    ],
)
def test_the_api_refuses_a_bad_value_naming_its_field_and_stores_nothing(feed, change, field, message):
    response = feed.post(reverse("api:transaction-list"), {**ROW, **change}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field] and message in errors[field][0]
    assert not Transaction.objects.exists()


def test_a_batch_stores_the_fields_of_each_row_or_refuses_the_bad_row_by_index(feed):
    rows = [ROW, {**ROW, "external_id": "W-2", "channel": "cash", "kind": "deposit", "direction": "",
                  "country": "IN", "counterparty_country": ""}]  # fmt: skip
    bad = feed.post(reverse("api:transaction-batch"), {"transactions": [rows[0], {**rows[1], "country": "ZZ"}]},
                    format="json")  # fmt: skip
    assert bad.status_code == 400
    assert list(bad.json()["errors"]["transactions"]) == ["1"]
    assert "country" in bad.json()["errors"]["transactions"]["1"]
    assert not Transaction.objects.exists()
    ok = feed.post(reverse("api:transaction-batch"), {"transactions": rows}, format="json")
    assert ok.status_code == 201
    stored = {t.external_id: (t.channel, t.direction, t.country, t.counterparty_country)
              for t in Transaction.objects.all()}  # fmt: skip
    assert stored == {"W-1": ("wire", "out", "US", "GB"), "W-2": ("cash", "in", "IN", "")}


def test_the_service_checks_the_fields_itself(db):
    data = {"amount": "5.00", "occurred_at": datetime(2026, 3, 4, 12, tzinfo=UTC)}
    with pytest.raises(ValidationError) as refused:
        services.transaction_ingest(actor=None, data={**data, "country": "Atlantis"})
    assert "country" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.transaction_ingest(actor=None, data={**data, "kind": "withdrawal", "direction": "in"})
    assert "always out" in refused.value.message_dict["direction"][0]
    assert not Transaction.objects.exists()


# ---------------------------------------------------------------------------------------- CSV files
def test_a_mapped_file_stores_the_columns_and_reports_the_bad_rows_without_storing_them(db):
    text = HEADER + (
        "F1,85.20,2026-03-04 13:00:00,transfer,WIRE,out,Acme Ltd,DE89370400440532013000,de,GB\n"
        "F2,40.00,2026-03-04 14:00:00,deposit,cash,,,,,us\n"
        "F3,12000.00,2026-03-04 23:30:00,payment,card,,Gift shop,,CN,CN\n"
        "B1,10.00,2026-03-04 15:00:00,payment,crypto,,,,,US\n"
        "B2,10.00,2026-03-04 15:00:00,payment,card,,,,,XX\n"
        "B3,10.00,2026-03-04 15:00:00,payment,card,,,,Germany,US\n"
        "B4,10.00,2026-03-04 15:00:00,deposit,cash,out,,,,US\n"
    )
    record = _ingest(text, fmt="mapping", mapping=MAPPING)
    assert (record.status, record.rows_stored, record.rows_rejected) == ("done", 3, 4)
    stored = {t.external_id: t for t in Transaction.objects.all()}
    assert set(stored) == {"F1", "F2", "F3"}
    f1 = stored["F1"]
    assert (f1.channel, f1.direction, f1.counterparty, f1.counterparty_country, f1.country) == (
        "wire", "out", "Acme Ltd", "DE", "GB")  # fmt: skip
    assert f1.counterparty_account == "DE89370400440532013000"
    assert "3000" not in _stored_account_column(f1)  # encrypted by the bulk insert too
    assert (stored["F2"].channel, stored["F2"].direction, stored["F2"].country) == ("cash", "in", "US")
    assert stored["F2"].counterparty_account is None
    f3 = stored["F3"]  # stored with its alert (the path that saves model instances)
    assert f3.decision != "approve" and (f3.channel, f3.counterparty, f3.country) == ("card", "Gift shop", "CN")
    report = {(line, column): message for line, column, message, _raw in _report(record)}
    assert "not a channel" in report[("5", "Via")]
    assert "not an ISO 3166-1 alpha-2 country code" in report[("6", "Where")]
    assert "not an ISO 3166-1 alpha-2 country code" in report[("7", "PartyCountry")]
    assert "a deposit is always in" in report[("8", "Dir")]


def test_old_files_and_mappings_without_the_columns_import_as_before(db):
    record = _ingest(GOLDEN)
    assert (record.status, record.rows_stored, record.rows_rejected) == ("done", 3, 0)
    decisions = dict(Transaction.objects.values_list("external_id", "decision"))
    assert decisions == {"TX1": "approve", "TX2": "block", "TX3": "review"}
    rows = Transaction.objects.values_list("channel", "direction", "counterparty", "country", "counterparty_account")
    assert set(rows) == {("", "out", "", "", None)}  # an expense is paid out; nothing else is known
    card = ("transaction_id,timestamp,customer_id,terminal_id,amount\n"
            "K1,2026-03-04 10:00:00,C1,T1,57.16\n")  # fmt: skip
    _ingest(card, fmt="card")
    assert Transaction.objects.get(external_id="K1").channel == "card"  # the card format is card payments
    plain = _ingest("Ref,Amt,When\nP1,19.99,2026-03-04 10:00\n", fmt="mapping",
                    mapping={"external_id": "Ref", "amount": "Amt", "occurred_at": "When"})  # fmt: skip
    assert plain.rows_stored == 1
    assert Transaction.objects.filter(external_id="P1", channel="", direction="out").exists()


def test_a_mapping_naming_an_unknown_field_is_refused_at_upload(db):
    with pytest.raises(ValueError, match="Unknown field"):
        layout_for("mapping", {"amount": "a", "occurred_at": "b", "channels": "c"})


VALUES = {
    "channel": ["", "cash", "CARD", " wire ", "bitcoin", "Transfer"],
    "direction": ["", "in", "OUT", "up"],
    "kind": ["", "deposit", "withdrawal", "transfer", "payment", "bogus"],
    "counterparty_country": ["", "gb", "US", "XX", "Germany"],
    "country": ["", "in", "ZZ", "FR"],
    "counterparty": ["", "Acme", "x" * 201],
    "counterparty_account": ["", "DE89370400440532013000", "1" * 65],
}


@pytest.mark.parametrize("seed", range(3))
def test_the_column_at_a_time_path_gives_what_one_row_gives(db, seed):
    rng = random.Random(seed)
    columns = {f: f"col_{f}" for f in VALUES}
    layout = Layout("mapping", {"amount": "amt", "occurred_at": "at", **columns}, "payment", "test")
    header = ["amt", "at", *columns.values()]
    rows = [["10.00", "2026-03-04 10:00:00", *(rng.choice(VALUES[f]) for f in VALUES)] for _ in range(300)]
    with timezone.override("UTC"):
        got, lines, rejected = parse_rows(layout, header, 2, rows)
        want = [(line, parse_row(layout, dict(zip(header, row, strict=True)))) for line, row in enumerate(rows, 2)]
    assert [(line, errors) for line, _raw, errors in rejected] == [(line, e) for line, (d, e) in want if e]
    good = [d for _line, (d, e) in want if not e]
    assert lines == [line for line, (d, e) in want if not e] and len(good) > 5
    for k, data in enumerate(good):
        for name in aml.FIELDS:
            assert got[name][k] == data.get(name, ""), (name, lines[k])


# ---------------------------------------------------------------------------------------- ledger
def test_the_ledger_records_cash_for_counter_movements_and_the_other_side_of_a_transfer(checking, savings, supervisor):
    deposit = services.ledger_deposit(actor=supervisor, account=checking, amount="500")
    withdrawal = services.ledger_withdraw(actor=supervisor, account=checking, amount="50")
    cheque = services.ledger_deposit(actor=supervisor, account=checking, amount="20", channel="cheque")
    transfer = services.ledger_transfer(actor=supervisor, source=checking, destination=savings, amount="10")
    assert [(t.channel, t.direction) for t in (deposit, withdrawal, cheque, transfer)] == [
        ("cash", "in"), ("cash", "out"), ("cheque", "in"), ("transfer", "out")]  # fmt: skip
    transfer.refresh_from_db()
    assert (transfer.counterparty, transfer.counterparty_account, transfer.counterparty_country) == (
        "Grace Hopper", "000987654321", "US")  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        services.ledger_deposit(actor=supervisor, account=checking, amount="5", channel="barter")
    assert "barter" in refused.value.message_dict["channel"][0]


def test_the_ledger_form_posts_cash_by_default_and_the_channel_chosen(client, checking, savings, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("transactions:ledger")).content.decode()
    assert 'name="channel"' in page
    form = {"operation": "deposit", "account": checking.pk, "amount": "100.00", "reference": "", "description": "",
            "channel": "", "destination": ""}  # fmt: skip
    assert client.post(reverse("transactions:ledger"), form).status_code == 302
    assert client.post(reverse("transactions:ledger"), {**form, "channel": "cheque"}).status_code == 302
    assert client.post(reverse("transactions:ledger"), {**form, "operation": "transfer", "destination": savings.pk,
                                                        "amount": "5.00"}).status_code == 302  # fmt: skip
    assert list(Transaction.objects.order_by("id").values_list("channel", flat=True)) == ["cash", "cheque", "transfer"]
    bad = client.post(reverse("transactions:ledger"), {**form, "channel": "barter"})
    assert bad.status_code == 400 and "barter is not one of the available choices" in bad.content.decode()


def test_the_ledger_api_takes_a_channel_and_refuses_a_bad_one(feed):
    feed.post(reverse("api:customer-list"), {"external_id": "C-9", "full_name": "Ada"}, format="json")
    acc = feed.post(reverse("api:account-list"), {"customer": "C-9", "number": "123456789012"}, format="json").json()
    url = reverse("api:account-deposit", args=[acc["id"]])
    assert feed.post(url, {"amount": "100.00"}, format="json").json()["channel"] == "cash"
    assert feed.post(url, {"amount": "10.00", "channel": "wire"}, format="json").json()["channel"] == "wire"
    bad = feed.post(url, {"amount": "10.00", "channel": "barter"}, format="json")
    assert bad.status_code == 400 and "channel" in bad.json()["errors"]


# ---------------------------------------------------------------------------------------- simulator
def test_simulated_payments_are_by_card_in_their_terminals_country():
    rows = list(simulate(customers=200, terminals=400, days=10, start=date(2026, 1, 1), seed=5, country="GB",
                         abroad=0.2))  # fmt: skip
    assert {r.channel for r in rows} == {"card"}
    countries = {r.country for r in rows}
    assert "GB" in countries and len(countries) > 5 and countries <= aml.countries()
    by_terminal: dict[str, set[str]] = {}
    for r in rows:
        by_terminal.setdefault(r.terminal_id, set()).add(r.country)
    assert all(len(c) == 1 for c in by_terminal.values())  # a terminal stays where it is
    again = list(simulate(customers=200, terminals=400, days=10, start=date(2026, 1, 1), seed=5))
    payments = [(r.transaction_id, r.amount, r.is_fraud) for r in rows]
    assert [(r.transaction_id, r.amount, r.is_fraud) for r in again] == payments  # the countries move no payment
    with pytest.raises(ValueError, match="ISO 3166-1"):
        list(simulate(customers=1, terminals=1, days=1, start=date(2026, 1, 1), country="XX"))


def test_the_simulator_stores_the_channel_and_country(db):
    rows = simulate(customers=20, terminals=30, days=3, start=date(2026, 2, 1), seed=1, abroad=0.5)
    total, _frauds, _alerts = services.simulated_store(rows=rows, label_delay=timedelta(days=7))
    stored = Transaction.objects.filter(source="simulator")
    assert stored.count() == total
    assert set(stored.values_list("channel", "direction").distinct()) == {("card", "out")}
    assert stored.exclude(country="").count() == total and stored.exclude(country="US").exists()


# ---------------------------------------------------------------------------------------- reading them
def test_the_list_filters_by_channel_and_country_in_the_portal_and_the_api(client, feed, supervisor):
    for n, (channel, country) in enumerate([("wire", "GB"), ("cash", "US"), ("wire", "US")]):
        feed.post(reverse("api:transaction-list"), {**ROW, "external_id": f"L{n}", "channel": channel,
                                                     "country": country}, format="json")  # fmt: skip
    listed = feed.get(reverse("api:transaction-list"), {"channel": "wire", "country": "us"}).json()["results"]
    assert [r["external_id"] for r in listed] == ["L2"]
    assert feed.get(reverse("api:transaction-list"), {"channel": "barter"}).status_code == 400
    client.force_login(supervisor)
    html = client.get(reverse("transactions:list"), {"channel": "cash"}).content.decode()
    assert "L1" in html and "L0" not in html and "L2" not in html
    export = client.get(reverse("transactions:list"), {"country": "GB", "export": "csv"})
    text = b"".join(export.streaming_content).decode() if export.streaming else export.content.decode()
    lines = text.splitlines()
    assert lines[0].split(",")[-9:-4] == ["channel", "direction", "counterparty", "counterparty_country", "country"]
    assert len(lines) == 2 and "L0" in lines[1] and "wire,out,Acme Trading Ltd,GB,GB" in lines[1]


def test_the_detail_page_shows_the_fields_with_the_account_masked(client, feed, analyst):
    feed.post(reverse("api:transaction-list"), ROW, format="json")
    txn = Transaction.objects.get()
    client.force_login(analyst)
    html = client.get(reverse("transactions:detail", args=[txn.pk])).content.decode()
    assert "Wire" in html and "Out (debit)" in html and "Acme Trading Ltd" in html and "(GB)" in html
    assert "••••6819" in html and "GB29NWBK60161331926819" not in html
    compliance = make_user(Role.COMPLIANCE, email="aml@bank.test")
    client.force_login(compliance)
    assert "GB29NWBK60161331926819" in client.get(reverse("transactions:detail", args=[txn.pk])).content.decode()


def test_a_rule_on_the_counterpartys_country_scores_api_and_file_transactions(db, analyst, supervisor, feed):
    draft = fraud_services.rule_draft_create(
        actor=analyst, code="high-risk-counterparty", name="High-risk counterparty", explanation="Pays KP",
        condition={"all": [{"field": "counterparty_country", "op": "in", "value": ["KP"]},
                           {"field": "channel", "op": "eq", "value": "wire"}]}, weight=95,
    )  # fmt: skip
    fraud_services.rule_submit(actor=analyst, rule=draft)
    fraud_services.rule_approve(actor=supervisor, rule=draft)
    hit = feed.post(reverse("api:transaction-list"), {**ROW, "counterparty_country": "KP"}, format="json").json()
    miss = feed.post(reverse("api:transaction-list"), {**ROW, "external_id": "W-2"}, format="json").json()
    assert "high-risk-counterparty" in [r.get("rule") for r in hit["reasons"]] and hit["decision"] == "block"
    assert "high-risk-counterparty" not in [r.get("rule") for r in miss["reasons"]]
    text = HEADER + "F9,85.20,2026-03-04 13:00:00,transfer,wire,out,Acme,,KP,GB\n"
    _ingest(text, fmt="mapping", mapping=MAPPING)
    assert Transaction.objects.get(external_id="F9").decision == "block"


# ---------------------------------------------------------------------------------------- stored rows
def test_the_data_migration_derives_only_what_the_source_tells(db, checking, supervisor):
    services.ledger_deposit(actor=supervisor, account=checking, amount="100")
    record = _ingest("transaction_id,timestamp,customer_id,terminal_id,amount\nK1,2026-03-04 10:00:00,C1,T1,5\n",
                     fmt="card")  # fmt: skip
    services.transaction_ingest(actor=None, data={"external_id": "A1", "amount": "5.00", "kind": "payment",
                                                  "occurred_at": datetime(2026, 3, 4, 12, tzinfo=UTC)})  # fmt: skip
    Transaction.objects.update(channel="", direction="")  # as the rows stood before the fields existed
    migration = importlib.import_module("apps.transactions.migrations.0009_transaction_aml")
    migration.derive(django_apps, None)
    got = {t.source: (t.channel, t.direction) for t in Transaction.objects.all()}
    assert got == {"ledger": ("cash", "in"), "file": ("card", "out"), "api": ("", "out")}
    assert TransactionFile.objects.get(pk=record.pk).format == "card"
