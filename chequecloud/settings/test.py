"""Settings for the pytest suite. DATABASE_URL / CELERY_BROKER_URL still switch the backends."""

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK
from .env import env

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production-0123456789abcdef"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; Argon2 is tested on its own
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if env("TEST_MAIL_DIR", default=""):  # a worker process started by a test writes its mail where the test reads it
    EMAIL_BACKEND, EMAIL_FILE_PATH = "django.core.mail.backends.filebased.EmailBackend", env("TEST_MAIL_DIR")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://tests")}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "1000/min", "user": "100000/min"},
}
ALLOWED_HOSTS = ["*"]
FIELD_ENCRYPTION_KEYS = ["dGVzdC1vbmx5LWZpZWxkLWtleS0zMmJ5dGVzLWxvbmc="]  # test-only
BLIND_INDEX_KEY = "test-only-blind-index-key"
MODEL_SIGNING_KEY = "test-only-model-signing-key"
STATIC_ROOT = None  # tests serve static files from the finders (frontend/node_modules, static/)
WHITENOISE_AUTOREFRESH = True
RISK_CACHE_SECONDS = 0  # tests change rules and models directly and expect them at once
