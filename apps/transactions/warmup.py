"""The transactions app's start-up work (`chequecloud.warmup`): the SQL of the customer lookup every
ingested transaction runs, built once."""

from __future__ import annotations


def warm_up() -> None:
    from .services import _CUSTOMER_BY_REF

    _CUSTOMER_BY_REF.rows("")
