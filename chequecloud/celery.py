"""The Celery application. Settings come from Django's (CELERY_* names)."""

import os

from celery import Celery

# Whatever starts without naming its settings (gunicorn, a worker, beat) runs hardened: the package
# imports this module before wsgi.py or asgi.py can set theirs. `make run` and `make worker` name the
# local settings; manage.py defaults to them for commands typed at a desk.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chequecloud.settings.production")

app = Celery("chequecloud")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
