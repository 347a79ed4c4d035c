"""Settings shared by every mode. Each integration is switched by one environment variable."""

from __future__ import annotations

from decimal import Decimal

from .env import BASE_DIR, VAR_DIR, env

SECRET_KEY = env("SECRET_KEY", default=None)  # local.py / test.py fill it in; production requires it
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --------------------------------------------------------------------------------------------
# Applications
# --------------------------------------------------------------------------------------------
DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "django_htmx",
    "django_prometheus",
]
LOCAL_APPS = [
    "apps.core",
    "apps.accounts",
    "apps.cheques",
    "apps.transactions",
    "apps.fraud",
    "apps.compliance",
    "apps.reporting",
    "chequecloud",  # the project package: the demo data command (it sits above every app)
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# Portal forms are drawn by crispy-forms with Bootstrap 5's template pack (`apps.core.forms.PortalFormMixin`).
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.core.middleware.RequestContextMiddleware",
    "apps.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "apps.accounts.middleware.EnforceMFAMiddleware",
    "apps.accounts.middleware.UserTimeZoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "chequecloud.urls"
WSGI_APPLICATION = "chequecloud.wsgi.application"
ASGI_APPLICATION = "chequecloud.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chequecloud.navigation.portal",
            ],
        },
    },
]

# --------------------------------------------------------------------------------------------
# Database: SQLite in var/ by default; DATABASE_URL=mysql://user:pass@host:3306/name for MySQL/MariaDB
# --------------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # A 64 MiB page cache (allocated as used) keeps the transaction indexes in memory while a file is
    # ingested (with SQLite's 2 MiB default, inserts slow down as the table grows), and the write-ahead
    # log is copied back every 10,000 pages (~40 MiB) rather than every 1,000, once per chunk or so.
    _db["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; "
            "PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=10000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
elif _db["ENGINE"] == "django.db.backends.mysql":
    _db["OPTIONS"] = {
        "charset": "utf8mb4",
        "collation": env("DATABASE_COLLATION", default="utf8mb4_unicode_ci"),
        "init_command": "SET sql_mode='STRICT_TRANS_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO'",
        "isolation_level": "read committed",
    }
    _db["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": _db["OPTIONS"]["collation"]}
# A server database keeps each worker's connection for a minute (checked before reuse): opening one per
# request costs a TCP handshake, authentication and the session settings above on every request.
_db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if _db["ENGINE"] == "django.db.backends.mysql" else 0)
_db["CONN_HEALTH_CHECKS"] = True
_db["ATOMIC_REQUESTS"] = False  # services own their transactions (STYLE: what to avoid)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://chequecloud")}

# --------------------------------------------------------------------------------------------
# Authentication: email login (allauth), MFA, guardian object permissions, Argon2
# --------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "apps.accounts.backends.PortalAuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "apps.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "apps.accounts.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"  # admins invite users with an address the bank already owns
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[ChequeCloud] "
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Lockout: after LOGIN_FAILURES_PER_ACCOUNT failed logins for one address (or 20 from one IP) in
# LOGIN_LOCKOUT_WINDOW, further attempts are refused until the window passes.
LOGIN_FAILURES_PER_ACCOUNT = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=5)
LOGIN_LOCKOUT_WINDOW = env("LOGIN_LOCKOUT_WINDOW", default="15m")
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"20/{LOGIN_LOCKOUT_WINDOW}/ip,{LOGIN_FAILURES_PER_ACCOUNT}/{LOGIN_LOCKOUT_WINDOW}/key",
    "login": "60/m/ip",
    "reset_password": "5/m/ip,3/h/key",
    "reset_password_from_key": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="ChequeCloud")
# Roles whose members must have MFA before they can use the portal.
MFA_REQUIRED_ROLES = ["Supervisor", "Compliance officer", "Admin"]

