"""The KYC risk rating: points for each stated factor, added up and banded into low, medium or high, with
the reason for each factor's points. Pure rules, no database: the services gather the facts.

docs/compliance.md carries the same table; change both together.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from apps.transactions.choices import RiskRating

from ..choices import BusinessType, KycState, OnboardingChannel, ScreeningResult

PEP_POINTS = 40
HIGH_RISK_COUNTRY_POINTS = 40
REMOTE_CHANNEL_POINTS = 10
BUSINESS_RISK: dict[str, str] = {
    BusinessType.SALARIED: RiskRating.LOW,
    BusinessType.SELF_EMPLOYED: RiskRating.LOW,
    BusinessType.COMPANY: RiskRating.MEDIUM,
    BusinessType.NON_PROFIT: RiskRating.MEDIUM,
    BusinessType.NOT_STATED: RiskRating.MEDIUM,
    BusinessType.CASH_INTENSIVE: RiskRating.HIGH,
    BusinessType.MONEY_SERVICE: RiskRating.HIGH,
    BusinessType.PRECIOUS_GOODS: RiskRating.HIGH,
}
BUSINESS_POINTS: dict[str, int] = {RiskRating.LOW: 0, RiskRating.MEDIUM: 15, RiskRating.HIGH: 40}
SCREENING_POINTS: dict[str, int] = {
    ScreeningResult.NOT_SCREENED: 10,
    ScreeningResult.CLEAR: 0,
    ScreeningResult.POSSIBLE_MATCH: 25,
    ScreeningResult.MATCH: 60,
}
ALERT_WINDOW_DAYS = 365
# (at least this many alerts in the window, points), highest first
ALERT_POINTS: list[tuple[int, int]] = [(3, 25), (1, 10), (0, 0)]
# (from this score, rating), highest first
BANDS: list[tuple[int, str]] = [(50, RiskRating.HIGH), (25, RiskRating.MEDIUM), (0, RiskRating.LOW)]


@dataclass(frozen=True)
class Facts:
    """What a rating is computed from: the officer's stated factors and what the bank's records say."""

    pep: bool
    country: str
    high_risk_reason: str | None  # why the country of residence is on the high-risk list; None: it is not
    business_type: str
    channel: str
    screening: str
    alerts: int  # fraud and AML alerts on the customer in the last ALERT_WINDOW_DAYS


@dataclass(frozen=True)
class Rating:
    rating: str
    score: int
    factors: list[dict]


def _row(factor: str, label: str, value: str, points: int, why: str) -> dict:
    return {"factor": factor, "label": label, "value": value, "points": points, "why": why}


def bands_text() -> str:
    """The bands as people read them: "low below 25, medium from 25, high from 50"."""
    ordered = sorted(BANDS)
    parts = [f"{RiskRating(ordered[0][1]).label.lower()} below {ordered[1][0]}"]
    parts += [f"{RiskRating(rating).label.lower()} from {floor}" for floor, rating in ordered[1:]]
    return ", ".join(parts)


def band(score: int) -> str:
    return next(rating for floor, rating in BANDS if score >= floor)


def rate(facts: Facts) -> Rating:
    """Each factor's points with why, their sum, and the band the sum falls in."""
    rows = []
    if facts.pep:
        rows.append(_row("pep", "Politically exposed person", "Yes", PEP_POINTS,
                         "A politically exposed person needs enhanced due diligence."))  # fmt: skip
    else:
        rows.append(_row("pep", "Politically exposed person", "No", 0, "Not a politically exposed person."))
    if facts.high_risk_reason is not None:
        rows.append(_row("jurisdiction", "Country of residence", facts.country, HIGH_RISK_COUNTRY_POINTS,
                         f"On the bank's high-risk list: {facts.high_risk_reason}"))  # fmt: skip
    else:
        rows.append(_row("jurisdiction", "Country of residence", facts.country, 0,
                         "Not on the bank's high-risk list."))  # fmt: skip
    level = BUSINESS_RISK[facts.business_type]
    rows.append(_row("business_type", "Business type", BusinessType(facts.business_type).label,
                     BUSINESS_POINTS[level], f"A {RiskRating(level).label.lower()}-risk business type."))  # fmt: skip
    if facts.channel == OnboardingChannel.FACE_TO_FACE:
        rows.append(_row("channel", "Onboarding channel", OnboardingChannel.FACE_TO_FACE.label, 0,
                         "Identity checked in person."))  # fmt: skip
    else:
        rows.append(_row("channel", "Onboarding channel", OnboardingChannel(facts.channel).label,
                         REMOTE_CHANNEL_POINTS, "Not met in person: identity checked remotely."))  # fmt: skip
    why = {
        ScreeningResult.NOT_SCREENED: "Not yet screened against the sanctions and PEP lists.",
        ScreeningResult.CLEAR: "Screened: no match on the sanctions and PEP lists.",
        ScreeningResult.POSSIBLE_MATCH: "Screening found a possible match that is not yet resolved.",
        ScreeningResult.MATCH: "Screening found a match on the sanctions or PEP lists.",
    }[facts.screening]
    rows.append(_row("screening", "Screening result", ScreeningResult(facts.screening).label,
                     SCREENING_POINTS[facts.screening], why))  # fmt: skip
    alert_points = next(points for least, points in ALERT_POINTS if facts.alerts >= least)
    plural = "" if facts.alerts == 1 else "s"
    why = (
        f"{facts.alerts} fraud or AML alert{plural} in the last year."
        if facts.alerts
        else "No alerts in the last year."
    )
    rows.append(_row("alerts", "Alert history", f"{facts.alerts} in {ALERT_WINDOW_DAYS} days", alert_points, why))
    score = sum(r["points"] for r in rows)
    return Rating(rating=band(score), score=score, factors=rows)


# ------------------------------------------------------------------------------------ review dates
def add_years(day: date, years: Decimal | int) -> date:
    """`day` plus a number of years (whole months for a fraction); 29 February falls back to the 28th."""
    months = round(Decimal(years) * 12)
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_years_metric(rating: str) -> str:
    return f"kyc_review_years_{rating}"


def kyc_state(review_due: date | None, today: date | None = None) -> str:
    """Pending (never reviewed), expired (the due day has passed), review due (due within
    KYC_REVIEW_DUE_SOON_DAYS, today included), else verified."""
    if review_due is None:
        return KycState.PENDING
    today = today or timezone.localdate()
    if review_due < today:
        return KycState.EXPIRED
    if review_due <= today + timedelta(days=settings.KYC_REVIEW_DUE_SOON_DAYS):
        return KycState.REVIEW_DUE
    return KycState.VERIFIED
