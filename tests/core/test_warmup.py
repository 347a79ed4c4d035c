"""A web worker does its first-request work when it starts: the URLconf and every view imported, the
rules and models loaded, the hot API queries built; its database connections closed again (a server
that forks after loading shares none); what it loaded frozen out of the garbage collector's walks. A
database it cannot reach does not stop it from starting."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

_WARM = """
import json, sys
import django
django.setup()
from django.core.management import call_command
from django.db import connection
if sys.argv[1] == "migrate":
    call_command("migrate", verbosity=0)
before = "apps.transactions.api.views" in sys.modules
from chequecloud.warmup import warm_up
from apps.transactions.services import _CUSTOMER_BY_REF
done = warm_up()
import gc
print(json.dumps({"done": done, "views_before": before, "views_after": "apps.transactions.api.views" in sys.modules,
                  "built": len(_CUSTOMER_BY_REF._compiled), "open": connection.connection is not None,
                  "frozen": gc.get_freeze_count()}))
"""


def _warm(tmp_path, database_url: str, migrate: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_ALLOW_ASYNC")}
    env.update(DJANGO_SETTINGS_MODULE="chequecloud.settings.test", CHEQUECLOUD_VAR_DIR=str(tmp_path),
               DATABASE_URL=database_url)  # fmt: skip
    run = subprocess.run([sys.executable, "-c", _WARM, "migrate" if migrate else "-"], cwd=settings.BASE_DIR,
                         env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_warm_up_does_the_first_request_s_work_and_closes_its_connections(tmp_path):
    result = _warm(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", migrate=True)
    assert result["done"] == ["urls", "accounts", "transactions", "fraud"]
    assert (result["views_before"], result["views_after"]) == (False, True)
    assert result["built"] == 1 and result["open"] is False
    assert result["frozen"] > 50_000  # what was loaded is out of the garbage collector's sight


def test_a_database_it_cannot_reach_does_not_stop_the_application_starting(tmp_path):
    result = _warm(tmp_path, f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}", migrate=False)
    assert result["done"] == ["urls"] and result["views_after"] is True and result["built"] == 0
