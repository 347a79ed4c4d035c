import csv
import io
import random
import threading
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.accounts.choices import Role
from apps.fraud.models import Alert
from apps.transactions import files
from apps.transactions.models import Transaction, TransactionFile
from tests.factories import make_user

EXPENSE_HEADER = "transaction_id,employee_id,amount,location,description,timestamp\n"
GOLDEN = EXPENSE_HEADER + (
    "TX1,E100,85.20,London,Team lunch,2026-03-04 13:00:00\n"
    "TX2,E100,12000.00,London,Gift card purchase,2026-03-04 23:30:00\n"
    "TX3,E200,10500.00,Paris,Conference,2026-03-04 10:00:00\n"
)


def _upload(text, name="expenses.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding) if isinstance(text, str) else text, "text/csv")


def _ingest(text, fmt="expense", **kw):
    """Upload and process synchronously (as the worker would)."""
    record = files.transaction_file_create(actor=None, upload=_upload(text), fmt=fmt, process_now=True, **kw)
    return files.transaction_file_process(file_id=record.pk)


def _report(record):
    return list(files.error_report_rows(record))[1:]


def test_golden_expense_file_is_stored_scored_and_alerted(db):
    record = _ingest(GOLDEN)
    assert (record.status, record.rows_total, record.rows_stored, record.rows_rejected) == ("done", 3, 3, 0)
    decisions = dict(Transaction.objects.values_list("external_id", "decision"))
    assert decisions == {"TX1": "approve", "TX2": "block", "TX3": "review"}
    assert record.alerts_raised == 2 == Alert.objects.count()
    assert Alert.objects.get(transaction__external_id="TX2").severity == "high"


def test_bad_rows_are_reported_and_never_stop_the_good_ones(db):
    text = EXPENSE_HEADER + (
        "OK1,E1,10.00,Oslo,Taxi,2026-03-04 09:00:00\n"
        "BAD1,E1,ten,Oslo,Taxi,2026-03-04 09:00:00\n"
        "BAD2,E1,-5,Oslo,Refund,2026-03-04 09:00:00\n"
        "BAD3,E1,10.00,Oslo,Taxi,next tuesday\n"
        "BAD4,E1,10.00,Oslo\n"
        "OK2,E2,20.00,Oslo,Hotel,2026-03-04T10:00:00+01:00\n"
    )
    record = _ingest(text)
    assert (record.rows_stored, record.rows_rejected) == (2, 4)
    assert set(Transaction.objects.values_list("external_id", flat=True)) == {"OK1", "OK2"}
    report = _report(record)
    assert [(r[0], r[1]) for r in report] == [("3", "amount"), ("4", "amount"), ("5", "timestamp"), ("6", "row")]
    assert "not an amount" in report[0][2] and "greater than zero" in report[1][2]


def test_a_duplicate_transaction_id_is_rejected_not_stored_twice(db):
    _ingest(GOLDEN)
    again = _ingest(GOLDEN.replace("2026-03-04", "2026-03-05") + "TX9,E1,5.00,Rome,Coffee,2026-03-05 08:00:00\n")
    assert (again.rows_stored, again.rows_rejected) == (1, 3)
    assert Transaction.objects.count() == 4


def test_formula_text_is_stored_as_sent_and_neutralised_in_the_error_report(db):
    text = EXPENSE_HEADER + (
        'F1,E1,10.00,Oslo,"=HYPERLINK(""http://evil"",""x"")",2026-03-04 09:00:00\n'
        "F2,E1,oops,@SUM(A1),+cmd,2026-03-04 09:00:00\n"
    )
    record = _ingest(text)
    assert Transaction.objects.get(external_id="F1").description.startswith("=HYPERLINK")
    client = APIClient()
    client.force_login(make_user(Role.ANALYST))
    body = b"".join(client.get(reverse("transactions:file_errors", args=[record.pk])).streaming_content).decode()
    cells = [c for row in csv.reader(io.StringIO(body)) for c in row]
    assert not [c for c in cells if c[:1] in "=+-@"], cells


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("\n\n", "empty"),
        ("id,amount\n1,2\n", r"Missing column\(s\) for the expense format: transaction_id, employee_id"),
        (
            "transaction_id,employee_id,amount,location,description,timestamp\n1,E,5,Z\xfcrich,x,2026-01-01\n".encode(
                "latin-1"
            ),
            "not UTF-8",
        ),
    ],
)
def test_files_that_cannot_work_are_refused_at_upload_and_store_nothing(db, content, message):
    with pytest.raises(ValidationError, match=message):
        files.transaction_file_create(actor=None, upload=_upload(content), fmt="expense")
    assert not TransactionFile.objects.exists()


