"""CSV files of transactions: upload checks, then chunked processing by a worker.

A file is checked when it is uploaded (size, encoding, header, duplicate), so a bad file is refused
at once and stores nothing. Processing reads it in chunks; each chunk's rows, scores, alerts, rejected
rows and the file's checkpoint are written in one database transaction, so a crash or retry resumes at
the last whole chunk: no row is lost or stored twice.
"""

from __future__ import annotations

import codecs
import contextlib
import copy
import csv
import functools
import hashlib
import io
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.dispatch import dispatch_on_commit
from apps.core.services import audit_record

from . import aml
from .choices import Source
from .formats import Layout, layout_for, missing_columns, parse_rows
from .models import Transaction, TransactionFile, TransactionFileError
from .ports import NewRows, ScoredRows, risk_engine

CHUNK_ROWS = 20000
Progress = Callable[[TransactionFile], None]


def _sha256(fileobj) -> str:
    digest = hashlib.sha256()
    fileobj.seek(0)
    for block in iter(lambda: fileobj.read(1 << 20), b""):
        digest.update(block)
    fileobj.seek(0)
    return digest.hexdigest()


def _raw(fileobj):
    """The open file itself, not its wrappers (each wrapper adds a call per read)."""
    raw = fileobj
    while not isinstance(raw, io.IOBase) and hasattr(raw, "file"):
        raw = raw.file
    return raw


def _count_rows(fileobj, block_size: int = 1 << 20) -> int:
    """The file's rows after its header (blank lines skipped), proving on the way that all of it decodes
    as UTF-8 (UnicodeDecodeError otherwise). Lines are counted in 1 MiB blocks; a file where lines and
    rows may differ (a quote: a quoted field can hold a line break; a lone carriage return, a NUL or a
    very long line) is counted by the csv reader instead, which raises csv.Error where it cannot read."""
    raw = _raw(fileobj)
    raw.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    rows, carry, offset = 0, "", 0
    for block in iter(lambda: raw.read(block_size), b""):
        try:
            text = carry + decoder.decode(block)
        except UnicodeDecodeError as exc:
            raise UnicodeDecodeError(
                exc.encoding, exc.object, offset + exc.start, offset + exc.end, exc.reason
            ) from exc
        offset += len(block)
        lines = text.split("\n")
        carry = lines.pop()
        whole = text[: len(text) - len(carry)]  # its "\r\n" pairs are complete
        lone_cr = "\r" in whole.replace("\r\n", "")
        longest = max(len(carry), *map(len, lines)) if lines else len(carry)
        if '"' in text or "\0" in text or lone_cr or longest > 100_000:
            return sum(map(bool, _text_rows(fileobj)))
        rows += len(lines) - lines.count("") - lines.count("\r")
    decoder.decode(b"", final=True)
    rows += bool(carry.strip("\r"))
    return max(rows - 1, 0)  # the header (a file starts with it: an empty first line is refused at upload)


def _text_rows(fileobj) -> Iterator[list[str]]:
    """The file's rows after its header, as lists of fields; blank lines are skipped."""
    fileobj.seek(0)
    text = io.TextIOWrapper(_raw(fileobj), encoding="utf-8-sig", newline="")
    try:
        reader = csv.reader(text)
        next(reader, None)
        yield from filter(None, reader)
    finally:
        with contextlib.suppress(ValueError):  # already closed with its file
            text.detach()


def _header(fileobj) -> list[str]:
    fileobj.seek(0)
    head = fileobj.read(64 * 1024)
    fileobj.seek(0)
    try:
        first = codecs.getincrementaldecoder("utf-8-sig")().decode(head).splitlines()
    except UnicodeDecodeError as exc:
        raise ValidationError(f"The file is not UTF-8 text (byte {exc.start} of the first 64 KiB).") from exc
    if not first or not first[0].strip():
        raise ValidationError("The file is empty: it has no header line.")
    return next(csv.reader([first[0]]))


