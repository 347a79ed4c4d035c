"""Rights are granted only through the portal's audited services: the Django admin cannot widen anyone's
rights (its own user's included), and granting the Admin role takes a second admin (maker-checker)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from apps.accounts import services
from apps.accounts.choices import Role
from apps.accounts.models import RoleGrant, User
from apps.core.models import AuditEvent
from tests.factories import make_user


@pytest.fixture
def second_admin(db):
    return make_user(Role.ADMIN, email="second-admin@bank.test")


def test_an_admin_cannot_make_anyone_superuser_or_add_roles_in_the_django_admin(client, admin_user, analyst):
    client.force_login(admin_user)
    admin_group = Group.objects.get(name=Role.ADMIN)
    for target in (admin_user, analyst):
        url = reverse("admin:accounts_user_change", args=[target.pk])
        assert client.get(url).status_code == 200
        response = client.post(url, {"full_name": "Renamed Person", "is_superuser": "on", "is_staff": "on",
                                     "groups": [admin_group.pk], "_save": "Save"})  # fmt: skip
        assert response.status_code == 302
        target.refresh_from_db()
        assert target.full_name == "Renamed Person"
        assert not target.is_superuser
    analyst.refresh_from_db()
    assert analyst.role_names == [Role.ANALYST] and not analyst.is_staff
    changes = AuditEvent.objects.filter(action="user.admin_change")
    assert changes.count() == 2 and changes.first().after == {"full_name": "Renamed Person"}


def test_the_django_admin_adds_and_deletes_no_users_and_edits_no_groups(client, admin_user, analyst):
    client.force_login(admin_user)
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403
    assert client.post(reverse("admin:accounts_user_delete", args=[analyst.pk]), {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=analyst.pk).exists()
    page = client.get(reverse("admin:index")).content.decode()
    assert "/django-admin/auth/group/" not in page


def test_granting_admin_waits_for_a_second_admin_who_is_neither_the_asker_nor_the_user(
    admin_user, second_admin, analyst
):
    services.user_update(actor=admin_user, user=analyst, full_name="A", roles=[Role.ANALYST, Role.ADMIN], teams=[],
                         is_active=True)  # fmt: skip
    analyst.refresh_from_db()
    assert analyst.role_names == [Role.ANALYST] and not analyst.is_staff
    grant = RoleGrant.objects.get()
    assert (grant.status, grant.requested_by) == ("pending", admin_user)
    assert AuditEvent.objects.filter(action="role.grant_request", object_id=str(analyst.pk)).exists()

    with pytest.raises(ValidationError, match="second admin"):
        services.role_grant_approve(actor=admin_user, grant=grant)
    with pytest.raises(ValidationError, match="second admin"):  # asking twice keeps the one grant
        services.user_update(actor=admin_user, user=analyst, full_name="A", roles=[Role.ADMIN], teams=[],
                             is_active=True)  # fmt: skip
        services.role_grant_approve(actor=admin_user, grant=grant)
    assert RoleGrant.objects.count() == 1

    services.role_grant_approve(actor=second_admin, grant=grant, reason="New head of operations")
    analyst.refresh_from_db()
    assert Role.ADMIN in analyst.role_names and analyst.is_staff
    approved = AuditEvent.objects.get(action="role.grant_approve")
    assert approved.actor == second_admin and Role.ADMIN in approved.after["roles"]
    with pytest.raises(ValidationError, match="already been decided"):
        services.role_grant_reject(actor=second_admin, grant=grant)


def test_a_second_admin_approves_or_refuses_in_the_portal(client, admin_user, second_admin, analyst):
    client.force_login(admin_user)
    edit = reverse("accounts:user_edit", args=[analyst.pk])
    response = client.post(edit, {"full_name": "Ann", "roles": [Role.ANALYST, Role.ADMIN], "is_active": "on"},
                           follow=True)  # fmt: skip
    assert "waits for a second admin" in response.content.decode()
    listing = client.get(reverse("accounts:user_list")).content.decode()
    assert "Waiting for a second admin" in listing and "Another admin decides" in listing
    grant = RoleGrant.objects.get()
    refused = client.post(reverse("accounts:role_grant_decide", args=[grant.pk, "approve"]), follow=True)
    assert "second admin" in refused.content.decode()
    assert RoleGrant.objects.get().status == "pending"

    client.force_login(second_admin)
    listing = client.get(reverse("accounts:user_list")).content.decode()
    assert reverse("accounts:role_grant_decide", args=[grant.pk, "approve"]) in listing
    done = client.post(reverse("accounts:role_grant_decide", args=[grant.pk, "approve"]), follow=True)
    assert f"The Admin role was granted to {analyst.email}" in done.content.decode()
    analyst.refresh_from_db()
    assert Role.ADMIN in analyst.role_names


def test_one_pending_grant_per_user_and_role_is_held_by_the_database(admin_user, analyst):
    RoleGrant.objects.create(user=analyst, role=Role.ADMIN, requested_by=admin_user, pending_key=f"{analyst.pk}:Admin")
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=analyst, role=Role.ADMIN, requested_by=admin_user,
                                 pending_key=f"{analyst.pk}:Admin")  # fmt: skip
