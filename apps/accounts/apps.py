from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from . import schema  # noqa: F401  (registers the token scheme with drf-spectacular)
        from .roles import sync_roles_after_migrate

        # Roles gain the permissions of models that later migrations add (e.g. auditors read all).
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="accounts_sync_roles")
