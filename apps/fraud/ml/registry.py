"""Signed, versioned model artefacts (like paperless-ngx's classifier): write to a temp file and
rename, HMAC before unpickling, a scikit-learn version mismatch means retrain. `load_active()`
returns None when there is no usable model, and callers treat that as normal."""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import pickle
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)


class SignatureError(Exception):
    """The artefact was changed after it was signed (or signed with another key)."""


def _sign(data: bytes) -> str:
    return hmac.new(settings.MODEL_SIGNING_KEY.encode(), data, hashlib.sha256).hexdigest()


def library_versions() -> dict[str, str]:
    import numpy
    import sklearn

    return {"scikit-learn": sklearn.__version__, "numpy": numpy.__version__}


def save_artifact(version: str, payload: dict[str, Any]) -> tuple[str, str]:
    """Pickle, sign and store; returns (path, signature). The storage writes a new name, never over one."""
    buffer = io.BytesIO()
    pickle.dump(payload, buffer, protocol=pickle.HIGHEST_PROTOCOL)
    data = buffer.getvalue()
    path = default_storage.save(f"models/{version}.pkl", ContentFile(data))
    return path, _sign(data)


def read_artifact(path: str, signature: str) -> dict[str, Any]:
    with default_storage.open(path, "rb") as fh:
        data = fh.read()
    if not hmac.compare_digest(_sign(data), signature):
        raise SignatureError(f"The model artefact {path} does not match its signature; it was not loaded.")
    return pickle.loads(data)  # noqa: S301 - only after the HMAC check above


@dataclass
class LoadedModel:
    version: str
    estimator: Any
    feature_names: list[str]
    reference: dict[str, float]

    def probabilities(self, rows):
        """The fraud probability of each row: a list of feature dicts, or a batch's `Columns`."""
        from .features import matrix

        return self.estimator.predict_proba(matrix(rows, self.feature_names))[:, 1]


_cache: dict[str, LoadedModel] = {}


def load(model_version) -> LoadedModel | None:
    """The usable model of a ModelVersion row, or None (with a log line saying why)."""
    if model_version.version in _cache:
        return _cache[model_version.version]
    if model_version.library_versions.get("scikit-learn") != library_versions()["scikit-learn"]:
        logger.warning("model %s was trained with another scikit-learn: retrain it", model_version.version)
        return None
    try:
        payload = read_artifact(model_version.artifact, model_version.signature)
    except (SignatureError, OSError) as exc:
        logger.error("model %s not loaded: %s", model_version.version, exc)
        return None
    loaded = LoadedModel(model_version.version, payload["estimator"], model_version.feature_names,
                         model_version.reference)  # fmt: skip
    if len(_cache) >= 4:  # the active models of each kind and a candidate or two
        _cache.clear()
    _cache[model_version.version] = loaded
    return loaded


_active: dict[str, tuple[float, LoadedModel | None]] = {}


def load_active(kind: str = "transaction") -> LoadedModel | None:
    """The active model of a kind (transactions or cheques), looked up at most every
    RISK_CACHE_SECONDS per process (hot path)."""
    import time

    from apps.fraud.models import ModelVersion

    now = time.monotonic()
    cached = _active.get(kind)
    if cached is None or now - cached[0] >= settings.RISK_CACHE_SECONDS:
        active = ModelVersion.objects.filter(kind=kind, status=ModelVersion.Status.ACTIVE).first()
        cached = _active[kind] = (now, load(active) if active else None)
    return cached[1]


def forget_active() -> None:
    _active.clear()
