"""Checks on a cheque's fields, each with the points it adds to the risk score when it fails.

Routing numbers by country: US ABA routing (9 digits, the 3-7-1 checksum), Canada (5-digit transit and
3-digit institution), India CTS-2010 (9-digit sort code: city, bank, branch). A well-formed Canadian or
Indian number must also be in the country's bank directory (Payments Canada's institution numbers; the
RBI's bank-branch list), and an Indian cheque's printed IFSC must be the branch its MICR sort code names.
With no directory loaded for the country those checks cannot pass: they are reported as not checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from .directory import AUTHORITY, Branch, Institution

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


class Directory(Protocol):
    """A country's bank directory as loaded (`selectors.bank_directory`)."""

    country: str

    @property
    def version(self) -> str: ...  # e.g. "the RBI bank-branch directory loaded on 2026-03-04 10:00 IST"

    def branches_with_micr(self, micr: str) -> list[Branch]: ...

    def branch(self, ifsc: str) -> Branch | None: ...

    def institution(self, number: str) -> Institution | None: ...


# Checks that need the bank directory: when they could not run, the cheque page and the route say why.
DIRECTORY_CHECKS = ("routing", "ifsc")
ROUTING_WEIGHT, IFSC_WEIGHT = 70, 60


def routing_ok(country: str, routing: str) -> bool:
    """Whether the routing number is well-formed for the country (the ABA checksum in the US)."""
    if country == "us":
        return aba_checksum_ok(routing)
    if country == "ca":  # transit (5) + institution (3)
        return len(routing) == 8 and routing.isdigit()
    if country == "in":  # CTS-2010 sort code: city (3) + bank (3) + branch (3)
        return len(routing) == 9 and routing.isdigit() and routing[:3] != "000"
    return False


def _unchecked(country: str, what: str) -> str:
    name = {"in": "India", "ca": "Canada"}[country]
    return f"{what} could not be checked: no {AUTHORITY[country]} is loaded for {name}."


def routing_check(country: str, routing: str, directory: Directory | None) -> Check:
    """The routing number: well-formed for the country, and for Canada and India in its directory."""
    if not routing:
        return Check("routing", None, ROUTING_WEIGHT, "No routing number to check.")
    if not routing_ok(country, routing):
        return Check(
            "routing", False, ROUTING_WEIGHT, f"The routing number {routing} is not valid for {country.upper()}."
        )
    if country == "in":
        if directory is None:
            return Check("routing", None, ROUTING_WEIGHT, _unchecked("in", f"The sort code {routing}"))
        found = directory.branches_with_micr(routing)
        if not found:
            return Check("routing", False, ROUTING_WEIGHT,
                         f"The sort code {routing} is not in {directory.version}.")  # fmt: skip
        return Check("routing", True, ROUTING_WEIGHT,
                     f"The sort code {routing} is {'; '.join(b.describe() for b in found)}.")  # fmt: skip
    if country == "ca":
        transit, number = routing[:5], routing[5:]
        if directory is None:
            return Check("routing", None, ROUTING_WEIGHT, _unchecked("ca", f"The institution number {number}"))
        institution = directory.institution(number)
        if institution is None:
            return Check("routing", False, ROUTING_WEIGHT, f"The institution number {number} (transit {transit}) is "
                                                           f"not in {directory.version}.")  # fmt: skip
        return Check("routing", True, ROUTING_WEIGHT, f"The institution number {number} is {institution.name}.")
    return Check("routing", True, ROUTING_WEIGHT, f"The routing number {routing} passes the ABA checksum.")


def ifsc_check(ifsc: str, routing: str, directory: Directory | None) -> Check:
    """An Indian cheque's printed IFSC names a branch; its MICR sort code must be the one on the MICR line."""
    if not ifsc:
        return Check("ifsc", None, IFSC_WEIGHT, "No IFSC was read on the cheque, so its branch was not compared "
                                                "with the MICR sort code.")  # fmt: skip
    if directory is None:
        return Check("ifsc", None, IFSC_WEIGHT, _unchecked("in", f"The IFSC {ifsc}"))
    branch = directory.branch(ifsc)
    if branch is None:
        return Check(
            "ifsc", False, IFSC_WEIGHT, f"The IFSC {ifsc} printed on the cheque is not in {directory.version}."
        )
    if not routing:
        return Check("ifsc", None, IFSC_WEIGHT, f"No MICR sort code to compare with the IFSC {ifsc}.")
    if not branch.micr:
        return Check("ifsc", None, IFSC_WEIGHT, f"The IFSC {ifsc} ({branch.describe()}) has no MICR sort code in "
                                                f"{directory.version}, so it was not compared.")  # fmt: skip
    if branch.micr == routing:
        return Check("ifsc", True, IFSC_WEIGHT, f"The IFSC {ifsc} and the sort code {routing} are one branch: "
                                                f"{branch.describe()}.")  # fmt: skip
    others = directory.branches_with_micr(routing)
    named = "; ".join(f"{b.describe()} (IFSC {b.ifsc})" for b in others) if others else "no branch in the directory"
    return Check("ifsc", False, IFSC_WEIGHT, f"The IFSC {ifsc} is {branch.describe()} (sort code {branch.micr}), but "
                                             f"the MICR line's sort code {routing} is {named}.")  # fmt: skip


def run_checks(*, country: str, fields: dict, declared_amount: Decimal | None, today: date,
               duplicate_of: str | None, directory: Directory | None = None) -> list[Check]:  # fmt: skip
    """Every validation on the cheque's current field values (keyed values win over read ones).
    `duplicate_of` describes an earlier presentment of the same routing, account and serial; `directory`
    is the country's bank directory (None: none is loaded)."""
    checks: list[Check] = []
    routing = fields.get("routing") or ""
    checks.append(routing_check(country, routing, directory))
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
    if country == "in":
        checks.append(ifsc_check(fields.get("ifsc") or "", routing if routing_ok("in", routing) else "", directory))
    return checks


def unchecked_note(checks: list[Check]) -> str:
    """What a cleared cheque was not checked against the bank directory for, and why ("" if nothing)."""
    skipped = [c.explanation for c in checks if c.passed is None and c.code in DIRECTORY_CHECKS]
    return (" Not checked: " + " ".join(skipped)) if skipped else ""


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
