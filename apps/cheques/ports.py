"""What the cheques app needs from the layers above it (`apps.core.ports`).

A cheque's risk score takes the cheque model's opinion when one is trained and active, and a cheque
routed as flagged raises an alert that gathers into a case. Both belong to the risk engine, which the
fraud app connects to `risk_engine`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from apps.core.ports import Link, Port


@dataclass(frozen=True)
class ModelOpinion:
    """The active cheque model's score of one cheque."""

    points: int  # 0-100
    reason: dict  # the reason shown beside the checks' reasons (model version, top features)
    version: str  # the model version, recorded on the cheque


class RiskEngine(Protocol):
    def cheque_opinion(self, features: dict) -> ModelOpinion | None:
        """The active cheque model's score of a cheque's features (`risk.features`); None while no
        cheque model is active."""

    def cheque_flag(self, cheque, score: int, reasons: list[dict]) -> None:
        """Raise the alert for a cheque routed as flagged. Call inside the transaction that routes it."""

    def cheque_amount_known(self, cheque) -> None:
        """The cheque's amount is now known (read or keyed): open cases that counted it, or counted a copy
        of it, take the amount. Call inside the transaction that stores it."""


risk_engine: Port[RiskEngine] = Port("cheques.risk_engine", RiskEngine, provider="apps.fraud")


class FollowUps(Protocol):
    def cheque_follow_ups(self, user, ids: list[int]) -> dict[int, list[Link]]:
        """What became of each cheque above this app (its alert, its case), only what `user` may open;
        cheques nothing became of are left out."""


follow_ups: Port[FollowUps] = Port("cheques.follow_ups", FollowUps, provider="apps.fraud")
