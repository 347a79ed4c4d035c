from __future__ import annotations

import factory
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group

from apps.accounts import services
from apps.accounts.choices import Role
from apps.accounts.models import Team, User

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@bank.test")
    full_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)


def make_user(role: str | None = None, *, teams: list[Team] | tuple = (), mfa: bool | None = None, **kwargs) -> User:
    """A user holding `role` (a Role value), in `teams`. Roles that require MFA get a TOTP
    authenticator unless mfa=False; the secret is kept on the user as `totp_secret`."""
    from django.conf import settings

    user = UserFactory(**kwargs)
    groups = [t.group for t in teams]
    if role:
        groups.append(Group.objects.get(name=role))
        if role == Role.ADMIN:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
    user.groups.add(*groups)
    if mfa is None:
        mfa = role in settings.MFA_REQUIRED_ROLES
    if mfa:
        user.totp_secret = generate_totp_secret()
        TOTP.activate(user, user.totp_secret)
    return user


def make_team(name: str) -> Team:
    return services.team_create(actor=None, name=name)