def transaction_file_create(
    *,
    actor,
    upload,
    fmt: str,
    mapping: dict[str, str] | None = None,
    label_column: str = "",
    process_now: bool = False,
) -> TransactionFile:
    """Check an uploaded CSV and queue it for processing (or leave it for the caller to process now,
    as the command line does). Refuses, storing nothing, when it cannot work."""
    max_bytes = settings.TRANSACTION_FILE_MAX_MB * 1024 * 1024
    if upload.size == 0:
        raise ValidationError("The file is empty.")
    if upload.size > max_bytes:
        raise ValidationError(f"The file is larger than {settings.TRANSACTION_FILE_MAX_MB} MB.")
    try:
        layout = layout_for(fmt, mapping)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    header = _header(upload)
    missing = missing_columns(layout, header, label_column)
    if missing:
        raise ValidationError(
            f"Missing column(s) for the {layout.name} format: {', '.join(missing)}. The file has: {', '.join(header)}."
        )
    digest = _sha256(upload)
    earlier = TransactionFile.objects.filter(sha256=digest).exclude(status=TransactionFile.Status.FAILED).first()
    if earlier is not None:
        raise ValidationError(
            f"This file was already uploaded on {timezone.localtime(earlier.uploaded_at):%Y-%m-%d %H:%M} "
            f"as file #{earlier.pk} ({earlier.original_name})."
        )
    from .tasks import process_transaction_file

    with transaction.atomic():
        record = TransactionFile(
            original_name=upload.name[:255], sha256=digest, size=upload.size, format=layout.name,
            mapping=mapping or {}, label_column=label_column, uploaded_by=actor if getattr(actor, "pk", None) else None,
        )  # fmt: skip
        record.file.save(f"{digest[:16]}.csv", upload, save=False)
        record.save()
        audit_record(
            actor=actor, action="transaction_file.upload", obj=record,
            after={"name": record.original_name, "sha256": digest, "format": layout.name, "size": upload.size},
        )  # fmt: skip
        if not process_now:
            dispatch_on_commit(process_transaction_file, record.pk)
    return record


def transaction_file_retry(*, actor, record: TransactionFile) -> TransactionFile:
    """Send a failed file through processing again: it resumes after its last committed chunk (rows
    already stored are not stored twice). Refused while another upload of the same bytes is live."""
    from .tasks import process_transaction_file

    if not actor.has_perm("transactions.add_transactionfile"):
        raise PermissionDenied("You may not process transaction files.")
    with transaction.atomic():
        record = TransactionFile.objects.select_for_update().get(pk=record.pk)
        if record.status != TransactionFile.Status.FAILED:
            raise ValidationError("Only a failed file is sent through again.", code="invalid_state")
        again = TransactionFile.objects.filter(sha256=record.sha256).exclude(pk=record.pk)
        later = again.exclude(status=TransactionFile.Status.FAILED).first()
        if later is not None:
            raise ValidationError(f"The same file was uploaded again as file #{later.pk}; that upload is the live one.",
                                  code="invalid_state")  # fmt: skip
        before = {"status": record.status, "failure": record.failure}
        record.status, record.failure, record.finished_at = TransactionFile.Status.QUEUED, "", None
        record.save(update_fields=["status", "failure", "finished_at"])
        audit_record(actor=actor, action="transaction_file.retry", obj=record, before=before,
                     after={"resume_after_row": record.rows_done})  # fmt: skip
        dispatch_on_commit(process_transaction_file, record.pk)
    return record


def transaction_file_release(*, file_id: int, error: str) -> None:
    """A run stopped by a passing error hands the file back, so the task's retry resumes it at once."""
    TransactionFile.objects.filter(pk=file_id, status=TransactionFile.Status.PROCESSING).update(
        status=TransactionFile.Status.QUEUED, heartbeat_at=None
    )


def transaction_file_fail(*, file_id: int, error: str) -> None:
    """After its retries, a file that could not be processed is listed as failed; what it stored stays."""
    reason = f"Processing stopped: {error}. Rows read before it are kept; retry resumes after them."
    TransactionFile.objects.filter(pk=file_id, status=TransactionFile.Status.PROCESSING).update(
        status=TransactionFile.Status.FAILED, failure=reason[:2000], finished_at=timezone.now()
    )


