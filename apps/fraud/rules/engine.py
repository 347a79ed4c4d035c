"""Rules + (when one is active) the model → a 0-100 score, a decision and the reasons."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class Verdict:
    score: int
    decision: str
    severity: str
    reasons: list[dict[str, Any]] = field(default_factory=list)


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


def judge(features: dict[str, Any], rules: Iterable[CompiledRule]) -> Verdict:
    fired = [r for r in rules if evaluate(r.condition, features)]
    fired.sort(key=lambda r: (-r.weight, r.code))
    score = min(100, sum(r.weight for r in fired))
    reasons = [
        {"type": "rule", "rule": r.code, "version": r.version, "weight": r.weight, "explanation": r.explanation}
        for r in fired
    ]
    return Verdict(score=score, decision=decision_for(score), severity=severity_for(score), reasons=reasons)
