"""Sign-in limits hold across processes and hosts (they count in the shared cache), count against the
client's address as the trusted proxies report it, and every refused attempt and wrong authenticator
code is in the audit trail."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse

from apps.accounts.adapters import AccountAdapter
from apps.accounts.choices import Role
from apps.core.models import AuditEvent
from tests.factories import PASSWORD, make_user

_WORKER = """
import json, sys
import django
django.setup()
from django.core.management import call_command
from django.test import Client
if sys.argv[1] == "setup":
    call_command("migrate", verbosity=0)
    from apps.accounts.models import User
    User.objects.create_user(email="ann@bank.test", password="the-right-password-2026")
    print(json.dumps({}))
else:
    client, refused = Client(), 0
    for _ in range(int(sys.argv[1])):
        page = client.post("/accounts/login/", {"login": "ann@bank.test", "password": "wrong-password"})
        refused += "Too many failed login attempts" in page.content.decode()
    from apps.core.models import AuditEvent
    print(json.dumps({"refused": refused, "blocked": AuditEvent.objects.filter(action="auth.login_blocked").count()}))
"""


def _worker(tmp_path, arg: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_ALLOW_ASYNC", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="chequecloud.settings.test",
        CHEQUECLOUD_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CACHE_URL=f"filecache://{tmp_path / 'cache'}",  # shared by the two processes, as Redis is by hosts
    )
    run = subprocess.run([sys.executable, "-c", _WORKER, arg], cwd=settings.BASE_DIR, env=env, capture_output=True,
                         text=True, timeout=180)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_two_web_processes_together_allow_only_the_account_s_five_failures(tmp_path):
    _worker(tmp_path, "setup")
    first = _worker(tmp_path, "3")  # one gunicorn worker
    second = _worker(tmp_path, "3")  # another, sharing only the cache and the database
    assert first["refused"] == 0
    assert second["refused"] == 1  # the sixth failure of the account is refused, whichever process sees it
    assert second["blocked"] == 1  # and audited


def test_the_limits_count_the_client_behind_a_trusted_proxy_not_the_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    adapter, factory = AccountAdapter(), RequestFactory()
    via_proxy = factory.post("/accounts/login/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert adapter.get_client_ip(via_proxy) == "203.0.113.5"
    other = factory.post("/accounts/login/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="203.0.113.6, 10.9.9.9")
    assert adapter.get_client_ip(other) == "203.0.113.6"
    spoofing = factory.post("/accounts/login/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert adapter.get_client_ip(spoofing) == "198.51.100.1"


def test_a_wrong_authenticator_code_is_audited(client, team):
    user = make_user(Role.SUPERVISOR, teams=[team], email="sam@bank.test")
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    page = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert page.status_code == 200
    failed = AuditEvent.objects.get(action="auth.mfa_failed")
    assert failed.actor == user and failed.after["authenticator"] == "totp"