def test_a_file_over_the_size_limit_is_refused(db, settings):
    settings.TRANSACTION_FILE_MAX_MB = 0
    with pytest.raises(ValidationError, match="larger than"):
        files.transaction_file_create(actor=None, upload=_upload(GOLDEN), fmt="expense")


def test_an_encoding_error_deep_in_the_file_fails_it_before_anything_is_written(db):
    body = EXPENSE_HEADER + "A,E,1.00,x,y,2026-03-04 09:00\n" * 5000 + "B,E,1.00,\xff\xfe,y,2026-03-04 09:00\n"
    raw = body.encode("utf-8").replace("\xff\xfe".encode(), b"\xff\xfe")
    record = files.transaction_file_create(actor=None, upload=_upload(raw), fmt="expense", process_now=True)
    record = files.transaction_file_process(file_id=record.pk)
    assert record.status == "failed" and "not UTF-8" in record.failure
    assert not Transaction.objects.exists()


def test_the_same_file_uploaded_again_is_detected(db):
    first = _ingest(GOLDEN)
    with pytest.raises(ValidationError, match=f"already uploaded .* as file #{first.pk}"):
        files.transaction_file_create(actor=None, upload=_upload(GOLDEN, name="copy.csv"), fmt="expense")


def _crash_mid_file_then_resume(monkeypatch):
    monkeypatch.setattr(files, "CHUNK_ROWS", 2)
    rows = "".join(f"R{i},E{i % 3},{10 + i}.00,Oslo,Taxi,2026-03-04 09:{i:02d}:00\n" for i in range(7))
    rows += "R5,E1,99.00,Oslo,Taxi,2026-03-04 10:00:00\n"  # the id of the chunk before: a duplicate
    record = files.transaction_file_create(actor=None, upload=_upload(EXPENSE_HEADER + rows), fmt="expense",
                                           process_now=True)  # fmt: skip
    real = files._write_chunk
    calls = {"n": 0, "threads": set()}

    def crash_on_third(*args, **kwargs):
        calls["n"] += 1
        calls["threads"].add(threading.current_thread().name.split("_")[0])
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    with mock.patch.object(files, "_write_chunk", crash_on_third), pytest.raises(RuntimeError):
        files.transaction_file_process(file_id=record.pk)
    record.refresh_from_db()
    assert (record.status, record.rows_done, Transaction.objects.count()) == ("processing", 4, 4)

    seen = []
    record = files.transaction_file_process(file_id=record.pk, progress=lambda r: seen.append(r.rows_done))  # retry
    assert (record.status, record.rows_done, record.rows_stored, record.rows_rejected) == ("done", 8, 7, 1)
    assert seen == [6, 8]  # each chunk's progress as it was committed
    assert sorted(Transaction.objects.values_list("external_id", flat=True)) == [f"R{i}" for i in range(7)]
    assert [(r[0], r[1]) for r in _report(record)] == [("9", "external_id")]
    return calls["threads"]


def test_a_crash_mid_file_resumes_at_the_last_whole_chunk(db, monkeypatch):
    assert _crash_mid_file_then_resume(monkeypatch) == {"MainThread"}  # inside the test's transaction