def transaction_files_resend_stale(*, now=None) -> dict:
    """The sweeper: files whose processing was lost are sent again (they resume); one that has started
    MAX_RUNS runs without finishing is failed, with the reason, and listed in the failed-task list."""
    from apps.core.dispatch import resend_stale, swept_failed

    from .tasks import process_transaction_file

    now = now or timezone.now()

    def handle(record: TransactionFile) -> str | None:
        if record.status not in (TransactionFile.Status.QUEUED, TransactionFile.Status.PROCESSING):
            return None
        processing = record.status == TransactionFile.Status.PROCESSING
        limit = STALE_PROCESSING if processing else STALE_QUEUED
        if (record.heartbeat_at or record.uploaded_at) >= now - limit:
            return None
        if processing and record.attempts >= MAX_RUNS:
            kept = (f"the {record.rows_done} rows read before are kept, and a retry resumes after them"
                    if record.rows_done else "nothing was stored, and a retry starts it again")  # fmt: skip
            reason = f"Processing stopped {record.attempts} times without finishing (its worker was lost); {kept}."
            record.status, record.failure, record.finished_at = TransactionFile.Status.FAILED, reason, now
            record.save(update_fields=["status", "failure", "finished_at"])
            audit_record(actor=None, action="transaction_file.fail", obj=record, after={"error": reason})
            swept_failed(process_transaction_file, record.pk, record.attempts, reason)
            return "failed"
        # Marked as sent now: the next sweep waits a whole period again.
        record.status, record.heartbeat_at = TransactionFile.Status.QUEUED, now
        record.save(update_fields=["status", "heartbeat_at"])
        audit_record(actor=None, action="transaction_file.resend", obj=record,
                     before={"status": "processing" if processing else "queued"})  # fmt: skip
        dispatch_on_commit(process_transaction_file, record.pk)
        return "resent"

    return resend_stale(TransactionFile.objects.filter(file_stale_q(now)), process_transaction_file, handle)


def file_stale_q(now=None) -> Q:
    """Files waiting or processing without progress for longer than they should."""
    now = now or timezone.now()
    processing = Q(status=TransactionFile.Status.PROCESSING) & (
        Q(heartbeat_at__lt=now - STALE_PROCESSING) | Q(heartbeat_at__isnull=True)
    )
    queued = Q(status=TransactionFile.Status.QUEUED) & (
        Q(heartbeat_at__lt=now - STALE_QUEUED) | Q(heartbeat_at__isnull=True, uploaded_at__lt=now - STALE_QUEUED)
    )
    return processing | queued


def transaction_files_stale_count(*, now=None) -> dict:
    stale = TransactionFile.objects.filter(file_stale_q(now))
    return {
        "processing": stale.filter(status=TransactionFile.Status.PROCESSING).count(),
        "queued": stale.filter(status=TransactionFile.Status.QUEUED).count(),
    }


def _fail(record: TransactionFile, reason: str) -> TransactionFile:
    TransactionFile.objects.filter(pk=record.pk).update(
        status=TransactionFile.Status.FAILED, failure=reason, finished_at=timezone.now()
    )
    record.refresh_from_db()
    return record


# A run records progress at every chunk (seconds apart): a file in processing without progress this long
# has lost its worker, and the sweeper sends it again (it resumes after its last committed chunk).
STALE_PROCESSING = timedelta(seconds=settings.FILE_STALE_SECONDS)
# A queued file is taken within seconds unless the queue is long; after this it is sent again.
STALE_QUEUED = timedelta(seconds=settings.FILE_WAITING_STALE_SECONDS)
# Runs a file may start before it is listed as failed.
MAX_RUNS = 3


