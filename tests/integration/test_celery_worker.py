"""A real worker process, on whatever broker the environment configures (filesystem by default,
Redis when CELERY_BROKER_URL says so), runs a task and returns its result."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from apps.core.tasks import ping
from chequecloud.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


# A queue of the test's own: the worker takes only the test's task, never work another run left on a
# broker it shares.
QUEUE = f"test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def worker():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(DJANGO_SETTINGS_MODULE="chequecloud.settings.test", CELERY_TASK_ALWAYS_EAGER="0")
    name = f"{QUEUE}@%h"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "chequecloud", "worker", "-l", "WARNING", "-Q", QUEUE,
         "--pool", "solo", "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", name],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield proc
    finally:
        celery_app.conf.task_always_eager = eager
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.worker
def test_a_real_worker_runs_a_task_and_returns_its_result(worker, db):
    nonce = uuid.uuid4().hex
    result = ping.apply_async(args=[nonce], queue=QUEUE)
    try:
        value = result.get(timeout=90)
    except Exception:
        worker.terminate()
        output = worker.communicate(timeout=20)[0]
        pytest.fail(f"The worker did not answer. Its output:\n{output}")
    assert value["nonce"] == nonce
    assert value["db_ok"] is True
    assert value["db"] == connection.vendor  # the worker uses the same kind of database as the suite
