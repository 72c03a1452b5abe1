"""Linear text classifiers over character n-grams, run with numpy only.

A model is a vocabulary of n-grams, an idf weight per n-gram, a weight matrix (n-grams × classes),
a bias per class, a temperature for the softmax and an isotonic map from the top probability to
a calibrated confidence.  A text's score for a class is the sum of the weights of the n-grams
it contains, each scaled by idf and by the L2 norm of the text's feature vector — the same
vector scikit-learn saw in training (see ``pingan.triage.train``).

On disk a model set is ``<name>.npz`` arrays (read with ``allow_pickle=False``) plus one
``model.json`` with the classes, settings and provenance; nothing is pickled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from pingan.triage.text import char_ngrams, normalise, readable_feature

FloatArray = npt.NDArray[np.float32]
FORMAT_VERSION = 1
METADATA_FILE = "model.json"


@dataclass(frozen=True)
class Scored:
    """A text's class probabilities and the features present in it."""

    probabilities: FloatArray
    feature_ids: npt.NDArray[np.int64]
    feature_values: FloatArray


@dataclass
class LinearTextModel:
    classes: tuple[str, ...]
    terms: tuple[str, ...]
    idf: FloatArray
    weights: FloatArray
    bias: FloatArray
    max_n: int = 3
    temperature: float = 1.0
    # Isotonic map from the top probability to the share of such answers that were right
    # (fitted out of fold); empty means the probabilities are used as they are.
    calibration_x: FloatArray = field(default_factory=lambda: np.zeros(0, np.float32))
    calibration_y: FloatArray = field(default_factory=lambda: np.zeros(0, np.float32))
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    _row_mean: FloatArray = field(
        default_factory=lambda: np.zeros(0, np.float32), repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not self._index:
            self._index = {term: i for i, term in enumerate(self.terms)}
        self._row_mean = self.weights.mean(axis=1)

    def features(self, text: str) -> tuple[npt.NDArray[np.int64], FloatArray]:
        """Ids and L2-normalised idf values of the known n-grams in the text."""
        found = set(map(self._index.get, char_ngrams(normalise(text), self.max_n)))
        found.discard(None)
        ids = sorted(found)  # type: ignore[type-var]
        id_array = np.fromiter(ids, dtype=np.int64, count=len(ids))
        values = self.idf[id_array]
        norm = float(np.sqrt(values @ values))
        return id_array, values / norm if norm > 0 else values

    def logits(self, ids: npt.NDArray[np.int64], values: FloatArray) -> FloatArray:
        result: FloatArray = values @ self.weights[ids] + self.bias
        return result

    def score(self, text: str) -> Scored:
        ids, values = self.features(text)
        return Scored(softmax(self.logits(ids, values) / self.temperature), ids, values)

    def probabilities(self, text: str) -> FloatArray:
        return self.score(text).probabilities

    def top_features(
        self, scored: Scored, class_index: int, limit: int = 5
    ) -> list[tuple[str, float]]:
        """The n-grams that pushed the text most towards the class (weight above the class mean)."""
        if not len(scored.feature_ids):
            return []
        rows = self.weights[scored.feature_ids]
        contribution = scored.feature_values * (
            rows[:, class_index] - self._row_mean[scored.feature_ids]
        )
        order = np.argsort(-contribution)[:limit]
        return [
            (
                readable_feature(self.terms[int(scored.feature_ids[i])]),
                round(float(contribution[i]), 3),
            )
            for i in order
            if contribution[i] > 0
        ]

    def calibrated(self, probability: float) -> float:
        """The confidence an answer of this probability deserves (see ``calibration_x``)."""
        if not len(self.calibration_x):
            return probability
        return float(np.interp(probability, self.calibration_x, self.calibration_y))

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        return {
            "terms": np.array(self.terms, dtype=str),
            "classes": np.array(self.classes, dtype=str),
            "idf": self.idf.astype(np.float32),
            "weights": self.weights.astype(np.float32),
            "bias": self.bias.astype(np.float32),
            "calibration_x": self.calibration_x.astype(np.float32),
            "calibration_y": self.calibration_y.astype(np.float32),
        }

    @classmethod
    def from_arrays(cls, arrays: Any, *, max_n: int, temperature: float) -> LinearTextModel:
        return cls(
            classes=tuple(str(c) for c in arrays["classes"]),
            terms=tuple(str(t) for t in arrays["terms"]),
            idf=np.asarray(arrays["idf"], dtype=np.float32),
            weights=np.ascontiguousarray(arrays["weights"], dtype=np.float32),
            bias=np.asarray(arrays["bias"], dtype=np.float32),
            calibration_x=np.asarray(arrays["calibration_x"], dtype=np.float32),
            calibration_y=np.asarray(arrays["calibration_y"], dtype=np.float32),
            max_n=max_n,
            temperature=temperature,
        )


def softmax(logits: FloatArray) -> FloatArray:
    shifted = np.exp(logits - logits.max())
    result: FloatArray = shifted / shifted.sum()
    return result


@dataclass
class Model:
    """The call-type model and, when trained, the government-category model for non-police text."""

    code: LinearTextModel
    gov: LinearTextModel | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def save_model(model: Model, directory: str | Path) -> Path:
    """Write ``code.npz`` (and ``gov.npz``) and ``model.json`` into the directory."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    parts: dict[str, LinearTextModel] = {"code": model.code}
    if model.gov is not None:
        parts["gov"] = model.gov
    description: dict[str, Any] = {"format": FORMAT_VERSION, **model.metadata, "parts": {}}
    for name, part in parts.items():
        with (target / f"{name}.npz").open("wb") as handle:
            np.savez_compressed(handle, allow_pickle=False, **part.arrays())
        description["parts"][name] = {
            "file": f"{name}.npz",
            "classes": list(part.classes),
            "features": len(part.terms),
            "max_n": part.max_n,
            "temperature": part.temperature,
        }
    stale = target / "gov.npz"
    if model.gov is None and stale.exists():
        stale.unlink()
    (target / METADATA_FILE).write_text(
        json.dumps(description, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return target


def load_model(directory: str | Path) -> Model:
    """Read a model set written by :func:`save_model` (no pickle is ever loaded)."""
    source = Path(directory)
    description = json.loads((source / METADATA_FILE).read_text(encoding="utf-8"))
    if description.get("format") != FORMAT_VERSION:
        raise ValueError(f"{source}: unsupported model format {description.get('format')!r}")
    loaded: dict[str, LinearTextModel] = {}
    for name, part in description["parts"].items():
        with np.load(source / part["file"], allow_pickle=False) as arrays:
            loaded[name] = LinearTextModel.from_arrays(
                arrays, max_n=int(part["max_n"]), temperature=float(part["temperature"])
            )
    metadata = {key: value for key, value in description.items() if key not in ("format", "parts")}
    return Model(code=loaded["code"], gov=loaded.get("gov"), metadata=metadata)