# Optional single sign-on with the bank's OpenID Connect provider (Keycloak, Entra ID, ...). It signs in
# staff an admin already invited, matched by email address; it never creates users.
OIDC_SERVER_URL = env("OIDC_SERVER_URL", default="")
# Whether the provider's email addresses are the bank's own (its directory assigns them): then an identity
# whose address matches an invited user signs in as that user even when the provider leaves out the
# `email_verified` claim, as Entra ID does. Off: only addresses the provider marks verified match a user.
OIDC_TRUST_EMAIL = env.bool("OIDC_TRUST_EMAIL", default=True)
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
# The first sign-in matched by email links the identity to the user (audited), so later ones match it.
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True


def oidc_provider_settings(*, server_url: str, client_id: str, secret: str, provider_id: str = "bank-sso",
                           name: str = "Bank single sign-on", trust_email: bool = True) -> dict:  # fmt: skip
    """The bank's provider as allauth's `openid_connect` entry of SOCIALACCOUNT_PROVIDERS."""
    return {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": provider_id,
                "name": name,
                "client_id": client_id,
                "secret": secret,
                "settings": {"server_url": server_url, "verified_email": trust_email},
            }
        ],
    }


SOCIALACCOUNT_PROVIDERS = {}
if OIDC_SERVER_URL:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = oidc_provider_settings(
        server_url=OIDC_SERVER_URL,
        client_id=env("OIDC_CLIENT_ID"),
        secret=env("OIDC_CLIENT_SECRET"),
        provider_id=env("OIDC_PROVIDER_ID", default="bank-sso"),
        name=env("OIDC_PROVIDER_NAME", default="Bank single sign-on"),
        trust_email=OIDC_TRUST_EMAIL,
    )

# Guardian: no anonymous user object; a missing object permission is a 404, not a 403.
ANONYMOUS_USER_NAME = None
GUARDIAN_RENDER_404 = True
GUARDIAN_MONKEY_PATCH_USER = False

# --------------------------------------------------------------------------------------------
# Internationalisation: UTC stored, shown in the bank's zone
# --------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
# Amounts are grouped as in this locale (INR always in lakh and crore); the bank's own currency is the
# default for what is reported without one (API, files, cheques).
MONEY_LOCALE = env("MONEY_LOCALE", default="en_GB")
BANK_CURRENCY = env("BANK_CURRENCY", default="USD").upper()
# Exchange rates (Administration → Exchange rates): how often a process reads them again, and after how
# many days without a newer rate the Exchange rates page and the Operations page call a currency stale.
RATES_REFRESH_SECONDS = env.int("RATES_REFRESH_SECONDS", default=60)
RATES_STALE_DAYS = env.int("RATES_STALE_DAYS", default=7)
# The jurisdiction whose regulatory thresholds the bank starts from: us (BSA), in (PMLA / RBI), eu (AMLD).
# Officers change any value afterwards through versions another officer approves (docs/compliance.md).
COMPLIANCE_PROFILE = env("COMPLIANCE_PROFILE", default="us").lower()
AML_SWEEP_DAYS = env.int("AML_SWEEP_DAYS", default=35)  # how far back the hourly AML sweep reads
ROLLUP_SWEEP_DAYS = env.int("ROLLUP_SWEEP_DAYS", default=7)  # days the nightly rollup sweep recomputes
ACTION_REMIND_DAYS = env.int("ACTION_REMIND_DAYS", default=3)  # a corrective action's owner is reminded this early
KYC_REVIEW_DUE_SOON_DAYS = env.int("KYC_REVIEW_DUE_SOON_DAYS", default=30)  # a KYC review is "due" this close
KYC_DOCUMENT_MAX_MB = env.int("KYC_DOCUMENT_MAX_MB", default=10)  # largest identity document
TIME_ZONE = env("BANK_TIME_ZONE", default="UTC")
# How the bank's staff write a day in the portal's day fields: DMY (day first: India, the UK, Canada) or MDY
# (month first: the US). YYYY-MM-DD is always accepted too (`apps.core.days`).
BANK_DATE_ORDER = env("BANK_DATE_ORDER", default="DMY").upper()
USE_I18N = True
USE_TZ = True

