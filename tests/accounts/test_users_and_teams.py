import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.accounts import services
from apps.accounts.choices import Role
from apps.accounts.models import RoleGrant, Team, User
from apps.accounts.roles import ROLE_PERMISSIONS
from apps.core.models import AuditEvent
from tests.factories import make_user


def test_every_role_exists_as_a_group_after_migrate(db):
    assert set(Group.objects.filter(name__in=Role.values).values_list("name", flat=True)) == set(Role.values)
    assert set(ROLE_PERMISSIONS) == set(Role.values)


def test_auditor_reads_everything_and_changes_nothing(db):
    perms = set(Group.objects.get(name=Role.AUDITOR).permissions.values_list("codename", flat=True))
    assert {"view_auditevent", "view_user", "view_team", "view_apitoken", "access_all_team"} <= perms
    assert not [p for p in perms if p.startswith(("add_", "change_", "delete_"))]


def test_admin_invites_a_user_who_sets_a_password_and_signs_in(
    client, admin_user, team, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:user_invite"),
            {"email": "New.Person@Bank.test", "full_name": "New Person", "roles": ["Analyst"], "teams": [team.pk]},
        )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@bank.test")
    assert user.role_names == ["Analyst"]
    assert not user.has_usable_password()
    assert AuditEvent.objects.filter(action="user.invite", object_id=str(user.pk)).exists()

    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[0].body).group(1)
    client.logout()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_password = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"password1": "a-new-long-password-7", "password2": "a-new-long-password-7"},
    )
    assert set_password.status_code == 302
    assert client.login(email="new.person@bank.test", password="a-new-long-password-7")


def test_invite_with_an_existing_email_is_refused_with_a_message(client, admin_user, analyst):
    client.force_login(admin_user)
    response = client.post(
        reverse("accounts:user_invite"), {"email": analyst.email.upper(), "full_name": "Dup", "roles": ["Analyst"]}
    )
    assert response.status_code == 400
    assert b"already exists" in response.content
    assert User.objects.filter(email__iexact=analyst.email).count() == 1


def test_there_is_no_public_sign_up(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "x@evil.test", "password1": "whatever-pass-12", "password2": "whatever-pass-12"},
    )
    assert not User.objects.filter(email="x@evil.test").exists()
    assert response.status_code in (200, 403)


def test_deactivating_a_user_revokes_their_tokens_and_blocks_sign_in(admin_user, integration_user):
    token, _ = services.api_token_create(actor=admin_user, user=integration_user, name="feed", scopes=["read"])
    services.user_update(
        actor=admin_user, user=integration_user, full_name="Feed", roles=[Role.INTEGRATION], teams=[], is_active=False
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    integration_user.refresh_from_db()
    assert not integration_user.is_active


def test_admin_cannot_deactivate_themselves(admin_user):
    with pytest.raises(ValidationError):
        services.user_update(
            actor=admin_user, user=admin_user, full_name="Me", roles=[Role.ADMIN], teams=[], is_active=False
        )


def test_admin_role_gives_django_admin_access_and_removing_it_takes_it_away(admin_user, analyst):
    services.user_update(
        actor=admin_user, user=analyst, full_name="A", roles=[Role.ANALYST, Role.ADMIN], teams=[], is_active=True
    )
    analyst.refresh_from_db()
    assert not analyst.is_staff  # granting Admin waits for a second admin
    second = make_user(Role.ADMIN, email="second-admin@bank.test")
    services.role_grant_approve(actor=second, grant=RoleGrant.objects.get(user=analyst))
    analyst.refresh_from_db()
    assert analyst.is_staff and Role.ADMIN in analyst.role_names
    services.user_update(actor=admin_user, user=analyst, full_name="A", roles=[Role.ANALYST], teams=[], is_active=True)
    analyst.refresh_from_db()
    assert not analyst.is_staff


def test_team_members_see_their_team_and_not_another(client, analyst, team, other_team):
    client.force_login(analyst)
    listing = client.get(reverse("accounts:team_list"))
    assert [t.name for t in listing.context["teams"]] == ["Cheque fraud"]
    assert client.get(reverse("accounts:team_detail", args=[other_team.pk])).status_code == 404


def test_admin_edits_team_members_and_it_is_audited(client, admin_user, team, analyst, supervisor):
    client.force_login(admin_user)
    response = client.post(
        reverse("accounts:team_edit", args=[team.pk]),
        {"name": "Cheque fraud", "description": "Day shift", "members": [analyst.pk]},
    )
    assert response.status_code == 302
    assert list(Team.objects.get(pk=team.pk).members) == [analyst]
    event = AuditEvent.objects.get(action="team.update")
    assert event.before["members"] == sorted([analyst.email, supervisor.email])
    assert event.after["members"] == [analyst.email]


def test_duplicate_team_name_is_refused(client, admin_user, team):
    client.force_login(admin_user)
    response = client.post(reverse("accounts:team_create"), {"name": "cheque FRAUD"})
    assert response.status_code == 400
    assert Team.objects.count() == 1


def test_user_list_is_paginated_and_searchable(client, admin_user):
    for i in range(30):
        User.objects.create_user(email=f"bulk{i}@bank.test")
    client.force_login(admin_user)
    page = client.get(reverse("accounts:user_list"))
    assert page.context["page_obj"].paginator.num_pages == 2
    found = client.get(reverse("accounts:user_list"), {"q": "bulk17"})
    assert [u.email for u in found.context["users"]] == ["bulk17@bank.test"]


def test_users_choose_which_case_emails_they_get_on_their_profile(client, analyst):
    from apps.accounts.selectors import notification_preferences, users_wanting

    client.force_login(analyst)
    page = client.get(reverse("accounts:profile"))
    assert "Email notifications" in page.text
    client.post(reverse("accounts:profile"), {"critical_case": "on", "approval": "on", "mention": "on"})
    assert notification_preferences(analyst) == {"critical_case": True, "sla": False, "approval": True,
                                                 "mention": True}  # fmt: skip
    assert users_wanting([analyst.pk], "sla") == []
    assert users_wanting([analyst.pk], "mention") == [analyst.email]
