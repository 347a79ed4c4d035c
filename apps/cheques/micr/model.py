"""The glyph classifier that finds, in real lines, the glyphs of the sheet the cheque generator draws
MICR lines with (`training`, `python manage.py train_micr --glyphs`). Reading uses the line reader
(`ctc`), not this. It is a small ensemble of multi-layer perceptrons (their probabilities averaged),
held as weight matrices and evaluated with numpy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

ALPHABET = "0123456789ABCD"  # the data set's letters: A transit, B amount, C on-us, D dash
REJECT = len(ALPHABET)  # "not one character": a piece of one, or two, or a speck
GLYPHS_PATH = Path(__file__).with_name("glyphs.npz")  # the generator's glyph sheet


@dataclass
class Member:
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    classes: np.ndarray

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        out = np.zeros((len(x), REJECT + 1), dtype=np.float32)
        a = x.astype(np.float32)
        for w, b in zip(self.weights[:-1], self.biases[:-1], strict=True):
            a = np.maximum(a @ w + b, 0.0)  # relu, scikit-learn's default
        z = a @ self.weights[-1] + self.biases[-1]
        z = np.exp(z - z.max(axis=1, keepdims=True))
        out[:, self.classes] = z / z.sum(axis=1, keepdims=True)
        return out


class Model:
    def __init__(self, members: list[Member]):
        self.members = members

    @classmethod
    def load(cls, path: Path | str) -> Model:
        with np.load(path, allow_pickle=False) as data:
            members = []
            for m in range(int(data["members"])):
                layers = int(data[f"m{m}_layers"])
                members.append(Member([data[f"m{m}_w{i}"] for i in range(layers)],
                                      [data[f"m{m}_b{i}"] for i in range(layers)], data[f"m{m}_classes"]))  # fmt: skip
            return cls(members)

    @classmethod
    def from_sklearn(cls, *mlps) -> Model:
        return cls([Member([w.astype(np.float32) for w in mlp.coefs_], [b.astype(np.float32) for b in mlp.intercepts_],
                           mlp.classes_.astype(np.int64)) for mlp in mlps])  # fmt: skip

    @classmethod
    def ensemble(cls, models: list[Model]) -> Model:
        return cls([m for model in models for m in model.members])

    def save(self, path: Path | str) -> None:
        arrays: dict[str, np.ndarray] = {"members": np.array(len(self.members))}
        for k, member in enumerate(self.members):
            arrays[f"m{k}_layers"] = np.array(len(member.weights))
            arrays[f"m{k}_classes"] = member.classes
            arrays |= {f"m{k}_w{i}": w for i, w in enumerate(member.weights)}
            arrays |= {f"m{k}_b{i}": b for i, b in enumerate(member.biases)}
        np.savez_compressed(path, **arrays)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Rows of P(class) over ALPHABET + reject, the members' average."""
        if not len(x):
            return np.zeros((0, REJECT + 1), dtype=np.float32)
        return np.mean([m.probabilities(x) for m in self.members], axis=0)