def transaction_file_process(*, file_id: int, progress: Progress | None = None) -> TransactionFile | None:
    """Process (or resume) a queued file. Idempotent: a finished file is left as it is, and one another
    run is working on is left to it."""
    with transaction.atomic():
        record = TransactionFile.objects.select_for_update().filter(pk=file_id).first()
        if record is None or record.status in (TransactionFile.Status.DONE, TransactionFile.Status.FAILED):
            return record
        now = timezone.now()
        if (
            record.status == TransactionFile.Status.PROCESSING
            and record.heartbeat_at
            and (record.heartbeat_at > now - STALE_PROCESSING)
        ):
            return record
        record.status = TransactionFile.Status.PROCESSING
        record.started_at = record.started_at or now
        record.attempts += 1
        record.heartbeat_at = now
        record.save(update_fields=["status", "started_at", "attempts", "heartbeat_at"])

    try:
        layout = layout_for(record.format, record.mapping)
        with record.file.open("rb") as fh:
            try:
                total = _count_rows(fh)  # also proves the whole file decodes before any write
            except UnicodeDecodeError as exc:
                return _fail(record, f"The file is not UTF-8 text (byte {exc.start}); nothing was stored.")
            except csv.Error as exc:
                return _fail(record, f"The file is not readable CSV: {exc}; nothing was stored.")
            TransactionFile.objects.filter(pk=record.pk).update(rows_total=total)
            record.rows_total = total

            history = risk_engine.get().history()
            header = _header(fh)
            rows = _text_rows(fh)
            for _ in range(record.rows_done):  # resume after the last committed chunk
                next(rows, None)
            with _Writer() as writer:
                while chunk := list(islice(rows, CHUNK_ROWS)):
                    prepared = _prepare_chunk(record, layout, header, chunk, history, writer.in_flight_ids)
                    writer.write(record, prepared, progress)
    except BaseException:
        # This run is over: the next (the task's retry, the sweeper) takes the file at once.
        TransactionFile.objects.filter(pk=record.pk, status=TransactionFile.Status.PROCESSING).update(heartbeat_at=None)
        raise

    TransactionFile.objects.filter(pk=record.pk).update(status=TransactionFile.Status.DONE, finished_at=timezone.now())
    record.refresh_from_db()
    audit_record(
        actor=None, action="transaction_file.done", obj=record,
        after={"stored": record.rows_stored, "rejected": record.rows_rejected, "alerts": record.alerts_raised},
    )  # fmt: skip
    return record


@dataclass
class _Prepared:
    """A chunk read, checked and scored: everything its one transaction will write."""

    scored: ScoredRows
    external_ids: list[str]
    rejected: list[TransactionFileError]
    rows: int


def _prepare_chunk(record, layout: Layout, header, chunk: list[list[str]], history, in_flight: set[str]) -> _Prepared:
    """Parse, check and score a chunk (reads the database, writes nothing). `in_flight` holds the ids
    of the chunk being written meanwhile, not yet visible in the database."""
    first_line = record.rows_done + 2  # the header is line 1
    columns, lines, bad = parse_rows(layout, header, first_line, chunk, record.label_column)
    rejected = [TransactionFileError(file=record, row_number=line, raw=_clean(raw), errors=errors)
                for line, raw, errors in bad]  # fmt: skip

    seen = _stored_ids([e for e in columns["external_id"] if e]) | in_flight
    keep: list[int] = []
    for i, ext in enumerate(columns["external_id"]):
        if ext and ext in seen:
            duplicate = {"external_id": "already stored (duplicate transaction id)"}
            rejected.append(
                TransactionFileError(file=record, row_number=lines[i], raw={"external_id": ext}, errors=duplicate)
            )
            continue
        if ext:
            seen.add(ext)
        keep.append(i)
    if len(keep) < len(lines):
        columns = {name: [values[i] for i in keep] for name, values in columns.items()}
    now = timezone.now()
    new = NewRows(
        Source.FILE, np.array(columns["t"], dtype=np.int64), np.array(columns["cents"], dtype=np.int64),
        columns["currency"], columns["kind"], columns["description"], columns["location"], columns["payee"],
        columns["terminal_id"], columns["customer_ref"], columns["external_id"], columns["label"],
        [now if label else None for label in columns["label"]], record.pk,
        **{name: columns[name] for name in aml.FIELDS},
    )  # fmt: skip
    scored = risk_engine.get().score_rows(new, history)
    # The checkpoint after this chunk, counted here so that the write needs nothing back.
    record.rows_done += len(chunk)
    record.rows_stored += scored.rows
    record.rows_rejected += len(rejected)
    record.alerts_raised += scored.alerts
    return _Prepared(scored, new.external_id, rejected, len(chunk))


def _write_chunk(record_id: int, prepared: _Prepared, checkpoint: dict[str, int]) -> None:
    """A chunk's rows, alerts, rejected rows and the file's checkpoint, in one database transaction."""
    with transaction.atomic():
        risk_engine.get().store_rows(prepared.scored)
        TransactionFileError.objects.bulk_create(sorted(prepared.rejected, key=lambda e: e.row_number))
        TransactionFile.objects.filter(pk=record_id).update(**checkpoint)


