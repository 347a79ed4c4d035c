"""Checks on a cheque's fields, each with the points it adds to the risk score when it fails.

Routing numbers by country: US ABA routing (9 digits, the 3-7-1 checksum), Canada (5-digit transit and
3-digit institution), India CTS-2010 (9-digit sort code: city, bank, branch).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

STALE_AFTER = {"us": 183, "ca": 183, "in": 92}  # days: six months, or three under CTS-2010


@dataclass(frozen=True)
class Check:
    code: str
    passed: bool | None  # None: could not be checked (a field is missing)
    weight: int
    explanation: str

    def as_dict(self) -> dict:
        return {"code": self.code, "passed": self.passed, "weight": self.weight, "explanation": self.explanation}


def aba_checksum_ok(routing: str) -> bool:
    if len(routing) != 9 or not routing.isdigit():
        return False
    d = [int(c) for c in routing]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0


def routing_ok(country: str, routing: str) -> bool:
    if country == "us":
        return aba_checksum_ok(routing)
    if country == "ca":  # transit (5) + institution (3)
        return len(routing) == 8 and routing.isdigit()
    if country == "in":  # CTS-2010 sort code: city (3) + bank (3) + branch (3)
        return len(routing) == 9 and routing.isdigit() and routing[:3] != "000"
    return False


def run_checks(*, country: str, fields: dict, declared_amount: Decimal | None, today: date,
               duplicate_of: str | None) -> list[Check]:  # fmt: skip
    """Every validation on the cheque's current field values (keyed values win over read ones).
    `duplicate_of` describes an earlier presentment of the same routing, account and serial."""
    checks: list[Check] = []
    routing = fields.get("routing") or ""
    checks.append(Check("routing", routing_ok(country, routing) if routing else None, 70,
                        f"The routing number {routing or '(none)'} is not valid for {country.upper()}."))  # fmt: skip
    car, lar = fields.get("amount"), fields.get("legal_amount")
    checks.append(Check("car_lar", car == lar if car is not None and lar is not None else None, 60,
                        f"The amount in figures ({car}) and in words ({lar}) disagree."))  # fmt: skip
    issued: date | None = fields.get("date")
    if issued is not None:
        stale_days = STALE_AFTER.get(country, 183)
        checks.append(Check("stale", issued >= today - timedelta(days=stale_days), 50,
                            f"The cheque is dated {issued} and went stale after {stale_days} days."))  # fmt: skip
        checks.append(Check("post_dated", issued <= today, 40, f"The cheque is post-dated ({issued})."))
    else:
        checks.append(Check("stale", None, 50, "No date to check."))
        checks.append(Check("post_dated", None, 40, "No date to check."))
    number, serial = fields.get("cheque_number") or "", fields.get("serial") or ""
    checks.append(Check("serial", number.lstrip("0") == serial.lstrip("0") if number and serial else None, 40,
                        f"The cheque number {number} does not match the MICR serial {serial}."))  # fmt: skip
    read = car if car is not None else lar
    agree = declared_amount == read if declared_amount is not None and read is not None else None
    checks.append(Check("declared", agree, 50, f"The depositor declared {declared_amount}; the cheque says {read}."))
    duplicate = f"Duplicate presentment: routing, account and serial match {duplicate_of}."
    checks.append(Check("duplicate", duplicate_of is None, 90, duplicate))
    return checks


def risk(checks: list[Check]) -> tuple[int, list[dict]]:
    failed = [c for c in checks if c.passed is False]
    failed.sort(key=lambda c: -c.weight)
    reasons = [{"type": "rule", "rule": f"cheque-{c.code}", "version": 1, "weight": c.weight,
                "explanation": c.explanation} for c in failed]  # fmt: skip
    return min(100, sum(c.weight for c in failed)), reasons


def mark_checks(marks: dict[str, str]) -> list[Check]:
    """The signature on the front and the endorsement on the back ("yes"/"no"; absent: not looked at)."""
    out = []
    if "signature" in marks:
        out.append(Check("signature", marks["signature"] == "yes", 60, "No signature was found on the cheque."))
    if "endorsement" in marks:
        out.append(Check("endorsement", marks["endorsement"] == "yes", 20, "The back of the cheque is not endorsed."))
    return out
