"""The accounts app's start-up work (`chequecloud.warmup`): the SQL of the queries every API request
runs (the token and its user, the user's permissions), built once."""

from __future__ import annotations


def warm_up() -> None:
    from .backends import _PERMISSIONS
    from .services import _token_with_user

    _token_with_user("")
    _PERMISSIONS.rows(0, 0)
