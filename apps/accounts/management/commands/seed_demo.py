"""Demo data for the embedded default: teams and one user per role (passwords in README.md)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.accounts import services
from apps.accounts.choices import Role
from apps.accounts.models import Team, User

DEMO_PASSWORD = "demo-pass-2026!"  # noqa: S105 - documented demo credential, refused in production
DEMO_USERS = [
    ("analyst@demo.bank", "Ada Analyst", [Role.ANALYST], ["Cheque fraud"]),
    ("supervisor@demo.bank", "Sam Supervisor", [Role.SUPERVISOR], ["Cheque fraud", "Card fraud"]),
    ("compliance@demo.bank", "Cora Compliance", [Role.COMPLIANCE], []),
    ("auditor@demo.bank", "Aldo Auditor", [Role.AUDITOR], []),
    ("admin@demo.bank", "Ari Admin", [Role.ADMIN], []),
    ("integration@demo.bank", "Core banking feed", [Role.INTEGRATION], []),
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