# --------------------------------------------------------------------------------------------
# Static and media files: local var/ by default; USE_S3=1 for S3 with SSE-KMS
# --------------------------------------------------------------------------------------------
STATIC_URL = "static/"
# Collected static files: var/static unless STATIC_ROOT names a directory (relative to the project). The image
# collects them into a directory of its own, outside the data volume, so each release serves its own.
STATIC_ROOT = BASE_DIR / env("STATIC_ROOT", default=str(VAR_DIR / "static"))
FRONTEND_DIR = BASE_DIR / "frontend" / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", FRONTEND_DIR / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", FRONTEND_DIR / "bootstrap-icons" / "font"),
    ("vendor/htmx", FRONTEND_DIR / "htmx.org" / "dist"),
    ("vendor/chart.js", FRONTEND_DIR / "chart.js" / "dist"),
]
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"

USE_S3 = env.bool("USE_S3", default=False)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if USE_S3:
    AWS_KMS_KEY_ID = env("AWS_KMS_KEY_ID")  # required: every object is encrypted with the bank's key
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "default_acl": None,  # private: the bucket policy decides, never public-read
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_S3_URL_EXPIRY", default=300),
            "signature_version": "s3v4",  # S3 refuses older signatures for SSE-KMS objects
            "file_overwrite": False,
            "object_parameters": {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": AWS_KMS_KEY_ID},
            # No access keys here: boto3's default credential chain (IAM role, env, profile).
        },
    }
    _s3 = STORAGES["default"]["OPTIONS"]
    # The portal shows cheque images from presigned S3 URLs: let the browser load them (CSP img-src).
    MEDIA_ORIGINS = _s3["endpoint_url"] or (
        f"https://{_s3['bucket_name']}.s3.amazonaws.com https://{_s3['bucket_name']}.s3.{_s3['region_name']}.amazonaws.com"
        if _s3["region_name"]
        else f"https://{_s3['bucket_name']}.s3.amazonaws.com"
    )
else:
    MEDIA_ORIGINS = ""

