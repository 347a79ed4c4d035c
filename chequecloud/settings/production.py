"""Production only hardens: no DEBUG, required secrets with no default, HTTPS everywhere."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, STORAGES
from .env import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")  # required: refuses to start without it
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS")  # required: PII is never stored in clear
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY")
MODEL_SIGNING_KEY = env("MODEL_SIGNING_KEY")

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # the load balancer probes over plain HTTP

# Sign-in limits, lockouts and API throttles count in the cache: every web process must share it, or
# each one counts on its own (two workers allow twice the attempts).
if CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache")):
    raise ImproperlyConfigured(
        "CACHE_URL must name a cache every web process shares (rediscache://, pymemcache:// or dbcache://): "
        "sign-in limits and lockouts are counted there."
    )

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
