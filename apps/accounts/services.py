"""Writes for staff users, teams and API tokens. Each one audits in the same transaction."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from guardian.shortcuts import assign_perm

from apps.core.db import CompiledQuery
from apps.core.services import audit_record, model_snapshot

from .choices import Role, TokenScope
from .models import APIToken, NotificationPreference, RoleGrant, Team, User

USER_AUDIT_FIELDS = ["email", "full_name", "is_active", "is_staff"]
TEAM_AUDIT_FIELDS = ["name", "slug", "description"]


def _user_state(user: User) -> dict[str, Any]:
    state = model_snapshot(user, USER_AUDIT_FIELDS)
    state["roles"] = user.role_names
    state["teams"] = sorted(t.name for t in Team.objects.filter(group__user=user))
    return state


def _set_roles_and_teams(user: User, roles: list[str], teams: list[Team]) -> None:
    keep = user.groups.exclude(name__in=Role.values).exclude(team__isnull=False)
    role_groups = list(Group.objects.filter(name__in=roles))
    user.groups.set([*keep, *role_groups, *(t.group for t in teams)])
    # Admins reach the Django admin; nobody else does.
    user.is_staff = Role.ADMIN in roles or user.is_superuser
    user.save(update_fields=["is_staff"])


# Roles that take a second person to grant: asked for by one admin, approved by another.
SECOND_PERSON_ROLES = {Role.ADMIN}


def _held_now_or_asked(actor: User, user: User, roles: list[str]) -> list[str]:
    """The roles to set at once: a role in SECOND_PERSON_ROLES the user does not hold yet is asked for
    instead (a pending RoleGrant), and left out. With no actor (the system setting itself up: demo data,
    the first admin) there is no second person to ask, and every role is set."""
    if actor is None:
        return roles
    held = set(user.role_names)
    now = []
    for role in roles:
        if role in SECOND_PERSON_ROLES and role not in held:
            role_grant_request(actor=actor, user=user, role=role)
        else:
            now.append(role)
    return now


def role_grant_request(*, actor: User, user: User, role: str) -> RoleGrant:
    """Ask for `role` for `user`; another admin approves it. Asking again while one waits is a no-op."""
    key = f"{user.pk}:{role}"
    waiting = RoleGrant.objects.filter(pending_key=key).first()
    if waiting is not None:
        return waiting
    grant = RoleGrant.objects.create(user=user, role=role, requested_by=actor, pending_key=key)
    audit_record(actor=actor, action="role.grant_request", obj=user, after={"role": role, "grant": grant.pk})
    return grant


def _decide(*, actor: User, grant: RoleGrant, reason: str) -> RoleGrant:
    if not (actor.has_perm("accounts.change_user") and Role.ADMIN in actor.role_names):
        raise PermissionDenied("Only an admin decides on a role grant.")
    grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.status != RoleGrant.Status.PENDING:
        raise ValidationError("This grant has already been decided.", code="invalid_state")
    if actor.pk in (grant.requested_by_id, grant.user_id):
        raise ValidationError("A second admin, neither the one who asked nor the one it is for, decides.",
                              code="same_person")  # fmt: skip
    grant.decided_by, grant.decided_at, grant.reason, grant.pending_key = actor, timezone.now(), reason, None
    return grant


def role_grant_approve(*, actor: User, grant: RoleGrant, reason: str = "") -> RoleGrant:
    """A second admin approves a role grant: the user gets the role (and, for Admin, the Django admin)."""
    with transaction.atomic():
        grant = _decide(actor=actor, grant=grant, reason=reason)
        grant.status = RoleGrant.Status.APPROVED
        grant.save()
        user = grant.user
        before = _user_state(user)
        user.groups.add(Group.objects.get(name=grant.role))
        if grant.role == Role.ADMIN:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        audit_record(actor=actor, action="role.grant_approve", obj=user, before=before, after=_user_state(user),
                     reason=reason)  # fmt: skip
    return grant


def role_grant_reject(*, actor: User, grant: RoleGrant, reason: str = "") -> RoleGrant:
    with transaction.atomic():
        grant = _decide(actor=actor, grant=grant, reason=reason)
        grant.status = RoleGrant.Status.REJECTED
        grant.save()
        audit_record(actor=actor, action="role.grant_reject", obj=grant.user, after={"role": grant.role},
                     reason=reason)  # fmt: skip
    return grant


def _validate_roles(roles: list[str]) -> None:
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValidationError(f"Unknown role: {', '.join(sorted(unknown))}.")


def user_invite(*, actor: User, email: str, full_name: str, roles: list[str], teams: list[Team], base_url: str) -> User:
    """Create a staff user with no password and email them a link to choose one."""
    _validate_roles(roles)
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError("A user with this email address already exists.")
    with transaction.atomic():
        user = User.objects.create_user(email=email, full_name=full_name.strip())
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        _set_roles_and_teams(user, _held_now_or_asked(actor, user, roles), teams)
        audit_record(actor=actor, action="user.invite", obj=user, after=_user_state(user))
        transaction.on_commit(lambda: _send_invitation(user, base_url))
    return user


def _send_invitation(user: User, base_url: str) -> None:
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    context = {"user": user, "link": base_url.rstrip("/") + path, "bank_name": settings.BANK_NAME}
    send_mail(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}You have been invited to ChequeCloud",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


def user_update(
    *, actor: User, user: User, full_name: str, roles: list[str], teams: list[Team], is_active: bool, reason: str = ""
) -> User:
    _validate_roles(roles)
    if user == actor and (not is_active or (Role.ADMIN in actor.role_names and Role.ADMIN not in roles)):
        raise ValidationError("You cannot deactivate yourself or remove your own Admin role.")
    with transaction.atomic():
        before = _user_state(user)
        user.full_name = full_name.strip()
        user.is_active = is_active
        user.save(update_fields=["full_name", "is_active"])
        _set_roles_and_teams(user, _held_now_or_asked(actor, user, roles), teams)
        if not is_active:
            APIToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        after = _user_state(user)
        if before != after:
            audit_record(actor=actor, action="user.update", obj=user, before=before, after=after, reason=reason)
    return user


def team_create(*, actor: User, name: str, description: str = "") -> Team:
    name = name.strip()
    slug = slugify(name)
    if not slug:
        raise ValidationError("The team name needs at least one letter or digit.")
    if Team.objects.filter(slug=slug).exists() or Team.objects.filter(name__iexact=name).exists():
        raise ValidationError("A team with this name already exists.")
    with transaction.atomic():
        group = Group.objects.create(name=f"team:{slug}")
        team = Team.objects.create(name=name, slug=slug, description=description, group=group)
        assign_perm("accounts.view_team", group, team)
        audit_record(actor=actor, action="team.create", obj=team, after=model_snapshot(team, TEAM_AUDIT_FIELDS))
    return team


def team_update(*, actor: User, team: Team, name: str, description: str, members: list[User]) -> Team:
    name = name.strip()
    if Team.objects.exclude(pk=team.pk).filter(name__iexact=name).exists():
        raise ValidationError("A team with this name already exists.")
    with transaction.atomic():
        before = {**model_snapshot(team, TEAM_AUDIT_FIELDS), "members": sorted(u.email for u in team.members)}
        team.name = name
        team.description = description
        team.save(update_fields=["name", "description"])
        team.group.user_set.set(members)
        after = {**model_snapshot(team, TEAM_AUDIT_FIELDS), "members": sorted(u.email for u in members)}
        if before != after:
            audit_record(actor=actor, action="team.update", obj=team, before=before, after=after)
    return team


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(
    *, actor: User, user: User, name: str, scopes: list[str], expires_in_days: int | None = None
) -> tuple[APIToken, str]:
    """Create a token; return it with its key. The key is never stored and cannot be shown again."""
    unknown = set(scopes) - set(TokenScope.values)
    if unknown:
        raise ValidationError(f"Unknown scope: {', '.join(sorted(unknown))}.")
    if not scopes:
        raise ValidationError("Choose at least one scope.")
    if not user.is_active:
        raise ValidationError("The user is deactivated.")
    if not user.has_role(Role.INTEGRATION):
        # A token carries its user's permissions into the API: staff accounts never get one.
        raise ValidationError("API tokens are only issued to users with the Integration client role.")
    days = expires_in_days or settings.API_TOKEN_DEFAULT_DAYS
    if not 1 <= days <= 730:
        raise ValidationError("A token expires after 1 to 730 days.")
    prefix = secrets.token_hex(6)
    key = f"cc_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = APIToken.objects.create(
            user=user,
            name=name.strip(),
            prefix=prefix,
            key_hash=_hash_key(key),
            scopes=sorted(scopes),
            created_by=actor,
            expires_at=timezone.now() + timedelta(days=days),
        )
        audit_record(
            actor=actor,
            action="api_token.create",
            obj=token,
            after={"user": user.email, "scopes": token.scopes, "expires_at": token.expires_at},
        )
    return token, key


def api_token_revoke(*, actor: User, token: APIToken, reason: str = "") -> APIToken:
    with transaction.atomic():
        token = APIToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(actor=actor, action="api_token.revoke", obj=token, reason=reason)
    return token


def _fields(model) -> list:
    return list(model._meta.concrete_fields)


# Every API request looks its token up: the SQL is built once (see CompiledQuery).
_TOKEN_BY_PREFIX = CompiledQuery(
    lambda prefix: APIToken.objects.filter(prefix=prefix).values_list(
        *(f.name for f in _fields(APIToken)), *(f"user__{f.name}" for f in _fields(User))
    ),
    str,
)


def _token_with_user(prefix: str) -> APIToken | None:
    """The token with this prefix and its user, in one query (as select_related would)."""
    rows = _TOKEN_BY_PREFIX.rows(prefix)
    if not rows:
        return None
    token_fields, user_fields = _fields(APIToken), _fields(User)
    row = rows[0]
    token = APIToken.from_db("default", [f.attname for f in token_fields], row[: len(token_fields)])
    token.user = User.from_db("default", [f.attname for f in user_fields], row[len(token_fields) :])
    return token


def api_token_authenticate(key: str) -> APIToken | None:
    """The usable token for a presented key, or None. Marks it used (at most once a minute)."""
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != "cc":
        return None
    token = _token_with_user(parts[1])
    if token is None or not secrets.compare_digest(token.key_hash, _hash_key(key)) or not token.is_usable:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        APIToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def notification_preferences_update(*, user: User, **flags: bool) -> NotificationPreference:
    unknown = set(flags) - set(NotificationPreference.KINDS)
    if unknown:
        raise ValidationError(f"Unknown notification kinds: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        pref, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
        before = {k: getattr(pref, k) for k in NotificationPreference.KINDS}
        for kind, value in flags.items():
            setattr(pref, kind, bool(value))
        pref.save()
        audit_record(actor=user, action="user.notifications", obj=user, before=before,
                     after={k: getattr(pref, k) for k in NotificationPreference.KINDS})  # fmt: skip
    return pref


def user_time_zone_set(*, user: User, time_zone: str) -> User:
    """The zone a user's times are shown in (blank: the bank's). Audited."""
    import zoneinfo

    if time_zone and time_zone not in zoneinfo.available_timezones():
        raise ValidationError({"time_zone": [f"{time_zone} is not a time zone."]})
    with transaction.atomic():
        before = user.time_zone
        user.time_zone = time_zone
        user.save(update_fields=["time_zone"])
        audit_record(actor=user, action="user.time_zone", obj=user, before={"time_zone": before},
                     after={"time_zone": time_zone})  # fmt: skip
    return user
