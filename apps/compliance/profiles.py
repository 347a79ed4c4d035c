"""The regulatory thresholds ChequeCloud ships, by jurisdiction profile, each with the text it comes from.

A metric is what a threshold measures (an amount, a number of days, a share); a profile gives each metric
its levels under one jurisdiction's law. The bank's profile (`COMPLIANCE_PROFILE`) is loaded as the first
approved version of every metric; after that every value changes through a new version, drafted by one
compliance officer and approved by another (`services.threshold_*`). `docs/compliance.md` lists the same
values with their sources.

Levels: `breach` is the level itself (cash over it is reportable; a filing later than it is late), and
`warning` where set is the level at which the metric is shown as approaching it. For a metric where
lower is worse (`higher_is_worse=False`), the levels are crossed going down.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str  # money | days | working_days | years | hours | count | percent
    description: str
    higher_is_worse: bool = True
    domain: str = ""  # a KPI of the compliance score: aml | kyc | data_protection | reporting


def _kpi(domain: str, name: str, unit: str, description: str) -> Metric:
    return Metric(name, unit, description, domain=domain)


METRICS: dict[str, Metric] = {
    "cash_report_amount": Metric(
        "Cash transaction report",
        "money",
        "Cash in or out by or for one person over this amount in one business day (one account in one "
        "calendar month under the India profile, debits and credits counted apart) is reported.",
    ),
    "cash_report_due_days": Metric(
        "Cash transaction report due",
        "days",
        "Days after the reportable day (India: after the month ends, to the 15th) by which the report is filed.",
    ),
    "suspicious_report_amount": Metric(
        "Suspicious activity report from",
        "money",
        "Suspicious activity involving at least this amount is reported (0: whatever the amount).",
    ),
    "suspicious_report_due_days": Metric(
        "Suspicious activity report due",
        "days",
        "Days after the suspicion is established (US: after initial detection) by which the report is filed.",
    ),
    "cross_border_wire_amount": Metric(
        "Cross-border wire report",
        "money",
        "A wire to or from another country over this amount is reported (US: its payer and payee are recorded).",
    ),
    "records_retention_years": Metric(
        "Records kept",
        "years",
        "Years transaction and identification records are kept (EU: after the business relationship ends).",
    ),
    "kyc_review_years_high": Metric(
        "KYC review, high risk", "years", "A high-risk customer's KYC is reviewed at least this often."
    ),
    "kyc_review_years_medium": Metric(
        "KYC review, medium risk", "years", "A medium-risk customer's KYC is reviewed at least this often."
    ),
    "kyc_review_years_low": Metric(
        "KYC review, low risk", "years", "A low-risk customer's KYC is reviewed at least this often."
    ),
    "structuring_count": Metric(
        "Structuring: deposits",
        "count",
        "This many cash deposits, each below the cash report amount, that together exceed it within the window.",
    ),
    "structuring_window_days": Metric("Structuring: window", "days", "The window the deposits fall in."),
    "structuring_band_percent": Metric(
        "Structuring: near the threshold",
        "percent",
        "Each deposit is at least this share of the cash report amount (and below it).",
    ),
    "rapid_movement_hours": Metric("Rapid movement: within", "hours", "An inflow that mostly leaves within this time."),
    "rapid_movement_percent": Metric("Rapid movement: share", "percent", "The share of the inflow that leaves."),
    "rapid_movement_min_amount": Metric(
        "Rapid movement: inflows from", "money", "Inflows of at least this amount are followed."
    ),
    "round_amount_count": Metric(
        "Round amounts: how many",
        "count",
        "This many cash or wire transactions in round thousands within the window.",
    ),
    "round_amount_window_days": Metric("Round amounts: window", "days", "The window the round amounts fall in."),
    "dormant_days": Metric("Dormant account", "days", "An account without activity for this long that becomes active."),
    # The compliance score's KPIs (`score.kpis` computes them; `docs/compliance.md` defines each).
    "kpi_aml_cases_past_sla": _kpi("aml", "AML cases past their SLA", "percent",
                                   "Open compliance cases past their SLA, of all open compliance cases."),
    "kpi_aml_actions_overdue": _kpi("aml", "AML actions overdue", "count",
                                    "Corrective actions in AML past their day and not done."),
    "kpi_kyc_overdue_high": _kpi("kyc", "KYC reviews overdue, high risk", "percent",
                                 "High-risk customers whose KYC review is past its day, of all high-risk customers."),
    "kpi_kyc_overdue_medium": _kpi("kyc", "KYC reviews overdue, medium risk", "percent",
                                   "Medium-risk customers whose KYC review is past its day, of all medium-risk."),
    "kpi_kyc_overdue_low": _kpi("kyc", "KYC reviews overdue, low risk", "percent",
                                "Low-risk customers whose KYC review is past its day, of all low-risk customers."),
    "kpi_kyc_unscreened": _kpi("kyc", "Customers never screened", "percent",
                               "Customers with no screening result, of all customers with a KYC record."),
    "kpi_kyc_actions_overdue": _kpi("kyc", "KYC actions overdue", "count",
                                    "Corrective actions in KYC past their day and not done."),
    "kpi_dp_past_retention": _kpi("data_protection", "Records past their retention", "count",
                                  "Transactions older than the records-kept period still stored."),
    "kpi_dp_full_numbers_outside_role": _kpi(
        "data_protection", "Full account numbers shown outside the compliance role", "count",
        "Pages or API answers that showed full account numbers in the last 30 days to people who are not "
        "compliance officers (an administrator, a permission granted to one person)."),
    "kpi_dp_actions_overdue": _kpi("data_protection", "Data protection actions overdue", "count",
                                   "Corrective actions in data protection past their day and not done."),
    "kpi_rr_cash_reports_late": _kpi(
        "reporting", "Cash reports late", "percent",
        "Reportable cash patterns of the last year whose case was not closed by the report's due day, of those "
        "whose due day has passed."),
    "kpi_rr_suspicious_reports_late": _kpi(
        "reporting", "Suspicion decisions late", "percent",
        "Compliance cases of the last year not decided (closed) within the suspicious-report period, of those "
        "whose period has passed."),
    "kpi_rr_actions_overdue": _kpi("reporting", "Reporting actions overdue", "count",
                                   "Corrective actions in regulatory reporting past their day and not done."),
}  # fmt: skip


@dataclass(frozen=True)
class Level:
    breach: Decimal
    source: str
    warning: Decimal | None = None
    currency: str = ""
    target: Decimal | None = None  # KPIs: the level aimed at (scores 100)
    weight: Decimal | None = None  # KPIs: its weight in its domain's score and the overall score


def _money(value: str, currency: str, source: str, warning: str | None = None) -> Level:
    return Level(Decimal(value), source, Decimal(warning) if warning else None, currency)


def _n(value: str, source: str) -> Level:
    return Level(Decimal(value), source)


BANK_POLICY = "Bank policy (no fixed period in law): set to the bank's own risk assessment."
SCENARIO = "Monitoring parameter (the bank's own calibration), not a legal level."


def _monitoring(rapid_from: Level) -> dict[str, Level]:
    """The scenarios' own calibration, the same under every profile but for the inflow a rapid movement
    starts from (an amount in the profile's currency)."""
    return {
        "structuring_count": _n("3", SCENARIO),
        "structuring_window_days": _n("7", SCENARIO),
        "structuring_band_percent": _n("80", SCENARIO),
        "rapid_movement_hours": _n("48", SCENARIO),
        "rapid_movement_percent": _n("80", SCENARIO),
        "rapid_movement_min_amount": rapid_from,
        "round_amount_count": _n("3", SCENARIO),
        "round_amount_window_days": _n("30", SCENARIO),
        "dormant_days": _n("365", SCENARIO),
    }


KPI_POLICY = "Compliance score: the bank's own target, warning and breach levels and weight."


def _kpi_levels(target: str, warning: str, breach: str, weight: str) -> Level:
    return Level(Decimal(breach), KPI_POLICY, Decimal(warning), target=Decimal(target), weight=Decimal(weight))


def _kpis() -> dict[str, Level]:
    """The score's levels, the same under every profile (the bank's risk appetite, not law)."""
    actions = _kpi_levels("0", "1", "3", "2")
    return {
        "kpi_aml_cases_past_sla": _kpi_levels("0", "10", "25", "3"),
        "kpi_aml_actions_overdue": actions,
        "kpi_kyc_overdue_high": _kpi_levels("0", "2", "5", "3"),
        "kpi_kyc_overdue_medium": _kpi_levels("0", "5", "10", "2"),
        "kpi_kyc_overdue_low": _kpi_levels("0", "10", "20", "1"),
        "kpi_kyc_unscreened": _kpi_levels("0", "5", "20", "2"),
        "kpi_kyc_actions_overdue": actions,
        "kpi_dp_past_retention": _kpi_levels("0", "1", "1000", "2"),
        "kpi_dp_full_numbers_outside_role": _kpi_levels("0", "1", "10", "2"),
        "kpi_dp_actions_overdue": actions,
        "kpi_rr_cash_reports_late": _kpi_levels("0", "5", "10", "3"),
        "kpi_rr_suspicious_reports_late": _kpi_levels("0", "5", "10", "3"),
        "kpi_rr_actions_overdue": actions,
    }


PROFILES: dict[str, dict[str, Level]] = {
    "us": {
        "cash_report_amount": _money(
            "10000",
            "USD",
            "31 CFR 1010.311 (cash over $10,000), 1010.313 (aggregation by or for one person in one business day)",
            warning="8000",
        ),
        "cash_report_due_days": _n("15", "31 CFR 1010.306(a)(1): within 15 days after the transaction"),
        "suspicious_report_amount": _money("5000", "USD", "31 CFR 1020.320(a)(2): at least $5,000"),
        "suspicious_report_due_days": _n("30", "31 CFR 1020.320(b)(3): within 30 days of initial detection"),
        "cross_border_wire_amount": _money(
            "3000", "USD", "31 CFR 1010.410(f): records of funds transfers of $3,000 or more (travel rule)"
        ),
        "records_retention_years": _n("5", "31 CFR 1010.430(d): five years"),
        "kyc_review_years_high": _n("1", BANK_POLICY),
        "kyc_review_years_medium": _n("3", BANK_POLICY),
        "kyc_review_years_low": _n("5", BANK_POLICY),
        **_monitoring(_money("5000", "USD", SCENARIO)),
        **_kpis(),
    },
    "in": {
        "cash_report_amount": _money(
            "1000000",
            "INR",
            "PMLA Rules 2005, rule 3(1)(A)-(B): cash over ₹10 lakh, or "
            "integrally connected cash transactions over ₹10 lakh in a month",
            warning="800000",
        ),
        "cash_report_due_days": _n("15", "PMLA Rules 2005, rule 8(1): by the 15th of the succeeding month"),
        "suspicious_report_amount": _money(
            "0", "INR", "PMLA Rules 2005, rule 3(1)(D): every suspicious transaction, whatever its amount"
        ),
        "suspicious_report_due_days": _n(
            "7",
            "PMLA Rules 2005, rule 8(2): within 7 working days of being "
            "satisfied that it is suspicious (counted here as calendar days)",
        ),
        "cross_border_wire_amount": _money(
            "500000", "INR", "PMLA Rules 2005, rule 3(1)(F): cross-border wire transfers over ₹5 lakh"
        ),
        "records_retention_years": _n("5", "PMLA 2002, section 12(1): five years"),
        "kyc_review_years_high": _n("2", "RBI Master Direction - KYC, 2016, section 38: every two years"),
        "kyc_review_years_medium": _n("8", "RBI Master Direction - KYC, 2016, section 38: every eight years"),
        "kyc_review_years_low": _n("10", "RBI Master Direction - KYC, 2016, section 38: every ten years"),
        **_monitoring(_money("500000", "INR", SCENARIO)),
        **_kpis(),
    },
    "eu": {
        "cash_report_amount": _money(
            "10000",
            "EUR",
            "No EU-wide cash report for banks: the member state's FIU or "
            "the bank sets it (Directive (EU) 2015/849, art. 2(1)(3)(e) names EUR 10,000 "
            "for traders in goods)",
            warning="8000",
        ),
        "cash_report_due_days": _n("15", BANK_POLICY),
        "suspicious_report_amount": _money(
            "0", "EUR", "Directive (EU) 2015/849, art. 33: every suspicion, whatever the amount"
        ),
        "suspicious_report_due_days": _n("30", BANK_POLICY),
        "cross_border_wire_amount": _money(
            "1000",
            "EUR",
            "Regulation (EU) 2015/847, art. 5-6: transfers over EUR 1,000 carry verified payer information",
        ),
        "records_retention_years": _n(
            "5", "Directive (EU) 2015/849, art. 40(1): five years after the business relationship ends"
        ),
        "kyc_review_years_high": _n("1", BANK_POLICY),
        "kyc_review_years_medium": _n("3", BANK_POLICY),
        "kyc_review_years_low": _n("5", BANK_POLICY),
        **_monitoring(_money("5000", "EUR", SCENARIO)),
        **_kpis(),
    },
}

PROFILE_NAMES = {"us": "United States (BSA)", "in": "India (PMLA / RBI)", "eu": "European Union (AMLD)"}
