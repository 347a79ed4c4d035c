"""The cheque risk model: cheques are labelled by decided cases, a scikit-learn model is trained on them
in the fraud model registry (its own kind, its own active model), and the pipeline and the keying
screen score with it beside the rules."""

from __future__ import annotations

import hashlib
import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.cheques import generator, risk, services
from apps.cheques.models import Cheque, ChequeField
from apps.core.models import AuditEvent
from apps.fraud.cases import services as cases
from apps.fraud.ml import registry
from apps.fraud.ml.training import train
from apps.fraud.models import ModelVersion
from apps.fraud.services import cheque_flag

from .test_keying import _values, _waiting

WEIGHTS = {"routing": 70, "car_lar": 60, "stale": 50, "post_dated": 40, "serial": 40, "declared": 50,
           "duplicate": 90}  # fmt: skip


def _stored(n: int, *, fraud: bool, at, rng: random.Random, label: str | None = None) -> Cheque:
    """A processed cheque as the pipeline stores it. Frauds: amounts in words and figures disagree, or the
    declared amount differs, on a large cheque from a drawer who usually writes small ones."""
    failed = set(rng.sample(["car_lar", "declared"], k=rng.choice([1, 2]))) if fraud else set()
    amount = Decimal(rng.randrange(4000, 9000) if fraud else rng.randrange(40, 900))
    drawer = f"{n % 7:02d}"
    label = ("fraud" if fraud else "legitimate") if label is None else label
    cheque = Cheque.objects.create(
        front=f"cheques/{n}.png", front_sha256=hashlib.sha256(str(n).encode()).hexdigest(), image_hash=f"{n:016x}",
        image_format="PNG", width=1200, height=540, source="api", status="cleared", amount=amount,
        routing="031300465", micr_key=f"031300465|0238{drawer}|{1000 + n}", label=label,
        validations=[{"code": c, "passed": c not in failed, "weight": w, "explanation": c} for c, w in WEIGHTS.items()],
    )  # fmt: skip
    Cheque.objects.filter(pk=cheque.pk).update(created_at=at)
    cheque.refresh_from_db()
    issued = (timezone.localtime(at) - timedelta(days=rng.randrange(1, 20))).date().isoformat()
    for name, value, confidence in [("amount", str(amount), rng.uniform(0.9, 1)), ("date", issued, 0.99),
                                    ("routing", "031300465", rng.uniform(0.95, 1))]:  # fmt: skip
        ChequeField.objects.create(cheque=cheque, name=name, read_value=value, read_confidence=confidence,
                                   read_source="ocr")  # fmt: skip
    return cheque


@pytest.fixture
def history(db):
    """70 days of labelled cheques, one in four a fraud; the test window is the last 14 days."""
    rng = random.Random(7)
    now = timezone.now()
    for n in range(240):
        _stored(n, fraud=n % 4 == 0, at=now - timedelta(days=70) + timedelta(hours=7 * n), rng=rng)
    registry.forget_active()
    yield now
    registry.forget_active()


def _windows(now):
    return {"train_start": now - timedelta(days=71), "train_end": now - timedelta(days=21),
            "test_start": now - timedelta(days=14), "test_end": now + timedelta(days=1)}  # fmt: skip


def test_a_cheque_model_trains_on_labelled_cheques_and_becomes_the_active_cheque_model(history):
    model = train(**_windows(history), kind=ModelVersion.Kind.CHEQUE)
    assert (model.kind, model.status, model.feature_names) == ("cheque", "active", risk.CHEQUE_FEATURES)
    metrics = model.metrics
    assert metrics["frauds"] > 0 and metrics["card_precision_at_100"] is None
    assert metrics["average_precision"] >= 0.95
    assert metrics["average_precision"] > metrics["baseline_amount_logreg"]["average_precision"] - 0.05
    assert {name for name, _ in model.importances[:3]} & {"failed_car_lar", "failed_declared", "failed_points"}
    # Each kind has its own active model: the transactions' is untouched.
    assert registry.load_active(ModelVersion.Kind.TRANSACTION) is None
    assert registry.load_active(ModelVersion.Kind.CHEQUE).version == model.version


