"""The Celery application. Settings come from Django's (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chequecloud.settings.local")

app = Celery("chequecloud")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