@pytest.mark.django_db(transaction=True)
def test_a_crash_mid_file_resumes_when_chunks_are_written_by_their_own_thread(monkeypatch):
    """Outside a test transaction, a server database writes each chunk on a thread of its own while the
    next is scored (CI runs this on MariaDB): the same checkpoints, duplicates and resume."""
    threads = _crash_mid_file_then_resume(monkeypatch)
    assert threads == ({"MainThread"} if connection.vendor == "sqlite" else {"file-writer"})


def test_card_format_with_labels_and_a_custom_mapping(db):
    card = (
        "transaction_id,timestamp,customer_id,terminal_id,amount,tx_fraud\n"
        "1,2026-03-04 10:00:00,C1,T1,57.16,0\n"
        "2,2026-03-04 11:00:00,C2,T1,81.51,1\n"
        "3,2026-03-04 12:00:00,C2,T1,9.99,maybe\n"
    )
    record = _ingest(card, fmt="card", label_column="tx_fraud")
    assert (record.rows_stored, record.rows_rejected) == (2, 1)
    assert dict(Transaction.objects.values_list("external_id", "label")) == {"1": "legitimate", "2": "fraud"}
    other = "Ref;Amt;When\n".replace(";", ",") + "X1,19.99,2026-03-04 10:00\n"
    record = _ingest(other, fmt="mapping", mapping={"external_id": "Ref", "amount": "Amt", "occurred_at": "When"})
    assert record.rows_stored == 1
    with pytest.raises(ValidationError, match="must name a column for: occurred_at"):
        files.transaction_file_create(actor=None, upload=_upload("a\n1\n"), fmt="mapping", mapping={"amount": "a"})