# --------------------------------------------------------------------------------------------
# Celery: a broker that needs no server by default; CELERY_BROKER_URL=redis://... to scale out
# --------------------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
# Work is never lost (docs/operations.md). Each task's time limit is set on the task; the broker hands an
# unacknowledged message to another worker only after the visibility timeout, which outlasts the longest
# task (a transaction file: 6 hours), or a slow task would run twice at once. Work whose worker died does
# not wait that long: the relay's sweep sends again a cheque whose run has not touched it for
# CHEQUE_STALE_SECONDS (a run touches it at every step) and one received but not taken for
# CHEQUE_WAITING_STALE_SECONDS; files likewise (FILE_STALE_SECONDS, FILE_WAITING_STALE_SECONDS).
LONGEST_TASK_SECONDS = 6 * 3600
REDIS_BROKER_OPTIONS = {
    "visibility_timeout": LONGEST_TASK_SECONDS + 15 * 60,
    # Publishing connects at most twice, without waiting between: a broker that refuses is left to the
    # outbox's relay at once (the workers' own reconnecting follows broker_connection_* instead).
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
}
CHEQUE_STALE_SECONDS = env.int("CHEQUE_STALE_SECONDS", default=90)
CHEQUE_WAITING_STALE_SECONDS = env.int("CHEQUE_WAITING_STALE_SECONDS", default=600)
FILE_STALE_SECONDS = env.int("FILE_STALE_SECONDS", default=300)
FILE_WAITING_STALE_SECONDS = env.int("FILE_WAITING_STALE_SECONDS", default=600)
_celery_dir = VAR_DIR / "celery"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
    _default_result_backend = f"file://{_celery_dir / 'results'}"
    for _sub in ("queue", "control", "results"):
        (_celery_dir / _sub).mkdir(parents=True, exist_ok=True)
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_BROKER_OPTIONS
    _default_result_backend = CELERY_BROKER_URL
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
    _default_result_backend = None
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=_default_result_backend)
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "apps.cheques.tasks.*": {"queue": "ocr"},
    "apps.fraud.tasks.train_*": {"queue": "ml"},
    "apps.reporting.tasks.*": {"queue": "pdf"},
}
CELERY_WORKER_QUEUES = ["default", "ocr", "ml", "pdf"]
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that publishes work gives up on a broker that does not answer within a second; the work waits
# in the outbox for the relay (apps/core/dispatch.py), and the request answers as usual.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
# A worker keeps reconnecting to a broker that is away, however long the outage.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.4}
CELERY_BEAT_SCHEDULE = {
    "retrain-fraud-model-when-labels-arrive": {
        "task": "apps.fraud.tasks.train_if_new_labels",
        "schedule": 6 * 3600,
    },
    "check-case-slas": {
        "task": "apps.fraud.tasks.check_case_slas",
        "schedule": 300,
    },
    "monitor-new-transactions": {
        "task": "apps.compliance.tasks.monitor_new_transactions",
        "schedule": 60,
    },
    "refresh-compliance-score": {
        "task": "apps.compliance.tasks.refresh_score",
        "schedule": 60,
    },
    "follow-rollups": {
        "task": "apps.reporting.tasks.follow_rollups",
        "schedule": 60,
    },
    "sweep-rollups-nightly": {
        "task": "apps.reporting.tasks.sweep_rollups",
        "schedule": 24 * 3600,
    },
    "remind-corrective-actions": {
        "task": "apps.compliance.tasks.remind_actions",
        "schedule": 24 * 3600,
    },
    "sweep-aml-scenarios": {
        "task": "apps.compliance.tasks.sweep_scenarios",
        "schedule": 3600,
    },
    "assess-kyc-daily": {
        "task": "apps.compliance.tasks.kyc_assess_all",
        "schedule": 24 * 3600,
    },
    "snapshot-balances-daily": {
        "task": "apps.transactions.tasks.snapshot_balances",
        "schedule": 24 * 3600,
    },
    "age-loans-daily": {
        "task": "apps.transactions.tasks.age_loans",
        "schedule": 24 * 3600,
    },
}

# --------------------------------------------------------------------------------------------
# Email: files in var/mail by default; EMAIL_URL=smtp+tls://user:pass@host:587 for SMTP (e.g. SES)
# --------------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="ChequeCloud <noreply@chequecloud.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# --------------------------------------------------------------------------------------------
# REST API
# --------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.APITokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.core.api.permissions.ObjectPermissions"],
    "DEFAULT_FILTER_BACKENDS": [
        "apps.core.api.filters.PermittedObjectsFilter",
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.exceptions.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/min"),
        "user": env("API_THROTTLE_USER", default="6000/min"),
    },
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ChequeCloud API",
    "DESCRIPTION": "Cheque and transaction fraud operations. Integration clients authenticate with "
    "`Authorization: Token <key>`; the portal uses its session.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Customer risk rating and alert severity share the values low / medium / high.
    "ENUM_NAME_OVERRIDES": {
        "LevelEnum": "apps.fraud.choices.Severity",
        "CaseKindEnum": "apps.fraud.choices.CaseKind",
        "TransactionKindEnum": "apps.transactions.choices.TransactionKind",
        "CaseStatusEnum": "apps.fraud.choices.CaseStatus",
        "CasePriorityEnum": "apps.fraud.choices.CasePriority",
        "CaseOutcomeEnum": "apps.fraud.choices.CaseOutcome",
        "ChannelEnum": "apps.transactions.choices.Channel",
        "TransactionSourceEnum": "apps.transactions.choices.Source",
        "ActionSourceEnum": "apps.compliance.models.CorrectiveAction.Source",
        "ActionStatusEnum": "apps.compliance.models.CorrectiveAction.Status",
        "OnboardingChannelEnum": "apps.compliance.choices.OnboardingChannel",
        "BusinessTypeEnum": "apps.compliance.choices.BusinessType",
        "ScreeningResultEnum": "apps.compliance.choices.ScreeningResult",
    },
}
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=90)

