import json
import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from apps.fraud.ml import registry
from apps.fraud.ml.training import TrainingError, train
from apps.fraud.models import ModelVersion
from apps.fraud.tasks import train_if_new_labels
from apps.transactions import services as txn_services
from apps.transactions.models import Transaction
from apps.transactions.simulator import simulate

START = date(2026, 1, 1)
WINDOWS = {
    "train_start": datetime(2026, 1, 1, tzinfo=UTC), "train_end": datetime(2026, 1, 22, tzinfo=UTC),
    "test_start": datetime(2026, 1, 29, tzinfo=UTC), "test_end": datetime(2026, 2, 5, tzinfo=UTC),
}  # fmt: skip


@pytest.fixture
def history(db):
    rows = simulate(customers=150, terminals=250, days=36, start=START, seed=11, fraud_rate=0.04)
    return txn_services.simulated_store(rows=rows, label_delay=timedelta(days=7))


def test_training_is_reproducible_beats_the_amount_baseline_and_becomes_active(history):
    first = train(**WINDOWS, seed=3)
    assert first.status == "active"
    m = first.metrics
    assert m["average_precision"] > 1.5 * m["baseline_amount_logreg"]["average_precision"]
    assert {"roc_auc", "precision_at_review", "recall_at_review", "card_precision_at_100"} <= set(m)
    assert first.importances and first.feature_names[0] == "amount"
    assert first.library_versions["scikit-learn"]

    again = train(**WINDOWS, seed=3)
    assert again.metrics["average_precision"] == m["average_precision"]  # same data, same seed, same model
    assert again.status == "candidate"  # not better than the active one on the same test window
    assert again.metrics["active_model_on_same_test"]["version"] == first.version


def test_a_tampered_artefact_is_refused_and_scoring_falls_back_to_the_rules(history, caplog):
    model = train(**WINDOWS, seed=1)
    registry._cache.clear()
    with default_storage.open(model.artifact, "rb") as fh:
        data = bytearray(fh.read())
    data[len(data) // 2] ^= 0xFF
    default_storage.delete(model.artifact)
    default_storage.save(model.artifact, ContentFile(bytes(data)))
    with pytest.raises(registry.SignatureError):
        registry.read_artifact(model.artifact, model.signature)
    with caplog.at_level(logging.ERROR):
        assert registry.load_active() is None
    assert "does not match its signature" in caplog.text
    row = {"customer_ref": "X", "amount": "5", "occurred_at": datetime(2026, 2, 6, 12, tzinfo=UTC)}
    txn = txn_services.transaction_ingest(actor=None, data=row)
    assert txn.model_version == "" and txn.rule_set_version


def test_a_model_from_another_scikit_learn_is_not_loaded(history):
    model = train(**WINDOWS, seed=1)
    registry._cache.clear()
    ModelVersion.objects.filter(pk=model.pk).update(library_versions={"scikit-learn": "0.24.2"})
    assert registry.load_active() is None


def test_scores_record_the_model_version_and_alerts_explain_the_model(history):
    model = train(**WINDOWS, seed=2)
    registry._cache.clear()
    when = datetime(2026, 2, 6, 12, tzinfo=UTC)
    row = {"customer_ref": "C000001", "terminal_id": "T000001", "occurred_at": when}
    usual = txn_services.transaction_ingest(actor=None, data={**row, "amount": "20.00"})
    assert usual.model_version == model.version
    assert any(r["type"] == "model" for r in usual.reasons)
    spike = txn_services.transaction_ingest(actor=None, data={**row, "amount": "950.00"})
    model_reason = next(r for r in spike.reasons if r["type"] == "model")
    assert spike.decision != "approve" and model_reason["weight"] > 50
    assert "amount" in [f["feature"] for f in model_reason["top_features"]]


def test_training_without_enough_labels_says_so(db):
    with pytest.raises(TrainingError, match="Not enough labelled history"):
        train(**WINDOWS)
    with pytest.raises(TrainingError, match="in order"):
        train(**{**WINDOWS, "test_start": WINDOWS["train_start"]})


def test_train_command_prints_json_metrics(history, capsys):
    call_command("train_fraud_model", "--train", "2026-01-01", "2026-01-22", "--test", "2026-01-29", "2026-02-05",
                 "--json")  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "active" and result["metrics"]["average_precision"] > 0
    with pytest.raises(CommandError, match="Not enough"):
        call_command("train_fraud_model", "--train", "2025-01-01", "2025-01-22", "--test", "2025-01-29", "2025-02-05")


def test_the_scheduler_retrains_only_when_enough_labels_arrived(db, settings):
    settings.MODEL_RETRAIN_MIN_NEW_LABELS = 10
    assert train_if_new_labels() == {"trained": False, "new_labels": 0}


def test_a_file_is_scored_by_the_model_even_when_a_chunk_is_all_rejected(history, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.transactions import files

    model = train(**WINDOWS, seed=2)
    registry._cache.clear()
    monkeypatch.setattr(files, "CHUNK_ROWS", 2)
    text = "transaction_id,timestamp,customer_id,terminal_id,amount\n" + (
        "F1,2026-02-06 12:00:00,C000001,T000001,20.00\nF2,2026-02-06 12:05:00,C000001,T000001,950.00\n"
        "F3,2026-02-06 12:10:00,C000001,T000001,zero\nF4,not a time,C000001,T000001,5.00\n"  # a chunk all rejected
        "F5,2026-02-06 12:20:00,C000002,T000002,30.00\n"
    )
    upload = SimpleUploadedFile("cards.csv", text.encode(), "text/csv")
    record = files.transaction_file_create(actor=None, upload=upload, fmt="card", process_now=True)
    record = files.transaction_file_process(file_id=record.pk)
    assert (record.status, record.rows_stored, record.rows_rejected) == ("done", 3, 2)
    stored = Transaction.objects.filter(external_id__in=["F1", "F2", "F5"])
    assert {t.model_version for t in stored} == {model.version}
    spike = stored.get(external_id="F2")
    assert spike.decision != "approve"
    assert next(r for r in spike.reasons if r["type"] == "model")["top_features"]
