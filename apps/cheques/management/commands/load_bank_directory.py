"""python manage.py load_bank_directory COUNTRY FILE [--source TEXT] [--by EMAIL]: replace a country's bank
directory (in: the RBI's IFSC/MICR branch list; ca: Payments Canada's institution numbers) with a CSV file,
all or nothing, recorded and audited like a load from the portal. FILE `shipped` loads the small real
excerpt shipped with ChequeCloud (apps/cheques/data)."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from apps.cheques import services
from apps.cheques.directory import COUNTRIES


class Command(BaseCommand):
    help = "Load a country's bank directory (in or ca) from a CSV file; a file with a bad line changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("country", choices=sorted(COUNTRIES), help="in (India) or ca (Canada)")
        parser.add_argument("file", help="the CSV file, or `shipped` for the excerpt shipped with ChequeCloud")
        parser.add_argument("--source", default="", help="where the file comes from (default: the file's path)")
        parser.add_argument("--by", default="", help="the email of the person loading it (default: system)")

    def handle(self, *args, **options):
        from django.contrib.auth import get_user_model

        actor = None
        if options["by"]:
            actor = get_user_model().objects.filter(email__iexact=options["by"]).first()
            if actor is None:
                raise CommandError(f"No user has the email {options['by']}.")
        country = options["country"]
        try:
            if options["file"] == "shipped":
                load = services.bank_directory_load_shipped(country=country, actor=actor)
            else:
                path = Path(options["file"])
                if not path.is_file():
                    raise CommandError(f"{path}: no such file.")
                with path.open("rb") as fh:
                    load = services.bank_directory_load(country=country, file=File(fh, name=path.name), actor=actor,
                                                        source=options["source"] or str(path.resolve()))  # fmt: skip
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"{load.get_country_display()} bank directory: {load.rows:,} entries from {load.file_name} "
                          f"({load.added:,} added, {load.changed:,} changed, {load.removed:,} removed).")  # fmt: skip
