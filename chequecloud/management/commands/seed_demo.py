"""Demo data for the embedded default: teams and one user per role (passwords in README.md)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.accounts import services
from apps.accounts.choices import Role
from apps.accounts.models import Team, User

DEMO_PASSWORD = "demo-pass-2026!"  # noqa: S105 - documented demo credential, refused in production
DEMO_USERS = [
    ("analyst@demo.bank", "Ada Analyst", [Role.ANALYST], ["Cheque fraud", "Card fraud"]),
    ("supervisor@demo.bank", "Sam Supervisor", [Role.SUPERVISOR], ["Cheque fraud", "Card fraud"]),
    ("compliance@demo.bank", "Cora Compliance", [Role.COMPLIANCE], []),
    ("officer@demo.bank", "Omar Officer", [Role.COMPLIANCE], []),  # the second pair of eyes: approves, verifies
    ("auditor@demo.bank", "Aldo Auditor", [Role.AUDITOR], []),
    ("manager@demo.bank", "Mia Manager", [Role.MANAGER], []),  # the quarterly board report
    ("admin@demo.bank", "Ari Admin", [Role.ADMIN], []),
    ("integration@demo.bank", "Core banking feed", [Role.INTEGRATION], []),
]
DEMO_CUSTOMERS = [
    ("Grace Hopper", "US"),
    ("Ada Lovelace", "GB"),
    ("Alan Turing", "GB"),
    ("Katherine Johnson", "US"),
    ("Émilie du Châtelet", "FR"),
]
DEMO_TEAMS = [
    ("Cheque fraud", "Cheques flagged by the pipeline and keyed fields."),
    ("Card fraud", "Card and payment transactions held for review."),
]


class Command(BaseCommand):
    help = "Create demo teams and one demo user per role. Idempotent; refused under production settings."

    def handle(self, *args, **options):
        if settings.SETTINGS_MODULE.endswith("production"):
            raise CommandError("Demo users are never created under production settings.")
        system = None
        with transaction.atomic():
            teams = {}
            for name, description in DEMO_TEAMS:
                team = Team.objects.filter(name=name).first()
                teams[name] = team or services.team_create(actor=system, name=name, description=description)
            self._routes(teams)
            created = 0
            for email, full_name, roles, team_names in DEMO_USERS:
                if User.objects.filter(email=email).exists():
                    continue
                user = services.user_invite(
                    actor=system,
                    email=email,
                    full_name=full_name,
                    roles=list(roles),
                    teams=[teams[n] for n in team_names],
                    base_url="http://127.0.0.1:8000/",
                )
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                created += 1
        self.stdout.write(f"Demo data ready: {len(DEMO_TEAMS)} teams, {created} new users (password in README.md).")
        self.stdout.write(f"The bank's time zone is {settings.TIME_ZONE} (set BANK_TIME_ZONE, e.g. Asia/Kolkata): "
                          "night and weekend rules judge times in it, and the portal shows times in it unless a "
                          "user picks another under Profile & security.")  # fmt: skip
        self.stdout.write(self._rates())
        self.stdout.write(self._money())
        self.stdout.write(self._bank_directory())
        self.stdout.write(self._cheques())
        self.stdout.write(self._compliance())
        self.stdout.write(self._score())
        self.stdout.write(self._bank_history())  # after the compliance demo, which it would change

    @staticmethod
    def _routes(teams) -> None:
        """Cheque cases to the cheque team, transaction cases to the card team (Administration → Case routing)."""
        from apps.fraud.cases.services import case_route_create
        from apps.fraud.choices import CaseKind
        from apps.fraud.models import CaseRoute

        if not CaseRoute.objects.exists():
            case_route_create(actor=None, team=teams["Cheque fraud"], position=10, kind=CaseKind.CHEQUE)
            case_route_create(actor=None, team=teams["Card fraud"], position=20, kind=CaseKind.TRANSACTION)

    @staticmethod
    def _compliance() -> str:
        """A compliance picture to work: cash deposits just under the report amount (structuring), a day
        of cash over it, the FATF's high-risk list, the scenarios run over the last weeks, and a corrective
        action on the structuring case (once)."""
        from datetime import timedelta
        from decimal import Decimal

        from django.utils import timezone

        from apps.compliance import services as compliance
        from apps.compliance.models import CorrectiveAction, ScenarioHit
        from apps.compliance.selectors import thresholds_current
        from apps.fraud.models import Case
        from apps.transactions import services as txn

        if ScenarioHit.objects.exists():
            return "Compliance demo already loaded (Compliance → Scenarios)."
        limit = thresholds_current()["cash_report_amount"]
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        cash = {"kind": "deposit", "channel": "cash", "currency": limit.currency}
        rows = [("CUST-0003", f"AML-S{i}", share, timedelta(days=6 - 2 * i, hours=3))  # each under the amount
                for i, share in enumerate(("0.92", "0.96", "0.98"))]  # fmt: skip
        rows += [("CUST-0004", f"AML-C{i}", share, timedelta(days=2, hours=5 - 3 * i))  # over it in one day
                 for i, share in enumerate(("0.60", "0.55"))]  # fmt: skip
        with transaction.atomic():
            for customer, ref, share, ago in rows:
                data = {**cash, "customer_ref": customer, "external_id": ref, "occurred_at": now - ago,
                        "amount": (limit.breach * Decimal(share)).quantize(Decimal("0.01"))}  # fmt: skip
                txn.transaction_ingest(actor=None, data=data)
        compliance.jurisdictions_add_fatf(actor=None)
        run = compliance.scenarios_run(start=now - timedelta(days=settings.AML_SWEEP_DAYS), end=timezone.now())
        case = Case.objects.filter(subject="aml:customer:CUST-0003").first()
        officer = User.objects.filter(email="compliance@demo.bank").first()
        if case is not None and officer is not None:  # an action on the structuring case, due in two days
            CorrectiveAction.objects.create(
                title="Explain the cash deposits just under the report amount", case=case, owner=officer,
                created_by=officer, source=CorrectiveAction.Source.CASE, source_ref=case.reference,
                plan="Ask the customer for the source of the cash; file a suspicious activity report if unexplained.",
                due_on=timezone.localdate() + timedelta(days=2),
            )  # fmt: skip
        return (
            f"Compliance: {settings.COMPLIANCE_PROFILE.upper()} thresholds (COMPLIANCE_PROFILE), the FATF's "
            f"high-risk list, {run['raised']} AML pattern(s) raised into compliance cases."
        )

    @staticmethod
    def _score() -> str:
        """A living compliance score (once): KYC records for every customer, screened at onboarding; a
        high-risk customer's review past its day (which breaches its KPI), an action answering that breach,
        and a data-protection action left past its day (its KPI approaching)."""
        from datetime import timedelta

        from django.utils import timezone

        from apps.compliance.choices import Domain, ScreeningResult
        from apps.compliance.kyc.services import customer_risks_assess_all
        from apps.compliance.models import Breach, CorrectiveAction, CustomerRisk, KpiSnapshot
        from apps.compliance.score.kpis import KPIS
        from apps.compliance.score.services import score_refresh

        if KpiSnapshot.objects.exists():
            return "Compliance score already measured (Compliance → Score)."
        customer_risks_assess_all(actor=None)
        today = timezone.localdate()
        records = list(CustomerRisk.objects.order_by("id"))
        CustomerRisk.objects.update(screening=ScreeningResult.CLEAR)  # screened at onboarding
        if records:  # an officer's rating (with the reason an override needs), last reviewed long ago
            CustomerRisk.objects.filter(pk=records[0].pk).update(
                override_rating="high", override_reason="Adverse media at onboarding.", override_at=timezone.now(),
                last_review=today - timedelta(days=11 * 366))  # fmt: skip
        customer_risks_assess_all(actor=None)  # the review days follow from the last reviews and the ratings
        officer = User.objects.filter(email="compliance@demo.bank").first()
        result = score_refresh()
        breach = Breach.objects.filter(status=Breach.Status.OPEN).order_by("opened_at").first()
        if officer is not None:
            if breach is not None:
                CorrectiveAction.objects.create(
                    title="Bring the overdue high-risk KYC reviews up to date", owner=officer, created_by=officer,
                    source=CorrectiveAction.Source.BREACH, source_ref=breach.reference, domain=KPIS[breach.kpi].domain,
                    plan="Review each overdue high-risk customer (documents, source of funds) and record the review.",
                    due_on=today + timedelta(days=5),
                )  # fmt: skip
            CorrectiveAction.objects.create(
                title="Check who holds the full-account-number permission", owner=officer, created_by=officer,
                source=CorrectiveAction.Source.FINDING, source_ref="Internal audit finding",
                domain=Domain.DATA_PROTECTION, due_on=today - timedelta(days=3),
                plan="List who outside compliance can see full account numbers; remove what is not needed.",
            )  # fmt: skip
            result = score_refresh()
        return (f"Compliance score: {result['score']} / 100 from {result['kpis']} KPIs, "
                f"{Breach.objects.filter(status=Breach.Status.OPEN).count()} open breach(es).")  # fmt: skip

    @staticmethod
    def _rates() -> str:
        """The ECB reference rates shipped with the product (apps/core/data), once: rules, the approval
        limit and case routes then compare rupees, euros and dollars in the bank's currency."""
        from pathlib import Path

        from apps.core import services as core
        from apps.core.models import ExchangeRate
        from apps.core.rates import RatesFileError

        if ExchangeRate.objects.filter(base=settings.BANK_CURRENCY).exists():
            return "Exchange rates already loaded (Administration → Exchange rates)."
        data = (Path(core.__file__).parent / "data" / "ecb-eurofxref-excerpt.csv").read_bytes()
        try:
            done = core.exchange_rates_load(actor=None, data=data, source="ECB euro reference rates (excerpt)")
        except RatesFileError as exc:  # a bank currency the ECB does not quote
            return f"No exchange rates loaded ({exc}): enter them under Administration → Exchange rates."
        return (
            f"Exchange rates: the ECB's of {done['first_day']} to {done['last_day']} against "
            f"{settings.BANK_CURRENCY} (BANK_CURRENCY); keep them current under Administration → Exchange rates."
        )

    def _money(self) -> str:
        """Customers with accounts, an expense file and simulated card payments (once)."""
        from datetime import timedelta
        from decimal import Decimal
        from pathlib import Path

        from django.conf import settings
        from django.core.exceptions import ValidationError
        from django.core.files import File
        from django.utils import timezone

        from apps.transactions import files
        from apps.transactions import services as txn
        from apps.transactions.selectors import customer_list
        from apps.transactions.simulator import simulate

        if customer_list().exists():
            return "Demo customers and transactions already loaded."
        for i, (name, country) in enumerate(DEMO_CUSTOMERS, start=1):
            review = timezone.localdate() + timedelta(days=300)
            customer = txn.customer_create(
                actor=None,
                external_id=f"CUST-{i:04d}",
                full_name=name,
                country=country,
                kyc_status="verified",
                kyc_review_date=review,
            )
            account = txn.account_open(actor=None, customer=customer, number=f"4000{i:04d}7{i:03d}1",
                                       overdraft_limit=Decimal("500"))  # fmt: skip
            txn.account_open(actor=None, customer=customer, number=f"5000{i:04d}8{i:03d}2", type="savings")
            txn.ledger_deposit(actor=None, account=account, amount=Decimal(2500 * i), reference=f"OPEN-{i}")
        path = Path(settings.BASE_DIR) / "fixtures" / "demo-expenses.csv"
        with open(path, "rb") as fh:
            upload = File(fh, name=path.name)
            upload.size = path.stat().st_size
            try:
                record = files.transaction_file_create(actor=None, upload=upload, fmt="expense", process_now=True)
                files.transaction_file_process(file_id=record.pk)
            except ValidationError:
                pass  # already uploaded
        rows = simulate(customers=60, terminals=120, days=21, start=timezone.localdate() - timedelta(days=21),
                        seed=42, fraud_rate=0.05)  # fmt: skip
        total, _frauds, _alerts = txn.simulated_store(rows=rows, label_delay=timedelta(days=7))
        return f"Demo money: {len(DEMO_CUSTOMERS)} customers, the expense file, {total:,} simulated card payments."

    @staticmethod
    def _bank_history() -> str:
        """A year of the bank's history for reports (once): customers of four branches, the daily balances of
        their current, savings and term accounts, and loans in every state (`simulate_bank`)."""
        from apps.transactions.history import bank_history_simulate, history_exists

        if history_exists(seed=2026):
            return "Bank history already loaded."
        made = bank_history_simulate(customers=300, days=365, seed=2026)
        return (f"Bank history: {made['customers']} customers, {made['daily_balances']:,} daily balances from "
                f"{made['first_day']} to {made['last_day']}, {sum(made['loans'].values())} loans.")  # fmt: skip

    @staticmethod
    def _bank_directory() -> str:
        """The small real excerpts of the Indian and Canadian bank directories (apps/cheques/data), once:
        the demo cheques' routing numbers are checked against them."""
        from apps.cheques import selectors
        from apps.cheques import services as cheques

        loaded = []
        for country in ("in", "ca"):
            if selectors.bank_directory(country) is None:
                load = cheques.bank_directory_load_shipped(country=country, actor=None)
                loaded.append(f"{load.get_country_display()} {load.rows}")
        if not loaded:
            return "Bank directories already loaded (Administration → Bank directory)."
        return (f"Bank directories (excerpts; load the full lists under Administration → Bank directory): "
                f"{', '.join(loaded)} entries.")  # fmt: skip

    def _cheques(self) -> str:
        """Generated cheques (some deliberately fraudulent), sent to the pipeline (once)."""
        from io import BytesIO

        from django.core.files.uploadedfile import SimpleUploadedFile

        from apps.cheques import generator
        from apps.cheques import services as cheques
        from apps.cheques.models import Cheque

        if Cheque.objects.exists():
            return "Demo cheques already loaded."

        def png(image, name):
            out = BytesIO()
            image.save(out, format="PNG")
            return SimpleUploadedFile(name, out.getvalue(), "image/png")

        made = generator.batch(12, seed=2026, fraud_rate=0.35, clean=True)
        for g in made:
            cheques.cheque_receive(actor=None, front=png(g.front, "front.png"), back=png(g.back, "back.png"),
                                   country=g.truth["country"], reference=g.name)  # fmt: skip
        return f"Demo cheques: {len(made)} generated and sent to the pipeline (the worker reads them)."