# --------------------------------------------------------------------------------------------
# Security headers
# --------------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie


def origin_of(url: str) -> str:
    """`https://sso.bank.example:8443/realms/staff` → `https://sso.bank.example:8443` (no credentials, path)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}".lower() if parts.scheme and host else ""


def content_security_policy(*, oidc_server_url: str = "", media_origins: str = "") -> str:
    """The portal's Content-Security-Policy. Images may also come from the media store's origins. Forms
    post to the portal only; the single sign-on form is answered with a redirect to the bank's provider,
    which the browser holds to form-action as well, so the provider's origin is allowed there."""
    img_sources = " ".join(filter(None, ["'self'", "data:", "blob:", media_origins]))
    form_targets = " ".join(filter(None, ["'self'", origin_of(oidc_server_url)]))
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src {img_sources}; "
        "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
        f"form-action {form_targets}"
    )


CONTENT_SECURITY_POLICY = content_security_policy(oidc_server_url=OIDC_SERVER_URL, media_origins=MEDIA_ORIGINS)
# The reverse proxies and load balancers in front of the portal (addresses or networks): a request from
# one of them is from the address it names in X-Forwarded-For. Sign-in limits count per client address.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])

# --------------------------------------------------------------------------------------------
# Logging: JSON lines with the request id
# --------------------------------------------------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "apps.core.logging.RequestContextFilter"},
        "client_errors": {"()": "apps.core.logging.ClientErrorsWithoutTraceback"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_context"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["client_errors"]},
        "celery": {"level": LOG_LEVEL},
    },
}

# --------------------------------------------------------------------------------------------
# PII encryption: Fernet keys (first encrypts, all decrypt) and the blind-index key
# --------------------------------------------------------------------------------------------
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY", default="")

# --------------------------------------------------------------------------------------------
# Risk engine: score 0-100 → decision
# --------------------------------------------------------------------------------------------
RISK_REVIEW_THRESHOLD = env.int("RISK_REVIEW_THRESHOLD", default=40)
RISK_BLOCK_THRESHOLD = env.int("RISK_BLOCK_THRESHOLD", default=85)
RISK_HIGH_SEVERITY = env.int("RISK_HIGH_SEVERITY", default=70)
# Workers keep the active rules and model this long before looking again (hot path).
RISK_CACHE_SECONDS = env.float("RISK_CACHE_SECONDS", default=5.0)
TRANSACTION_BATCH_MAX = 1000
MODEL_SIGNING_KEY = env("MODEL_SIGNING_KEY", default="")  # HMAC key for model artefacts
MODEL_RETRAIN_MIN_NEW_LABELS = env.int("MODEL_RETRAIN_MIN_NEW_LABELS", default=1000)
TRANSACTION_FILE_MAX_MB = env.int("TRANSACTION_FILE_MAX_MB", default=512)
# How far ahead of the bank's clock a reported transaction time may be (the sender's clock may differ).
TRANSACTION_FUTURE_TOLERANCE_MINUTES = env.int("TRANSACTION_FUTURE_TOLERANCE_MINUTES", default=60)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024  # request bodies; file uploads stream to disk
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --------------------------------------------------------------------------------------------
# Notifications for high-severity alerts
# --------------------------------------------------------------------------------------------
ALERT_NOTIFY_EMAILS = env.list("ALERT_NOTIFY_EMAILS", default=[])  # besides supervisors and compliance
ALERT_SNS_TOPIC_ARN = env("ALERT_SNS_TOPIC_ARN", default="")
ALERT_WEBHOOK_URL = env("ALERT_WEBHOOK_URL", default="")  # POSTed signed JSON for high-severity alerts
ALERT_WEBHOOK_SECRET = env("ALERT_WEBHOOK_SECRET", default="")
if ALERT_WEBHOOK_URL and len(ALERT_WEBHOOK_SECRET) < 32:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("ALERT_WEBHOOK_URL needs ALERT_WEBHOOK_SECRET (32+ characters) to sign deliveries.")

