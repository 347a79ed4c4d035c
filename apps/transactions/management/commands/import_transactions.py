"""python manage.py import_transactions FILE [--format NAME | --map field=COLUMN,...] [--label-column COL]"""

import csv
import sys

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from apps.transactions import files
from apps.transactions.formats import parse_mapping


class Command(BaseCommand):
    help = "Import a CSV of transactions: validated, scored and stored in chunks, with a per-row error report."

    def add_arguments(self, parser):
        parser.add_argument("path")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--format", choices=["expense", "card"], help="A built-in layout.")
        group.add_argument(
            "--map", dest="mapping", help="Any other layout: field=COLUMN,... (amount and occurred_at required)."
        )
        parser.add_argument("--label-column", default="", help="Column holding fraud labels (1/0, fraud/legitimate).")
        parser.add_argument("--errors", help="Write the per-row error report (CSV) here.")

    def handle(self, *args, **opts):
        try:
            mapping = parse_mapping(opts["mapping"]) if opts["mapping"] else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        fmt = "mapping" if mapping else (opts["format"] or "expense")
        try:
            with open(opts["path"], "rb") as fh:
                upload = File(fh, name=opts["path"].rsplit("/", 1)[-1])
                upload.size = fh.seek(0, 2)
                fh.seek(0)
                record = files.transaction_file_create(
                    actor=None, upload=upload, fmt=fmt, mapping=mapping, label_column=opts["label_column"],
                    process_now=True,
                )  # fmt: skip
        except FileNotFoundError as exc:
            raise CommandError(f"No such file: {opts['path']}") from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc

        def progress(rec):
            self.stderr.write(f"\r  {rec.rows_done:,}/{rec.rows_total or 0:,} rows  {rec.percent:3d}%", ending="")
            self.stderr.flush()

        record = files.transaction_file_process(file_id=record.pk, progress=progress if sys.stderr.isatty() else None)
        self.stderr.write("")
        if opts["errors"] and record.rows_rejected:
            with open(opts["errors"], "w", newline="") as out:
                csv.writer(out).writerows(files.error_report_rows(record))
        if record.status == "failed":
            raise CommandError(record.failure)
        self.stdout.write(
            f"{record.original_name}: {record.rows_total:,} rows, {record.rows_stored:,} stored, "
            f"{record.rows_rejected:,} rejected, {record.alerts_raised:,} alerts (file #{record.pk})"
        )
