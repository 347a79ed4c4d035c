"""A cheque's risk score: the points of its failed checks (`validation`, rules) and, once one has been
trained and activated, the fraud probability from the cheque model (scikit-learn, trained and
registered in apps/fraud: `manage.py train_fraud_model --kind cheque`, on cheques labelled by decided
cases). The score is the higher of the two; the reasons name both.

`features` is the one code path from a cheque to the model's numbers: the pipeline and the keying
screen call it when they score, and training calls it (through `stored_features`) on stored cheques.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from . import validation

CHECK_CODES = ("routing", "car_lar", "stale", "post_dated", "serial", "declared", "duplicate", "signature",
               "endorsement")  # fmt: skip
CHEQUE_FEATURES = [
    "amount",  # first: the baseline model is a logistic regression on it alone
    *(f"failed_{code}" for code in CHECK_CODES),
    "failed_points", "min_confidence", "mean_confidence", "corrected_fields", "days_since_issue",
    "drawer_cheques_90d", "drawer_amount_ratio",
]  # fmt: skip
DRAWER_WINDOW = timedelta(days=90)


def features(*, checks: list[dict], amount: Decimal | None, issued: date | None, confidences: list[float],
             corrected: int, drawer_amounts: list, at: datetime) -> dict:  # fmt: skip
    """The model's features of one cheque. `checks` as stored (`Check.as_dict`): failed 1, passed 0,
    not checked missing. `drawer_amounts`: the earlier cheques drawn on the same account."""
    outcome = {c["code"]: c["passed"] for c in checks}
    out: dict = {"amount": float(amount) if amount is not None else None}
    for code in CHECK_CODES:
        passed = outcome.get(code)
        out[f"failed_{code}"] = None if passed is None else float(passed is False)
    out["failed_points"] = float(sum(c["weight"] for c in checks if c["passed"] is False))
    out["min_confidence"] = min(confidences) if confidences else None
    out["mean_confidence"] = sum(confidences) / len(confidences) if confidences else None
    out["corrected_fields"] = float(corrected)
    out["days_since_issue"] = float((timezone.localdate(at) - issued).days) if issued else None
    prior = [float(a) for a in drawer_amounts if a is not None]
    out["drawer_cheques_90d"] = float(len(drawer_amounts))
    usual = sum(prior) / len(prior) if prior else 0.0
    out["drawer_amount_ratio"] = float(amount) / usual if amount is not None and usual > 0 else None
    return out


def drawer_amounts(*, micr_key: str, before: datetime, exclude: int | None = None) -> list:
    """The amounts of the cheques drawn on the same account (routing and account number) presented in
    the 90 days before `before`."""
    from .models import Cheque

    routing, _, rest = micr_key.partition("|")
    account = rest.partition("|")[0]
    if not routing or not account:
        return []
    found = Cheque.objects.filter(routing=routing, micr_key__startswith=f"{routing}|{account}|",
                                  created_at__lt=before, created_at__gte=before - DRAWER_WINDOW)  # fmt: skip
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return list(found.values_list("amount", flat=True))


def assess(checks: list[validation.Check], feats: dict) -> tuple[int, list[dict], str]:
    """(score 0-100, reasons, the model version or "") for a cheque's checks and features."""
    from .ports import risk_engine

    score, reasons = validation.risk(checks)
    opinion = risk_engine.get().cheque_opinion(feats)
    if opinion is None:
        return score, reasons, ""
    reasons = sorted([*reasons, opinion.reason], key=lambda r: -r["weight"])
    return max(score, opinion.points), reasons, opinion.version


def stored_features(cheque) -> dict:
    """`features` of a stored cheque, from what its last scoring stored (training's side)."""
    from . import fields as field_specs

    stored = {f.name: f for f in cheque.fields.all()}
    issued = None
    if "date" in stored:
        try:
            issued = field_specs.parse("date", stored["date"].value)
        except ValidationError:
            issued = None
    return features(
        checks=cheque.validations, amount=cheque.amount, issued=issued,
        confidences=[f.read_confidence for f in stored.values() if f.read_confidence is not None],
        corrected=corrected_count({n: f.read_value for n, f in stored.items()},
                                  {n: f.keyed_value for n, f in stored.items() if f.keyed_at}),
        drawer_amounts=drawer_amounts(micr_key=cheque.micr_key, before=cheque.created_at, exclude=cheque.pk),
        at=cheque.created_at,
    )  # fmt: skip


def corrected_count(read: dict[str, str], keyed: dict[str, str]) -> int:
    """How many fields a person keyed differently from what was read."""
    return sum(1 for name, value in keyed.items() if value.strip() != (read.get(name) or "").strip())


def labelled_between(train_start, train_end, test_start, test_end) -> tuple[list, list]:
    """(cheque, features, 1 if fraud) for the labelled cheques presented in each window."""
    from .models import Cheque

    train, test = [], []
    cheques = (Cheque.objects.exclude(label="").filter(created_at__gte=train_start, created_at__lt=test_end)
               .prefetch_related("fields").order_by("created_at"))  # fmt: skip
    for cheque in cheques:
        row = (cheque, stored_features(cheque), 1 if cheque.label == "fraud" else 0)
        if cheque.created_at < train_end:
            train.append(row)
        elif cheque.created_at >= test_start:
            test.append(row)
    return train, test
