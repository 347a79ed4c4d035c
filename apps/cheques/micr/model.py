"""The glyph classifier, shipped as plain arrays (`e13b.npz`), not a pickle: loading it runs no code.

It is a small multi-layer perceptron made by `python manage.py train_micr` (see `training`), stored
as its weight matrices and evaluated here with numpy."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

ALPHABET = "0123456789ABCD"  # the data set's letters: A transit, B amount, C on-us, D dash
REJECT = len(ALPHABET)  # "not one character": a piece of one, or two, or a speck
MODEL_PATH = Path(__file__).with_name("e13b.npz")


class Model:
    def __init__(self, weights: list[np.ndarray], biases: list[np.ndarray], classes: np.ndarray):
        self.weights, self.biases, self.classes = weights, biases, classes

    @classmethod
    def load(cls, path: Path | str = MODEL_PATH) -> Model:
        with np.load(path, allow_pickle=False) as data:
            layers = int(data["layers"])
            return cls([data[f"w{i}"] for i in range(layers)], [data[f"b{i}"] for i in range(layers)], data["classes"])

    @classmethod
    def from_sklearn(cls, mlp) -> Model:
        return cls([w.astype(np.float32) for w in mlp.coefs_], [b.astype(np.float32) for b in mlp.intercepts_],
                   mlp.classes_.astype(np.int64))  # fmt: skip

    def save(self, path: Path | str) -> None:
        arrays = {f"w{i}": w for i, w in enumerate(self.weights)} | {f"b{i}": b for i, b in enumerate(self.biases)}
        np.savez_compressed(path, layers=len(self.weights), classes=self.classes, **arrays)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Rows of P(class) over ALPHABET + reject, whatever classes the training data held."""
        out = np.zeros((len(x), REJECT + 1), dtype=np.float32)
        if not len(x):
            return out
        a = x.astype(np.float32)
        for w, b in zip(self.weights[:-1], self.biases[:-1], strict=True):
            a = np.maximum(a @ w + b, 0.0)  # relu, scikit-learn's default
        z = a @ self.weights[-1] + self.biases[-1]
        z = np.exp(z - z.max(axis=1, keepdims=True))
        out[:, self.classes] = z / z.sum(axis=1, keepdims=True)
        return out


@lru_cache(maxsize=1)
def shipped() -> Model:
    return Model.load()