def test_the_pipeline_scores_with_the_active_cheque_model_and_names_it(history):
    model = train(**_windows(history), kind=ModelVersion.Kind.CHEQUE)
    rng = random.Random(99)
    fraud = risk.stored_features(_stored(1000, fraud=True, at=history, rng=rng))
    clean = risk.stored_features(_stored(1001, fraud=False, at=history, rng=rng))
    no_checks_failed = risk.validation.run_checks(country="us", fields={}, declared_amount=None,
                                                  today=timezone.localdate(), duplicate_of=None)  # fmt: skip
    score, reasons, version = risk.assess(no_checks_failed, fraud)
    assert version == model.version and score >= 40
    assert reasons[0]["type"] == "model" and reasons[0]["model"] == model.version
    assert reasons[0]["top_features"] and reasons[0]["explanation"].startswith(f"Cheque model score {score}/100")
    score, reasons, _ = risk.assess(no_checks_failed, clean)
    assert score < 40 and [r["type"] for r in reasons] == ["model"]


def test_keying_rescores_with_the_cheque_model_and_records_its_version(history, analyst):
    model = train(**_windows(history), kind=ModelVersion.Kind.CHEQUE)
    cheque = _waiting()
    keyed = services.cheque_key(cheque=cheque, actor=analyst, values=_values(), country="us")
    assert keyed.model_version == model.version
    assert any(r["type"] == "model" and r["model"] == model.version for r in keyed.risk_reasons)
    # What keying scored with is what training reads back from the stored cheque.
    stored = risk.stored_features(Cheque.objects.get(pk=keyed.pk))
    assert stored["corrected_fields"] >= 1 and stored["failed_car_lar"] == 0.0


def test_without_a_cheque_model_the_rules_alone_score(history):
    checks = risk.validation.run_checks(country="us", fields={"routing": "123456789"}, declared_amount=None,
                                        today=timezone.localdate(), duplicate_of=None)  # fmt: skip
    score, reasons, version = risk.assess(checks, risk.stored_features(Cheque.objects.first()))
    assert (score, version) == (70, "") and [r["rule"] for r in reasons] == ["cheque-routing"]


def test_too_few_labelled_cheques_is_a_clear_refusal(db):
    from apps.fraud.ml.training import TrainingError

    now = timezone.now()
    with pytest.raises(TrainingError, match="labelled cheques"):
        train(**_windows(now), kind=ModelVersion.Kind.CHEQUE)


def test_a_decided_case_labels_its_cheques_for_training(team, analyst):
    rng = random.Random(3)
    cheque = _stored(1, fraud=True, at=timezone.now(), rng=rng, label="")
    alert = cheque_flag(cheque=cheque, score=60, reasons=[])
    case = cases.case_claim(case=alert.case, actor=analyst)
    cases.case_propose(case=case, actor=analyst, outcome="false_positive", note="Drawer confirmed it")
    cheque.refresh_from_db()
    assert cheque.label == "legitimate" and cheque.labelled_at is not None
    assert AuditEvent.objects.filter(action="cheque.label", object_id=str(cheque.pk)).exists()


def test_the_features_scored_in_the_pipeline_are_the_ones_training_reads_back(
    db, django_capture_on_commit_callbacks, monkeypatch
):
    """One code path: what the route step scored a cheque on equals what training computes from the
    stored cheque, drawer history included (an earlier cheque on the same account)."""
    from .test_reading import _process

    scored = []
    real = risk.assess
    monkeypatch.setattr(risk, "assess", lambda checks, feats: scored.append(feats) or real(checks, feats))
    g = generator.generate(4, country="us", clean=True)
    first = _process(g, django_capture_on_commit_callbacks)
    Cheque.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=3))
    second = _process(generator.generate(4, country="us", clean=False), django_capture_on_commit_callbacks)
    assert second.micr_key == first.micr_key and len(scored) == 2
    assert scored[1]["drawer_cheques_90d"] == 1.0 and scored[1]["failed_duplicate"] == 1.0
    assert risk.stored_features(Cheque.objects.get(pk=second.pk)) == scored[1]
