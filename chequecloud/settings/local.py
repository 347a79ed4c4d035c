"""The embedded default (`make run`): SQLite, local files, a filesystem Celery broker, mail to files."""

from .base import *  # noqa: F403
from .base import BLIND_INDEX_KEY, FIELD_ENCRYPTION_KEYS, MODEL_SIGNING_KEY
from .env import env, local_fernet_key, local_secret

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default=None) or local_secret("django_secret_key")
FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or [local_fernet_key("field_encryption_key")]
BLIND_INDEX_KEY = BLIND_INDEX_KEY or local_secret("blind_index_key")
MODEL_SIGNING_KEY = MODEL_SIGNING_KEY or local_secret("model_signing_key")
