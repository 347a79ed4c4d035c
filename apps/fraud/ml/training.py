"""Train a fraud model from labelled transactions (or cheques), evaluate it on a later window, store it
signed, and promote it only when it beats the active model of its kind on the same test set."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.services import audit_record

from .. import selectors
from ..models import ModelVersion
from . import registry
from .features import MODEL_FEATURES, matrix

MIN_TRAIN_ROWS = 50


class TrainingError(ValueError):
    """Training cannot run on this data; the message says why."""


def _collect(train_start, train_end, test_start, test_end):
    from apps.transactions.selectors import transactions_between

    from ..rules.features import CUSTOMER_WINDOW

    train, test = [], []
    for txn, feats in selectors.iter_features(transactions_between(train_start, test_end, history=CUSTOMER_WINDOW)):
        if not txn.label:
            continue
        row = (txn, feats, 1 if txn.label == "fraud" else 0)
        if train_start <= txn.occurred_at < train_end:
            train.append(row)
        elif test_start <= txn.occurred_at < test_end:
            test.append(row)
    return train, test


def card_precision_at_k(rows, probs, k: int = 100) -> float | None:
    """Per day, the share of the k cards with the highest score that really had fraud; averaged over days."""
    by_day: dict[Any, dict[str, tuple[float, int]]] = defaultdict(dict)
    for (txn, _f, y), p in zip(rows, probs, strict=True):
        day = timezone.localtime(txn.occurred_at).date()
        best, fraud = by_day[day].get(txn.customer_ref, (0.0, 0))
        by_day[day][txn.customer_ref] = (max(best, float(p)), max(fraud, y))
    values = []
    for cards in by_day.values():
        top = sorted(cards.values(), key=lambda c: -c[0])[:k]
        if top:
            values.append(sum(f for _p, f in top) / len(top))
    return round(sum(values) / len(values), 4) if values else None


def evaluate(y, probs, rows, threshold: float) -> dict[str, Any]:
    """The test metrics; `rows` (transactions) also give card precision@100, None for cheques."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    both = 0 < sum(y) < len(y)
    flagged = [p >= threshold for p in probs]
    tp = sum(1 for f, t in zip(flagged, y, strict=True) if f and t)
    return {
        "rows": len(y),
        "frauds": int(sum(y)),
        "average_precision": round(float(average_precision_score(y, probs)), 4) if both else None,
        "roc_auc": round(float(roc_auc_score(y, probs)), 4) if both else None,
        "precision_at_review": round(tp / sum(flagged), 4) if sum(flagged) else None,
        "recall_at_review": round(tp / sum(y), 4) if sum(y) else None,
        "card_precision_at_100": card_precision_at_k(rows, probs) if rows is not None else None,
    }


