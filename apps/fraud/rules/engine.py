"""Rules + (when one is active) the model → a 0-100 score, a decision and the reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings

from ..choices import Severity
from .conditions import evaluate


@dataclass(frozen=True)
class CompiledRule:
    code: str
    version: int
    weight: int
    explanation: str
    condition: dict


def decision_for(score: int) -> str:
    if score >= settings.RISK_BLOCK_THRESHOLD:
        return "block"
    if score >= settings.RISK_REVIEW_THRESHOLD:
        return "review"
    return "approve"


def severity_for(score: int) -> str:
    if score >= settings.RISK_HIGH_SEVERITY:
        return Severity.HIGH
    if score >= settings.RISK_REVIEW_THRESHOLD:
        return Severity.MEDIUM
    return Severity.LOW


def judge(columns, rules: list[CompiledRule]) -> tuple[np.ndarray, list[list[dict[str, Any]]]]:
    """The rules' score (0-100) of each transaction of a batch and the reasons: the rules that fired,
    heaviest first. Rows that fired the same rules share one list of reasons."""
    n = len(columns)
    order = sorted(range(len(rules)), key=lambda i: (-rules[i].weight, rules[i].code))
    fired = np.zeros((n, len(rules)), dtype=bool)
    for j, i in enumerate(order):
        fired[:, j] = evaluate(rules[i].condition, columns)
    weights = np.array([rules[i].weight for i in order], dtype=np.int64)
    score = np.minimum(100, fired.astype(np.int64) @ weights) if rules else np.zeros(n, dtype=np.int64)
    # Rows that fired the same rules share one list: one list per distinct pattern of rules.
    if n > 1:
        patterns, which = np.unique(fired, axis=0, return_inverse=True)
    else:  # one transaction (the API): nothing to share
        patterns, which = fired, np.zeros(n, dtype=np.int64)
    shared = [
        [{"type": "rule", "rule": rules[i].code, "version": rules[i].version, "weight": rules[i].weight,
          "explanation": rules[i].explanation} for j, i in enumerate(order) if pattern[j]]
        for pattern in patterns
    ]  # fmt: skip
    return score, [shared[k] for k in which.reshape(-1).tolist()]