def test_api_upload_answers_202_then_progress_and_the_error_report(db, django_capture_on_commit_callbacks):
    user = make_user(Role.INTEGRATION)
    _, key = account_services.api_token_create(actor=None, user=user, name="f", scopes=["read", "transactions:write"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    text = GOLDEN + "TX4,E1,abc,Oslo,x,2026-03-04 09:00:00\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("api:transactionfile-list"), {"file": _upload(text), "format": "expense"}, format="multipart"
        )
    assert response.status_code == 202
    detail = client.get(response.json()["url"]).json()
    assert (detail["status"], detail["rows_stored"], detail["rows_rejected"], detail["percent"]) == ("done", 3, 1, 100)
    report = b"".join(client.get(detail["errors_url"]).streaming_content).decode()
    assert "5,amount" in report
    bad = client.post(reverse("api:transactionfile-list"), {"file": _upload("x,y\n1,2\n"), "format": "expense"},
                      format="multipart")  # fmt: skip
    assert bad.status_code == 400 and "Missing column" in bad.json()["errors"]["non_field_errors"][0]


def test_import_transactions_command_prints_a_summary(db, tmp_path, capsys):
    path = tmp_path / "golden.csv"
    path.write_text(GOLDEN + "TX5,E1,zero,x,y,2026-03-04 09:00\n")
    errors = tmp_path / "errors.csv"
    call_command("import_transactions", str(path), "--format", "expense", "--errors", str(errors))
    out = capsys.readouterr().out
    assert "golden.csv: 4 rows, 3 stored, 1 rejected, 2 alerts" in out
    assert "amount" in errors.read_text()
    with pytest.raises(CommandError, match="already uploaded"):
        call_command("import_transactions", str(path), "--format", "expense")
    with pytest.raises(CommandError, match="is not field=COLUMN"):
        call_command("import_transactions", str(path), "--map", "amount")


@pytest.mark.skipif(connection.vendor != "mysql", reason="MySQL/MariaDB column collations")
def test_identifier_columns_compare_as_bytes_on_mysql(db):
    """Migration 0004 (fast index inserts); a later AlterField that forgot it would fail here."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, collation_name FROM information_schema.columns WHERE table_schema = DATABASE() "
            "AND table_name = 'transactions_transaction' AND column_name IN "
            "('external_id', 'customer_ref', 'terminal_id', 'decision')"
        )
        assert {name: collation for name, collation in cursor.fetchall()} == dict.fromkeys(
            ["external_id", "customer_ref", "terminal_id", "decision"], "utf8mb4_bin"
        )
    Transaction.objects.create(
        source="file", kind="payment", customer_ref="c-1", amount=1, occurred_at="2026-03-04T10:00:00Z"
    )
    assert not Transaction.objects.filter(customer_ref="C-1").exists()  # exact ids, as on SQLite


@pytest.mark.parametrize("seed", range(30))
def test_rows_are_counted_as_the_csv_reader_reads_them(seed):
    """The quick count (lines, in blocks) equals the csv reader's count of non-blank rows, whatever
    the line endings, blank lines, last line, block edges; quotes fall back to the reader."""
    rng = random.Random(seed)
    lines = ["id,amount"] + [
        rng.choice(["A1,5", "", " ", "B2,7", 'C3,"x\ny"', "Ø,9"]) for _ in range(rng.randint(0, 60))
    ]
    if seed % 3 == 0:
        lines = [line for line in lines if '"' not in line]
    ending = rng.choice(["\n", "\r\n"])
    data = (ending.join(lines) + rng.choice(["", ending])).encode()
    expected = sum(map(bool, files._text_rows(io.BytesIO(data))))
    assert files._count_rows(io.BytesIO(data), block_size=rng.choice([1, 2, 3, 7, 64, 1 << 20])) == expected


def test_counting_a_file_that_is_not_utf8_names_the_byte(db):
    data = ("id,amount\n" + "A1,5\n" * 50).encode() + b"\xff\xfe,5\n"
    with pytest.raises(UnicodeDecodeError) as caught:
        files._count_rows(io.BytesIO(data), block_size=16)
    assert caught.value.start == data.index(b"\xff")


_FILE_DATABASE_RUN = """
import json, sys, threading
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from apps.transactions import files
from apps.transactions.models import Transaction
call_command("migrate", verbosity=0)
files.CHUNK_ROWS = 7
real, threads = files._write_chunk, set()
def write_chunk(*args):
    threads.add(threading.current_thread().name.split("_")[0])
    return real(*args)
files._write_chunk = write_chunk
text = "transaction_id,employee_id,amount,location,description,timestamp\\n" + "".join(
    f"R{i},E{i % 4},{10 + i}.25,Oslo,Taxi,2026-03-04 09:{i:02d}:00\\n" for i in range(40)
) + "R3,E1,99.00,Oslo,Taxi,2026-03-04 10:00:00\\nR40,E1,twelve,Oslo,Taxi,2026-03-04 10:01:00\\n"
record = files.transaction_file_create(actor=None, upload=SimpleUploadedFile("t.csv", text.encode()),
                                       fmt="expense", process_now=True)
seen = []
record = files.transaction_file_process(file_id=record.pk, progress=lambda r: seen.append(r.rows_done))
rows = list(Transaction.objects.order_by("occurred_at").values_list("external_id", "amount", "customer_ref"))
print(json.dumps({"threads": sorted(threads), "seen": seen, "status": record.status,
                  "stored": record.rows_stored, "rejected": record.rows_rejected,
                  "rows": [[e, str(a), c] for e, a, c in rows]}))
"""


def test_on_the_embedded_database_a_file_is_written_by_its_own_thread(tmp_path):
    """`make run`'s SQLite file (not the test suite's in-memory database): chunks are written by a
    thread of their own while the next is scored, and everything lands in order, once."""
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("DJANGO_ALLOW_ASYNC")}
    env.update(DJANGO_SETTINGS_MODULE="chequecloud.settings.test", CHEQUECLOUD_VAR_DIR=str(tmp_path),
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")  # fmt: skip
    run = subprocess.run([sys.executable, "-c", _FILE_DATABASE_RUN], cwd=files.settings.BASE_DIR, env=env,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["threads"] == ["file-writer"]
    assert result["seen"] == [7, 14, 21, 28, 35, 42]  # each chunk's progress once it was committed
    assert (result["status"], result["stored"], result["rejected"]) == ("done", 40, 2)
    assert result["rows"] == [[f"R{i}", f"{10 + i}.25", f"E{i % 4}"] for i in range(40)]
