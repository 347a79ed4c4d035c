from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, Group, PermissionsMixin
from django.db import models
from django.utils import timezone

from .choices import Role


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        """The first admin, made from the command line: holds the Admin role (so must set up MFA at first
        sign-in, like every admin), with nobody to approve it; audited as the system's doing."""
        from django.db import transaction

        from apps.core.services import audit_record

        extra.update(is_staff=True, is_superuser=True)
        with transaction.atomic(using=self._db):
            user = self._create(email, password, **extra)
            admin, _ = Group.objects.using(self._db).get_or_create(name=Role.ADMIN)
            user.groups.add(admin)
            after = {"email": user.email, "roles": [Role.ADMIN.value], "is_staff": True, "is_superuser": True}
            audit_record(actor=None, action="user.create_superuser", obj=user, after=after)
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """A member of the bank's staff, or an integration client. Signs in with an email address."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    time_zone = models.CharField(max_length=64, blank=True, help_text="Times shown in this zone; blank: the bank's.")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def role_names(self) -> list[str]:
        roles = set(Role.values)
        return sorted(g.name for g in self.groups.all() if g.name in roles)

    def has_role(self, *roles: str) -> bool:
        return any(r in self.role_names for r in roles)


class Team(models.Model):
    """A team owns a queue. Its members are the users of its group, which also carries the team's
    object permissions (django-guardian), so granting a case to a team is one row."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="team", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    # Rows are visible per object (guardian); `access_all_team` sees every team.
    object_scoped = True

    class Meta:
        ordering = ["name"]
        permissions = [("access_all_team", "Can see every team, not only their own")]

    def __str__(self) -> str:
        return self.name

    @property
    def members(self):
        return self.group.user_set.all()


class APIToken(models.Model):
    """A token an integration client presents as `Authorization: Token <key>`.

    Only a SHA-256 hash of the key is stored; the key is shown once when created.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired and self.user.is_active

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.is_expired:
            return "expired"
        return "active"


class NotificationPreference(models.Model):
    """Which case emails a user wants. No row means the defaults (all on)."""

    KINDS = {
        "critical_case": "New critical cases in my team",
        "sla": "SLA due soon or breached on my cases",
        "approval": "Decisions waiting for my approval, and answers to mine",
        "mention": "Someone mentions me in a comment",
    }

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_pref")
    critical_case = models.BooleanField(default=True)
    sla = models.BooleanField(default=True)
    approval = models.BooleanField(default=True)
    mention = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"Notification preferences of {self.user}"


class RoleGrant(models.Model):
    """A role that takes a second person to grant (Admin): asked for by one admin, approved or refused
    by another. `pending_key` is set while the grant waits (user and role) and cleared once decided: a
    unique column, so one grant a user and role waits at a time on every database (MySQL and MariaDB
    ignore conditional unique constraints)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Refused"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=32)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    pending_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.role} for {self.user} ({self.get_status_display().lower()})"