class _Writer:
    """Writes chunks in order. Outside a caller's transaction, a chunk is written by a thread of its
    own (its own connection) while the next one is read and scored: the driver waits for the server,
    or SQLite inserts a whole multi-row statement, without holding the GIL, so the two overlap (a
    SQLite file is in WAL mode: the scoring side's reads go on meanwhile). Inside a transaction (and
    on an in-memory SQLite database, the tests') chunks are written in turn. At most one chunk is in
    flight; a failed write stops the file at the last whole chunk."""

    def __init__(self) -> None:
        from django.db import connection

        self.pool = None
        threaded = connection.vendor != "sqlite" or not connection.is_in_memory_db()
        if threaded and not connection.in_atomic_block:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="file-writer")
        self.pending = None
        self.in_flight_ids: set[str] = set()

    def write(self, record, prepared: _Prepared, progress: Progress | None) -> None:
        checkpoint = {"rows_done": record.rows_done, "rows_stored": record.rows_stored,
                      "rows_rejected": record.rows_rejected, "alerts_raised": record.alerts_raised,
                      "heartbeat_at": timezone.now()}  # fmt: skip
        if self.pool is None:
            _write_chunk(record.pk, prepared, checkpoint)
            if progress:
                progress(record)
            return
        self.wait()
        # Progress is reported when the chunk is committed, as it stood then (copy.copy: the record
        # itself moves on with the next chunk).
        self.pending = (self.pool.submit(_write_chunk, record.pk, prepared, checkpoint), copy.copy(record), progress)
        self.in_flight_ids = {e for e in prepared.external_ids if e}

    def wait(self) -> None:
        if self.pending is not None:
            future, record, progress = self.pending
            self.pending = None
            future.result()
            if progress:
                progress(record)

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace) -> None:
        if self.pool is None:
            return
        try:
            if kind is None:
                self.wait()
        finally:
            from django.db import connections

            self.pool.submit(connections.close_all).result()  # the writer thread's own connection
            self.pool.shutdown()


def _stored_ids(ids: list[str]) -> set[str]:
    """Which of these transaction ids a file already stored: one indexed query per 1,000 ids (plain
    SQL, as preparing thousands of parameters through the ORM costs more than the query).

    MySQL/MariaDB is told to use the id's index: past 200 values (`eq_range_index_dive_limit`) it
    estimates an IN list from index statistics and chose to scan the whole table (0.76 s a query on a
    million rows), and at 200 or fewer its estimates cost ~0.2 ms a value; with the index named, a
    look-up costs ~4 µs an id."""
    from django.db import connection

    found: set[str] = set()
    table = connection.ops.quote_name(Transaction._meta.db_table)
    hint = f"FORCE INDEX ({connection.ops.quote_name(_id_index())})" if connection.vendor == "mysql" else ""
    for start in range(0, len(ids), 1000):
        part = ids[start : start + 1000]
        marks = ", ".join(["%s"] * len(part))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT external_id FROM {table} {hint} WHERE source = %s AND external_id IN ({marks})",  # noqa: S608
                           [Source.FILE, *part])  # fmt: skip
            found.update(row[0] for row in cursor.fetchall())
    return found


@functools.cache
def _id_index() -> str:
    """The name Django gave the index on external_id (MySQL/MariaDB)."""
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Transaction._meta.db_table)
    return next(name for name, c in constraints.items() if c["index"] and c["columns"] == ["external_id"])


def _clean(raw: dict) -> dict:
    return {str(k): v if not isinstance(v, list) else ",".join(v) for k, v in raw.items() if k is not None}


def error_report_rows(record: TransactionFile) -> Iterator[list[str]]:
    """The rejected rows as CSV lines (line, column, message, the row as read)."""
    yield ["line", "column", "error", "row"]
    for err in record.errors.iterator(chunk_size=2000):
        raw = ", ".join(f"{k}={v}" for k, v in err.raw.items())
        for column, message in err.errors.items():
            yield [str(err.row_number), column, message, raw]
