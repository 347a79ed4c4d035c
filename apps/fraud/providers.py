"""The risk engine as the apps below it call it: the implementations of their ports
(`apps.transactions.ports`, `apps.cheques.ports`), connected in `FraudConfig.ready()`. Each call hands
over to the services and selectors that do the work."""

from __future__ import annotations

import math

from django.utils import timezone

from apps.cheques.ports import ModelOpinion
from apps.transactions.ports import NewRows

from . import selectors, services


class TransactionRiskEngine:
    """`apps.transactions.ports.RiskEngine`."""

    def history(self) -> selectors.FeatureState:
        return selectors.FeatureState()

    def score(self, txn) -> services.Verdicts:
        return services.transaction_score(txn)

    def store(self, txn, verdict) -> None:
        services.transaction_store(txn, verdict)

    def score_rows(self, rows: NewRows, history) -> services.Storable:
        incoming = services.Incoming.of_rows(rows, timezone.get_default_timezone())
        return services.incoming_prepare(incoming, services.incoming_score(incoming, history))

    def store_rows(self, scored) -> None:
        services.incoming_store(scored)

    def store_many(self, txns: list, history) -> int:
        return len(services.transactions_store_scored(txns, history)[1])


class ChequeRiskEngine:
    """`apps.cheques.ports.RiskEngine`."""

    def cheque_opinion(self, features: dict) -> ModelOpinion | None:
        from .ml.registry import load_active
        from .models import ModelVersion

        model = load_active(ModelVersion.Kind.CHEQUE)
        if model is None:
            return None
        probability = float(model.probabilities([features])[0])
        points = 0 if math.isnan(probability) else round(probability * 100)
        top = services.explain(model, features)
        why = f" ({', '.join(t['feature'] for t in top)})" if top else ""
        reason = {"type": "model", "model": model.version, "weight": points,
                  "explanation": f"Cheque model score {points}/100{why}", "top_features": top}  # fmt: skip
        return ModelOpinion(points, reason, model.version)

    def cheque_flag(self, cheque, score: int, reasons: list[dict]) -> None:
        services.cheque_flag(cheque=cheque, score=score, reasons=reasons)

    def cheque_amount_known(self, cheque) -> None:
        from .cases.services import cases_amount_refresh

        cases_amount_refresh(cheque=cheque)


class FollowUps:
    """`apps.transactions.ports.FollowUps` and `apps.cheques.ports.FollowUps`: the alert and case of a
    transaction or cheque, for its page."""

    def transaction_follow_ups(self, user, ids: list[int]) -> dict:
        return selectors.follow_ups(user, "transaction_id", ids)

    def cheque_follow_ups(self, user, ids: list[int]) -> dict:
        return selectors.follow_ups(user, "cheque_id", ids)