def train(*, train_start: datetime, train_end: datetime, test_start: datetime, test_end: datetime,
          actor=None, seed: int = 0, promote: bool = True,
          kind: str = ModelVersion.Kind.TRANSACTION) -> ModelVersion:  # fmt: skip
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.inspection import permutation_importance
    from sklearn.linear_model import LogisticRegression

    if not (train_start < train_end <= test_start < test_end):
        raise TrainingError("The windows must be in order: train start < train end <= test start < test end.")
    if kind == ModelVersion.Kind.CHEQUE:
        from apps.cheques.risk import CHEQUE_FEATURES, labelled_between

        features, what = CHEQUE_FEATURES, "cheques"
        train_rows, test_rows = labelled_between(train_start, train_end, test_start, test_end)
    else:
        features, what = MODEL_FEATURES, "transactions"
        train_rows, test_rows = _collect(train_start, train_end, test_start, test_end)
    y_train = [r[2] for r in train_rows]
    y_test = [r[2] for r in test_rows]
    if len(train_rows) < MIN_TRAIN_ROWS or not 0 < sum(y_train) < len(y_train):
        raise TrainingError(
            f"Not enough labelled history to train: {len(train_rows)} labelled {what} with "
            f"{sum(y_train)} frauds in the training window (need {MIN_TRAIN_ROWS} and both classes)."
        )
    if not test_rows:
        raise TrainingError(f"No labelled {what} in the test window.")
    x_train = matrix([r[1] for r in train_rows], features)
    x_test = matrix([r[1] for r in test_rows], features)
    # A feature missing from every training row (a check no cheque went through) cannot be binned:
    # it becomes one constant value, so it has no split and a missing value at scoring changes nothing.
    x_train[:, np.isnan(x_train).all(axis=0)] = 0.0
    # Card fraud is rare (well under 1%): shallow, regularised trees; the defaults memorise the few
    # frauds. Cheques come by the hundred, not the million: smaller leaves.
    estimator = HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, max_depth=3, min_samples_leaf=50 if what == "transactions" else 10,
        l2_regularization=1.0,
        early_stopping=False, random_state=seed,
    )  # fmt: skip
    estimator.fit(x_train, y_train)
    threshold = settings.RISK_REVIEW_THRESHOLD / 100
    probs = estimator.predict_proba(x_test)[:, 1]
    card_rows = test_rows if what == "transactions" else None
    metrics = evaluate(y_test, probs, card_rows, threshold)

    baseline = LogisticRegression(max_iter=1000).fit(x_train[:, [0]], y_train)
    base_probs = baseline.predict_proba(x_test[:, [0]])[:, 1]
    metrics["baseline_amount_logreg"] = evaluate(y_test, base_probs, card_rows, threshold)
    metrics["train"] = {"rows": len(y_train), "frauds": int(sum(y_train))}

    sample = slice(0, min(len(test_rows), 5000))
    importances = []
    if 0 < sum(y_test[sample]) < len(y_test[sample]):
        imp = permutation_importance(estimator, x_test[sample], y_test[sample], scoring="average_precision",
                                     n_repeats=3, random_state=seed)  # fmt: skip
        importances = sorted(
            ([n, round(float(v), 4)] for n, v in zip(features, imp.importances_mean, strict=True)),
            key=lambda kv: -kv[1],
        )
    medians = np.nanmedian(x_train, axis=0)
    reference = {n: (None if math.isnan(v) else float(v)) for n, v in zip(features, medians, strict=True)}

    version = f"{'m' if what == 'transactions' else 'c'}-{timezone.now():%Y%m%d-%H%M%S}-{seed}"
    path, signature = registry.save_artifact(version, {"estimator": estimator})
    with transaction.atomic():
        candidate = ModelVersion.objects.create(
            version=version, kind=kind, artifact=path, signature=signature, feature_names=features,
            library_versions=registry.library_versions(), train_start=train_start, train_end=train_end,
            test_start=test_start, test_end=test_end, metrics=metrics, importances=importances,
            reference=reference, trained_by=actor if getattr(actor, "pk", None) else None,
        )  # fmt: skip
        audit_record(actor=actor, action="model.train", obj=candidate, after={"metrics": metrics})
    if promote:
        _promote_if_better(candidate, estimator, features, x_test, y_test, actor)
    candidate.refresh_from_db()
    return candidate


def _promote_if_better(candidate: ModelVersion, estimator, features, x_test, y_test, actor) -> None:
    from sklearn.metrics import average_precision_score

    active = ModelVersion.objects.filter(kind=candidate.kind, status=ModelVersion.Status.ACTIVE).first()
    reason = "no active model"
    if active is not None:
        loaded = registry.load(active)
        if loaded is not None and 0 < sum(y_test) < len(y_test):
            columns = [features.index(n) for n in loaded.feature_names]
            old_ap = float(average_precision_score(y_test, loaded.estimator.predict_proba(x_test[:, columns])[:, 1]))
            new_ap = float(average_precision_score(y_test, estimator.predict_proba(x_test)[:, 1]))  # same footing
            candidate.metrics["active_model_on_same_test"] = {
                "version": active.version,
                "average_precision": round(old_ap, 4),
            }
            candidate.save(update_fields=["metrics"])
            if new_ap <= old_ap:
                return
            reason = f"average precision {new_ap:.4f} beats {old_ap:.4f} on the same test window"
        else:
            reason = "the active model cannot be loaded"
    model_activate(candidate=candidate, actor=actor, reason=reason)


def model_activate(*, candidate: ModelVersion, actor, reason: str) -> ModelVersion:
    with transaction.atomic():
        active = ModelVersion.objects.filter(kind=candidate.kind, status=ModelVersion.Status.ACTIVE)
        active.exclude(pk=candidate.pk).update(status=ModelVersion.Status.RETIRED)
        candidate.status = ModelVersion.Status.ACTIVE
        candidate.activated_at = timezone.now()
        candidate.activated_by = actor if getattr(actor, "pk", None) else None
        candidate.save(update_fields=["status", "activated_at", "activated_by"])
        audit_record(actor=actor, action="model.activate", obj=candidate, reason=reason)
        transaction.on_commit(selectors.forget_active)
    return candidate
