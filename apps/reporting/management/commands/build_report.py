"""Make one report into a file: `build_report board-quarterly --period 2026Q3 --format pdf --out q3.pdf`.
The last line says how long it took (the process's start-up not counted)."""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Make a report (PDF, XLSX or CSV) into a file."

    def add_arguments(self, parser):
        from apps.reporting.reports.templates import TEMPLATES

        parser.add_argument("template", choices=list(TEMPLATES))
        parser.add_argument("--period", required=True, help="2026Q3, 2026-07, 2026 or 2026-07-01..2026-08-15")
        parser.add_argument("--format", choices=["pdf", "xlsx", "csv"], default="pdf")
        parser.add_argument("--out", required=True, help="The file to write.")
        parser.add_argument("--branch", default="")
        parser.add_argument("--currency", default="")
        parser.add_argument("--compare", default="both", choices=["both", "previous", "last_year", "none"])

    def handle(self, *args, **options):
        from apps.reporting import services
        from apps.reporting.reports.templates import Params

        started = time.perf_counter()
        try:
            params = Params.parse(period=options["period"], branch=options["branch"], currency=options["currency"],
                                  compare=options["compare"])  # fmt: skip
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if options["format"] == "csv":
            with open(options["out"], "w", encoding="utf-8", newline="") as out:
                for line in services.report_csv(actor=None, slug=options["template"], params=params)():
                    out.write(line)
        else:
            with open(options["out"], "w+b") as out:
                services.report_file(actor=None, slug=options["template"], params=params, kind=options["format"],
                                     handle=out)  # fmt: skip
        self.stdout.write(f"{options['template']} {params.period.name} as {options['format']} written to "
                          f"{options['out']} in {time.perf_counter() - started:.2f} s")  # fmt: skip
