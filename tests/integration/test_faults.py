"""Nothing lost, nothing done twice, no server error, under the two ordinary faults: the broker down while
requests arrive, and a worker killed with `kill -9` in the middle of the cheque pipeline; and concurrent
batches that make InnoDB choose deadlock victims.

Everything is real: the server database the suite runs on, a private `redis-server` on a port of the
test's own (the shared Redis is never stopped), real worker and relay processes. Runs on the server
database (CI's MariaDB pass): the worker processes must reach the suite's own test database.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts import services as account_services
from apps.accounts.choices import Role
from apps.cheques.models import Cheque
from apps.core.models import IdempotencyKey, OutboxMessage
from apps.fraud.models import Alert, Case
from apps.transactions.models import Transaction, TransactionFile
from tests.cheques.images import cheque_image, upload
from tests.factories import make_user
from tests.transactions.test_files import GOLDEN, _upload

ROOT = Path(__file__).resolve().parents[2]
FINISHED = {"cleared", "keying", "flagged", "rescan", "failed"}

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _server_database_and_redis():
    if connection.vendor != "mysql":
        pytest.skip("Worker processes must share the suite's database: runs on MariaDB (CI's second pass).")
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed.")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(check, *, timeout: float, every: float = 0.2, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


class Stack:
    """A private Redis, and worker and relay processes on it and on the suite's test database."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.redis: subprocess.Popen | None = None
        self.processes: list[subprocess.Popen] = []
        self.mail = tmp_path / "mail"
        self.mail.mkdir()
        db = connection.settings_dict
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DJANGO_SETTINGS_MODULE": "chequecloud.settings.test",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_BROKER_URL": self.url,
            "CELERY_RESULT_BACKEND": self.url,
            "DATABASE_URL": f"mysql://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}"
            f"/{db['NAME']}",
            "CHEQUECLOUD_VAR_DIR": str(tmp_path),  # media under tmp_path/media, as the suite's own
            "TEST_MAIL_DIR": str(self.mail),
        }

    def start_redis(self) -> None:
        self.redis = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.tmp)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

        def answers():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    return s.recv(16).startswith(b"+PONG")
            except OSError:
                return False

        _wait_for(answers, timeout=20, what="the private redis-server answers")

    def start_worker(self) -> subprocess.Popen:
        name = f"fault-{uuid.uuid4().hex[:6]}@%h"
        return self._start(
            [sys.executable, "-m", "celery", "-A", "chequecloud", "worker", "-l", "WARNING", "-Q", "default,ocr,ml,pdf",
             "--concurrency", "2", "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", name]
        )  # fmt: skip

    def start_relay(self) -> subprocess.Popen:
        return self._start([sys.executable, "manage.py", "relay", "--interval", "0.2", "--sweep-every", "2"])

    def _start(self, argv) -> subprocess.Popen:
        log = open(self.tmp / f"{Path(argv[1]).name}-{len(self.processes)}.log", "w")
        proc = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
        self.processes.append(proc)
        return proc

    @staticmethod
    def kill9(proc: subprocess.Popen) -> None:
        """The worker and its pool children, killed with no chance to hand anything back."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.tmp.glob("*.log")))

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if self.redis is not None:
            self.redis.terminate()
            self.redis.wait(timeout=20)


@pytest.fixture
def stack(tmp_path, broker):
    stack = Stack(tmp_path)
    # This process (the portal's side) publishes to the private broker, as the web servers would.
    broker.point(stack.url, settings.REDIS_BROKER_OPTIONS)
    yield stack
    stack.stop()


@pytest.fixture
def branch(db):
    user = make_user(Role.INTEGRATION, email="branch@bank.test")
    admin = make_user(Role.ADMIN, email="issuer@bank.test")
    make_user(Role.SUPERVISOR, email="supervisor@bank.test")  # receives high-severity alert mail
    _, key = account_services.api_token_create(actor=admin, user=user, name="branch",
                                               scopes=["read", "cheques:write", "transactions:write"])  # fmt: skip
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


LOW = {"external_id": "F-LOW", "customer_ref": "C-1", "amount": "42.50", "description": "groceries",
       "occurred_at": "2026-03-04T12:00:00Z", "kind": "expense"}  # fmt: skip
HIGH = {"external_id": "F-HIGH", "customer_ref": "C-2", "amount": "12000.00", "description": "Gift card purchase",
        "occurred_at": "2026-03-04T23:30:00Z", "kind": "expense"}  # fmt: skip


# The high-risk transaction's alert mail, and its critical case's notice.
NOTIFICATIONS = {"apps.fraud.tasks.notify_alerts", "apps.fraud.tasks.notify_case"}


def _timed(send):
    started = time.monotonic()
    response = send()
    return response, time.monotonic() - started


def test_broker_down_every_request_answers_and_everything_runs_once_when_it_is_back(stack, branch):
    # The broker is down (its server not started yet). Requests commit and answer as usual.
    tx = reverse("api:transaction-list")
    low, low_took = _timed(lambda: branch.post(tx, LOW, format="json", HTTP_IDEMPOTENCY_KEY="k-low"))
    high, high_took = _timed(lambda: branch.post(tx, HIGH, format="json", HTTP_IDEMPOTENCY_KEY="k-high"))
    cheque, cheque_took = _timed(lambda: branch.post(reverse("api:cheque-list"), {"front": upload(cheque_image())},
                                                     format="multipart", HTTP_IDEMPOTENCY_KEY="k-cheque"))  # fmt: skip
    files = reverse("api:transactionfile-list")
    csv, csv_took = _timed(lambda: branch.post(files, {"file": _upload(GOLDEN), "format": "expense"},
                                               format="multipart"))  # fmt: skip
    assert [r.status_code for r in (low, high, cheque, csv)] == [201, 201, 201, 202]
    assert max(low_took, high_took, cheque_took, csv_took) < 1.0, (low_took, high_took, cheque_took, csv_took)
    assert high.json()["decision"] == "block"

    # The client retries (it never saw the work run): the stored answers come back, nothing is stored twice.
    again = branch.post(tx, HIGH, format="json", HTTP_IDEMPOTENCY_KEY="k-high")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.json() == high.json()
    assert Transaction.objects.filter(external_id__in=["F-LOW", "F-HIGH"]).count() == 2
    waiting = set(OutboxMessage.objects.filter(sent_at__isnull=True).values_list("task_name", flat=True))
    assert waiting == {*NOTIFICATIONS, "apps.cheques.tasks.process_cheque",
                       "apps.transactions.tasks.process_transaction_file"}  # fmt: skip

    # The broker comes back, with a worker and the relay.
    stack.start_redis()
    stack.start_worker()
    stack.start_relay()
    cheque_id, file_id = cheque.json()["id"], csv.json()["id"]
    try:
        _wait_for(lambda: Cheque.objects.get(pk=cheque_id).status in FINISHED
                  and TransactionFile.objects.get(pk=file_id).status == "done"
                  and not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
                  and not OutboxMessage.objects.filter(task_name__in=NOTIFICATIONS, done_at__isnull=True).exists(),
                  timeout=120, what="everything processed")  # fmt: skip
    except AssertionError:
        pytest.fail(stack.logs())
    time.sleep(2)  # anything sent twice would run now

    processed = Cheque.objects.get(pk=cheque_id)
    assert processed.attempts == 1, (processed.status_reason, stack.logs())  # processed once
    assert TransactionFile.objects.get(pk=file_id).attempts == 1
    assert Transaction.objects.filter(external_id__in=["F-LOW", "F-HIGH"]).count() == 2
    assert IdempotencyKey.objects.count() == 3
    subjects = [line for p in stack.mail.iterdir() for line in p.read_text(errors="replace").splitlines()
                if line.startswith("Subject:")]  # fmt: skip
    # Each notification (the outage's transaction alert, the file's alerts, the critical case) sent once.
    notices = OutboxMessage.objects.filter(task_name__in=NOTIFICATIONS)
    alert_notices = notices.filter(task_name="apps.fraud.tasks.notify_alerts").count()
    assert alert_notices >= 1 and not notices.filter(done_at__isnull=True).exists()
    assert len([s for s in subjects if "high-severity alert" in s]) == alert_notices, subjects
    assert Alert.objects.filter(transaction__external_id="F-HIGH").count() == 1


def test_a_worker_killed_mid_pipeline_loses_nothing_and_duplicates_nothing(stack, branch, tmp_path):
    # The sweep's limits, shortened so the test need not wait the production 90 s; still well above the
    # seconds a step takes on a busy machine.
    stack.env.update(CHEQUE_STALE_SECONDS="30", CHEQUE_WAITING_STALE_SECONDS="45")
    stack.start_redis()
    first = stack.start_worker()
    stack.start_relay()
    fronts = [cheque_image(text=f"PAY TO THE ORDER OF CUSTOMER {n}") for n in range(4)]
    fronts.append(fronts[0])  # presented twice: the pipeline flags it, with an alert and a case
    ids = []
    for n, front in enumerate(fronts):
        response = branch.post(reverse("api:cheque-list"), {"front": upload(front)}, format="multipart",
                               HTTP_IDEMPOTENCY_KEY=f"scan-{n}")  # fmt: skip
        assert response.status_code == 201
        ids.append(response.json()["id"])
    cheques = Cheque.objects.filter(pk__in=ids)
    try:
        _wait_for(lambda: cheques.filter(status="processing").exists(), timeout=60, every=0.02,
                  what="a cheque in the pipeline")  # fmt: skip
    except AssertionError:
        pytest.fail(stack.logs())
    stack.kill9(first)
    in_flight = list(cheques.filter(status="processing").values_list("pk", flat=True))
    assert in_flight

    stack.start_worker()
    restarted = time.monotonic()
    try:
        _wait_for(lambda: not cheques.exclude(status__in=FINISHED).exists(), timeout=120,
                  what="every cheque finished after the new worker started")  # fmt: skip
    except AssertionError:
        pytest.fail(f"{list(cheques.values_list('pk', 'status'))}\n{stack.logs()}")
    assert time.monotonic() - restarted < 120
    time.sleep(2)
    assert not cheques.filter(status="failed").exists()
    for pk in ids:  # no duplicate alert or case
        alerts = Alert.objects.filter(cheque_id=pk)
        assert alerts.count() <= 1, pk
        assert Case.objects.filter(alerts__in=alerts).distinct().count() <= 1, pk
    assert Alert.objects.filter(cheque_id__in=ids).exists()  # the second presentment was flagged


def test_concurrent_batches_never_answer_a_server_error(branch):
    """Batches whose rows raise alerts for the same customers in opposite orders, sent at once: the alerts
    gather into each customer's case under row locks, InnoDB picks deadlock victims, which are retried;
    every batch is stored once and none answers 500."""

    def batch(worker: int, round_: int) -> list[dict]:
        customers = [f"C-{round_}-{n}" for n in range(8)]  # new in each round: inserted by several at once
        order = customers if worker % 2 else list(reversed(customers))
        return [
            {"external_id": f"B{worker}-{round_}-{i}", "customer_ref": ref, "amount": f"{12000 + i}.00",
             "description": "Gift card purchase", "occurred_at": f"2026-03-04T23:{i:02d}:00Z", "kind": "expense"}
            for i, ref in enumerate(order * 5)
        ]  # fmt: skip

    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def send(worker: int) -> None:
        try:
            for round_ in range(4):
                start.wait(timeout=60)  # each round's batches arrive together
                rows = batch(worker, round_)
                response = branch.post(reverse("api:transaction-batch"), {"transactions": rows}, format="json")
                with lock:
                    statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 500 not in statuses, statuses
    assert set(statuses) <= {201, 503}, statuses
    stored = Transaction.objects.filter(external_id__startswith="B").count()
    assert stored == 40 * statuses.count(201)
