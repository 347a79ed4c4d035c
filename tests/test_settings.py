"""Each integration switches with one variable; production refuses to run unsafely.

Settings modules are imported in a fresh interpreter, as a server would start them.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The embedded default is what remains when no integration is switched on.
INTEGRATION_SWITCHES = (
    "DATABASE_URL",
    "USE_S3",
    "CELERY_",
    "CACHE_URL",
    "EMAIL_URL",
    "AWS_",
    "OIDC_",
    "DJANGO_ALLOW_ASYNC",
)
PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "chequecloud.settings.production",
    "SECRET_KEY": "x" * 64 + "-production-like-secret-for-the-deploy-check",
    "ALLOWED_HOSTS": "chequecloud.bank.example",
    "FIELD_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWZpZWxkLWtleS0zMmJ5dGVzLWxvbmc=",
    "BLIND_INDEX_KEY": "production-like-blind-index-key",
    "MODEL_SIGNING_KEY": "production-like-model-signing-key",
    "CACHE_URL": "rediscache://127.0.0.1:6379/1",
}


def _run(args, env_overrides, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith(INTEGRATION_SWITCHES)}
    env.update(env_overrides)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _settings(module, env, *names):
    code = (
        "import json, os, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {list(names)!r}}}, default=str))"
    )
    result = _run(["-c", code], {"DJANGO_SETTINGS_MODULE": module, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PROD_ENV.items() if k != "SECRET_KEY"}
    result = _run(["manage.py", "check"], env, drop=("SECRET_KEY",))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "entry", ["import chequecloud.wsgi", "from chequecloud.celery import app; import django; django.setup()"]
)
def test_a_server_or_worker_started_without_naming_its_settings_runs_production(entry):
    """gunicorn chequecloud.wsgi, celery -A chequecloud: never the local settings (DEBUG, debug pages)."""
    code = f"{entry}\nfrom django.conf import settings as s\nprint(s.SETTINGS_MODULE, s.DEBUG)"
    env = {k: v for k, v in PROD_ENV.items() if k != "DJANGO_SETTINGS_MODULE"}
    hardened = _run(["-c", code], env, drop=("DJANGO_SETTINGS_MODULE",))
    assert hardened.returncode == 0, hardened.stderr[-2000:]
    assert hardened.stdout.split()[-2:] == ["chequecloud.settings.production", "False"]
    without_secrets = _run(["-c", code], {}, drop=("DJANGO_SETTINGS_MODULE", "SECRET_KEY"))
    assert without_secrets.returncode != 0 and "SECRET_KEY" in without_secrets.stderr


@pytest.mark.parametrize("cache", [None, "locmemcache://", "dummycache://"])
def test_production_refuses_a_cache_each_process_keeps_to_itself(cache):
    env = {k: v for k, v in PROD_ENV.items() if k != "CACHE_URL"} | ({"CACHE_URL": cache} if cache else {})
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "CACHE_URL must name a cache every web process shares" in result.stderr


def test_production_passes_the_deploy_check():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_hardens_cookies_hsts_and_debug():
    s = _settings(
        "chequecloud.settings.production",
        PROD_ENV,
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT",
    )
    assert s == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_SSL_REDIRECT": True,
    }


def test_embedded_default_needs_no_server():
    s = _settings("chequecloud.settings.local", {}, "DATABASES", "CELERY_BROKER_URL", "STORAGES", "EMAIL_BACKEND")
    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert s["CELERY_BROKER_URL"] == "filesystem://"
    assert s["STORAGES"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert s["EMAIL_BACKEND"].endswith("filebased.EmailBackend")


def test_database_url_switches_to_mysql_with_utf8mb4_and_strict_mode():
    s = _settings(
        "chequecloud.settings.local", {"DATABASE_URL": "mysql://app:pw@db.internal:3306/chequecloud"}, "DATABASES"
    )
    db = s["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.mysql"
    assert (db["HOST"], db["PORT"], db["NAME"]) == ("db.internal", 3306, "chequecloud")
    assert db["OPTIONS"]["charset"] == "utf8mb4"
    assert "STRICT_TRANS_TABLES" in db["OPTIONS"]["init_command"]


def test_use_s3_switches_to_private_sse_kms_storage_without_static_keys():
    env = {"USE_S3": "1", "AWS_STORAGE_BUCKET_NAME": "bank-cheques", "AWS_KMS_KEY_ID": "alias/chequecloud"}
    s = _settings("chequecloud.settings.local", env, "STORAGES")
    default = s["STORAGES"]["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    opts = default["OPTIONS"]
    assert opts["bucket_name"] == "bank-cheques"
    assert opts["default_acl"] is None and opts["querystring_auth"] is True
    assert opts["object_parameters"] == {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "alias/chequecloud"}
    assert "access_key" not in opts and "secret_key" not in opts


def test_s3_image_links_are_signed_with_signature_version_4():
    """S3 refuses version-2 signatures for SSE-KMS objects: every link the portal hands out is SigV4."""
    env = {"USE_S3": "1", "AWS_STORAGE_BUCKET_NAME": "bank-cheques", "AWS_KMS_KEY_ID": "alias/chequecloud",
           "AWS_S3_REGION_NAME": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "x" * 40}  # fmt: skip
    code = (
        "import django; django.setup(); from django.core.files.storage import default_storage; "
        "print(default_storage.url('cheques/1/front.png'))"
    )
    result = _run(["-c", code], {"DJANGO_SETTINGS_MODULE": "chequecloud.settings.local", **env})
    assert result.returncode == 0, result.stderr[-2000:]
    link = result.stdout.strip().splitlines()[-1]
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in link and "X-Amz-Expires=300" in link
    assert "Signature=" not in link.replace("X-Amz-Signature=", "")


def test_use_s3_without_a_kms_key_refuses_to_start():
    result = _run(
        ["manage.py", "check"],
        {"DJANGO_SETTINGS_MODULE": "chequecloud.settings.local", "USE_S3": "1", "AWS_STORAGE_BUCKET_NAME": "b"},
    )
    assert result.returncode != 0
    assert "AWS_KMS_KEY_ID" in result.stderr


def test_redis_broker_url_also_becomes_the_result_backend():
    s = _settings(
        "chequecloud.settings.local",
        {"CELERY_BROKER_URL": "redis://cache.internal:6379/0"},
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
        "CELERY_TASK_SERIALIZER",
        "CELERY_TASK_ACKS_LATE",
    )
    assert s == {
        "CELERY_BROKER_URL": "redis://cache.internal:6379/0",
        "CELERY_RESULT_BACKEND": "redis://cache.internal:6379/0",
        "CELERY_TASK_SERIALIZER": "json",
        "CELERY_TASK_ACKS_LATE": True,
    }


def test_oidc_single_sign_on_is_configured_from_the_environment():
    env = {
        "OIDC_SERVER_URL": "https://sso.bank.example/realms/staff",
        "OIDC_CLIENT_ID": "chequecloud",
        "OIDC_CLIENT_SECRET": "from-the-vault",
        "OIDC_PROVIDER_NAME": "Bank SSO",
    }
    s = _settings("chequecloud.settings.local", env, "SOCIALACCOUNT_PROVIDERS")
    app = s["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"][0]
    assert app["client_id"] == "chequecloud"
    assert app["name"] == "Bank SSO"
    assert app["settings"]["server_url"] == "https://sso.bank.example/realms/staff"
    assert _settings("chequecloud.settings.local", {}, "SOCIALACCOUNT_PROVIDERS") == {"SOCIALACCOUNT_PROVIDERS": {}}


def test_every_task_finishes_inside_the_brokers_visibility_timeout():
    """A task still running when the visibility timeout passes would be handed to a second worker and run
    twice at once: every task's hard time limit must end first (docs/operations.md)."""
    from django.conf import settings

    from chequecloud.celery import app

    app.loader.import_default_modules()
    limits = {name: task.time_limit or app.conf.task_time_limit for name, task in app.tasks.items()
              if name.startswith("apps.")}  # fmt: skip
    assert "apps.transactions.tasks.process_transaction_file" in limits and all(limits.values())
    assert max(limits.values()) <= settings.LONGEST_TASK_SECONDS
    assert settings.REDIS_BROKER_OPTIONS["visibility_timeout"] > settings.LONGEST_TASK_SECONDS