# --------------------------------------------------------------------------------------------
# Cheques: what an image must be to be accepted
# --------------------------------------------------------------------------------------------
CHEQUE_IMAGE_MAX_MB = env.int("CHEQUE_IMAGE_MAX_MB", default=20)
CHEQUE_MAX_PIXELS = env.int("CHEQUE_MAX_PIXELS", default=60_000_000)  # above: refused as a decompression bomb
CHEQUE_MIN_SIZE = (env.int("CHEQUE_MIN_WIDTH", default=600), env.int("CHEQUE_MIN_HEIGHT", default=250))
CHEQUE_IMAGE_URL_SECONDS = env.int("CHEQUE_IMAGE_URL_SECONDS", default=300)  # signed image links
# A field read with less confidence than this goes to a person for keying (0-1, by where it was read).
CHEQUE_MIN_CONFIDENCE = {
    "ocr": env.float("CHEQUE_OCR_MIN_CONFIDENCE", default=0.80),
    "micr": env.float("CHEQUE_MICR_MIN_CONFIDENCE", default=0.95),
    "image": env.float("CHEQUE_MARK_MIN_CONFIDENCE", default=0.80),  # signature and endorsement
}
# A check failing on a field read with less confidence than this waits for a person to confirm the
# field before the cheque is flagged (the reader may be wrong, not the cheque).
CHEQUE_CONFIRM_CONFIDENCE = env.float("CHEQUE_CONFIRM_CONFIDENCE", default=0.90)
OCR_BACKEND = env("OCR_BACKEND", default="tesseract")  # or "textract" (Amazon Textract AnalyzeDocument)
if OCR_BACKEND not in ("tesseract", "textract"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("OCR_BACKEND is 'tesseract' or 'textract'.")
TESSERACT_CMD = env("TESSERACT_CMD", default="tesseract")

# --------------------------------------------------------------------------------------------
# Cases: SLA per priority, approvals (maker-checker), routing
# --------------------------------------------------------------------------------------------
CASE_SLA_HOURS = {
    "critical": env.float("CASE_SLA_HOURS_CRITICAL", default=4),
    "high": env.float("CASE_SLA_HOURS_HIGH", default=24),
    "medium": env.float("CASE_SLA_HOURS_MEDIUM", default=72),
    "low": env.float("CASE_SLA_HOURS_LOW", default=168),
}
CASE_SLA_DUE_SOON_HOURS = env.float("CASE_SLA_DUE_SOON_HOURS", default=2)
# Confirming fraud on a case above this amount (in BANK_CURRENCY; a case in another currency is converted
# at the day's exchange rate) needs a second person (as does freezing an account or
# closing a critical case).
CASE_APPROVAL_AMOUNT = Decimal(env("CASE_APPROVAL_AMOUNT", default="10000"))
CASE_DEFAULT_TEAM = env("CASE_DEFAULT_TEAM", default="")  # team slug for new alert cases; else the first team
COMPLIANCE_CASE_TEAM = env("COMPLIANCE_CASE_TEAM", default="compliance")  # team slug for AML cases no route takes
CASE_AUTO_ASSIGN = env.bool("CASE_AUTO_ASSIGN", default=False)  # round-robin new cases to the team's analysts
CASE_ANALYST_CAP = env.int("CASE_ANALYST_CAP", default=15)  # open cases an analyst holds before being skipped
CASE_ATTACHMENT_MAX_MB = env.int("CASE_ATTACHMENT_MAX_MB", default=20)

AWS_REGION = env("AWS_REGION", default="")
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# Portal
BANK_NAME = env("BANK_NAME", default="ChequeCloud Demo Bank")
PORTAL_PAGE_SIZE = 25
