"""Ports: the one way a lower app causes work in a higher one.

Apps are layered (docs/architecture.md) and import only from apps below them. Some work still has to
go upward: a transaction is scored by the risk engine (`fraud`) before the ledger (`transactions`)
stores it; a cheque that fails its checks raises an alert (`fraud`). The lower app says what it needs
done by declaring a port in its `ports.py`: a `typing.Protocol` naming the calls, and a `Port` holding
whichever implementation is connected. The higher app connects its implementation in its
`AppConfig.ready()`:

    # apps/transactions/ports.py (the lower app: what it needs)
    class RiskEngine(Protocol):
        def score(self, txn) -> Verdict: ...

    risk_engine: Port[RiskEngine] = Port("transactions.risk_engine", RiskEngine, provider="apps.fraud")

    # apps/fraud/apps.py (the higher app: who does it)
    def ready(self):
        from apps.transactions.ports import risk_engine
        from .providers import TransactionRiskEngine
        risk_engine.connect(TransactionRiskEngine())

    # the lower app calls through the port
    verdict = risk_engine.get().score(txn)

A port has at most one implementation, connected once per process; calling a port nobody connected
raises `PortNotConnected`, naming the app that should have. Ports carry domain calls (explicit, in the
order an auditor reads them); signals stay for cross-cutting concerns only.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")


@dataclass(frozen=True)
class Link:
    """What a higher app made of a lower app's record (an alert, a case), as the lower app's page shows
    it: a label, where it opens, and a short note (its state)."""

    label: str
    url: str
    note: str = ""


class PortNotConnected(ImproperlyConfigured):
    """A lower app called a port that no installed app has connected."""


class Port(Generic[T]):
    """A named slot for the implementation of `protocol`, declared by a lower app and connected by the
    higher app named in `provider`."""

    def __init__(self, name: str, protocol: type[T], *, provider: str) -> None:
        self.name = name
        self.protocol = protocol
        self.provider = provider
        self._impl: T | None = None

    def calls(self) -> list[str]:
        """The names of the calls the protocol asks for."""
        return sorted(n for n, v in vars(self.protocol).items() if not n.startswith("_") and callable(v))

    def connect(self, impl: T) -> None:
        """Connect `impl` (from the provider's `AppConfig.ready()`). It must offer every call of the
        protocol; connecting a second, different implementation is refused."""
        missing = [n for n in self.calls() if not callable(getattr(impl, n, None))]
        if missing:
            raise ImproperlyConfigured(f"{type(impl).__name__} does not implement {self.name}: {', '.join(missing)}.")
        for name in self.calls():
            wanted = inspect.signature(getattr(self.protocol, name))
            offered = inspect.signature(getattr(impl, name))
            if list(wanted.parameters)[1:] != list(offered.parameters):
                raise ImproperlyConfigured(
                    f"{type(impl).__name__}.{name}{offered} does not match {self.name}'s {name}{wanted}."
                )
        if self._impl is not None and type(self._impl) is not type(impl):
            raise ImproperlyConfigured(f"{self.name} is already connected to {type(self._impl).__name__}.")
        self._impl = impl

    def get(self) -> T:
        """The connected implementation."""
        if self._impl is None:
            raise PortNotConnected(
                f"Nothing is connected to {self.name}: is {self.provider} in INSTALLED_APPS? "
                f"(It connects the port in its AppConfig.ready().)"
            )
        return self._impl

    @property
    def connected(self) -> bool:
        return self._impl is not None

    @contextmanager
    def replaced(self, impl: T) -> Iterator[T]:
        """`impl` in place of the connected implementation for the duration of a `with` block."""
        before, self._impl = self._impl, impl
        try:
            yield impl
        finally:
            self._impl = before

    def __repr__(self) -> str:
        state = type(self._impl).__name__ if self._impl is not None else "not connected"
        return f"<Port {self.name}: {state}>"
