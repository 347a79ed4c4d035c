from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.core.permissions import permitted

from .choices import Role
from .models import APIToken, NotificationPreference, RoleGrant, Team, User


def user_list(*, search: str = "", role: str = "") -> QuerySet[User]:
    qs = User.objects.prefetch_related("groups__team").order_by("email")
    if search:
        qs = qs.filter(Q(email__icontains=search) | Q(full_name__icontains=search))
    if role:
        qs = qs.filter(groups__name=role)
    return qs


def role_grants_pending() -> QuerySet[RoleGrant]:
    return RoleGrant.objects.filter(status=RoleGrant.Status.PENDING).select_related("user", "requested_by")


def team_list_for(user: User) -> QuerySet[Team]:
    teams = Team.objects.select_related("group").annotate(member_count=Count("group__user"))
    return permitted(user, teams).order_by("name")


def team_for(user: User, pk: int, action: str = "view") -> Team | None:
    return permitted(user, Team.objects.select_related("group"), action).filter(pk=pk).first()


def user_teams(user: User) -> QuerySet[Team]:
    return Team.objects.filter(group__user=user)


def token_list() -> QuerySet[APIToken]:
    return APIToken.objects.select_related("user", "created_by")


def integration_users() -> QuerySet[User]:
    return User.objects.filter(groups__name=Role.INTEGRATION, is_active=True).order_by("email")


def home_summary(*, user: User) -> dict:
    """What the dashboard shows a user: counts they are allowed to see."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)  # the day the person reads
    summary: dict = {"roles": user.role_names, "teams": list(user_teams(user).values_list("name", flat=True))}
    if user.has_perm("accounts.view_user"):
        summary["active_users"] = User.objects.filter(is_active=True).count()
    if user.has_perm("accounts.view_team"):
        summary["teams_visible"] = team_list_for(user).count()
    if user.has_perm("accounts.view_apitoken"):
        summary["active_tokens"] = APIToken.objects.filter(
            revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).count()
    if user.has_perm("core.view_auditevent"):
        summary["audit_today"] = AuditEvent.objects.filter(created_at__gte=today).count()
        summary["failed_logins_today"] = AuditEvent.objects.filter(
            created_at__gte=today, action="auth.login_failed"
        ).count()
    return summary


def notification_preferences(user) -> dict[str, bool]:
    pref = NotificationPreference.objects.filter(user=user).first() or NotificationPreference()
    return {kind: getattr(pref, kind) for kind in NotificationPreference.KINDS}


def users_wanting(user_ids, kind: str) -> list[str]:
    """Email addresses of the active users among `user_ids` who want `kind` emails (default: yes)."""
    if kind not in NotificationPreference.KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    return list(
        User.objects.filter(pk__in=set(user_ids), is_active=True)
        .exclude(**{f"notification_pref__{kind}": False})
        .values_list("email", flat=True)
    )


def default_case_team() -> Team | None:
    """The team whose queue receives new alert cases: CASE_DEFAULT_TEAM, else the first team by name."""
    from django.conf import settings

    if settings.CASE_DEFAULT_TEAM:
        team = Team.objects.filter(slug=settings.CASE_DEFAULT_TEAM).first()
        if team is not None:
            return team
    return Team.objects.order_by("name").first()


def team_user_ids(team_id: int | None, *, roles: list[str] | None = None) -> list[int]:
    """Active members of a team, optionally only those holding one of `roles`."""
    if team_id is None:
        return []
    qs = User.objects.filter(is_active=True, groups__team__id=team_id)
    if roles:
        qs = qs.filter(pk__in=User.objects.filter(groups__name__in=roles).values("pk"))
    return list(qs.values_list("pk", flat=True).distinct())
