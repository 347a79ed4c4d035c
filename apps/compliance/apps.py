from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _load_profile(sender, apps=None, **kwargs):
    """The bank's profile gives every shipped metric its first version (after a flush too, as the
    fraud app's shipped rules come back); officers' later versions are never touched."""
    if getattr(sender, "label", None) != "compliance":
        return
    from .services import profile_load

    profile_load()


class ComplianceConfig(AppConfig):
    name = "apps.compliance"
    label = "compliance"

    def ready(self) -> None:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured

        from .profiles import PROFILES

        if settings.COMPLIANCE_PROFILE not in PROFILES:
            raise ImproperlyConfigured(f"COMPLIANCE_PROFILE must be one of {', '.join(PROFILES)}.")
        post_migrate.connect(_load_profile, dispatch_uid="compliance_profile")
