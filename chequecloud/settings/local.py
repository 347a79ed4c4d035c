"""The embedded default (`make run`): SQLite, local files, a filesystem Celery broker, mail to files."""

from .base import *  # noqa: F403
from .env import env, local_secret

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default=None) or local_secret("django_secret_key")
