"""Linear text classifiers over character n-grams, run with numpy only.

A model is a vocabulary of n-grams, an idf weight per n-gram, a weight matrix (n-grams × classes),
a bias per class, a temperature for the softmax and an isotonic map from the top probability to
a calibrated confidence.  A text's score for a class is the sum of the weights of the n-grams
it contains, each scaled by idf and by the L2 norm of the text's feature vector — the same
vector scikit-learn saw in training (see ``pingan.triage.train``).

Texts are scored in batches, and one text is a batch of one, so that a text gets the same
answer alone or among others.  An n-gram is looked up as a number (its code points in base
0x110000), by binary search in a sorted array per length: the whole batch is found in a few
array operations instead of one dictionary look-up per n-gram.

On disk a model set is ``<name>.npz`` arrays (read with ``allow_pickle=False``) plus one
``model.json`` with the classes, settings and provenance; nothing is pickled.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from pingan.triage.text import normalise, readable_feature

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
FORMAT_VERSION = 1
METADATA_FILE = "model.json"
CODE_POINTS = 0x110000
SPACE = ord(" ")
# One text up to this many characters has its n-grams looked up in a dictionary (fewer array
# calls); longer texts and batches are looked up as arrays.  Both give the same ids.
SHORT_TEXT = 80


@dataclass(frozen=True)
class Scored:
    """A text's class probabilities and the features present in it."""

    probabilities: FloatArray
    feature_ids: IntArray
    feature_values: FloatArray


def code_points(text: str) -> IntArray:
    """The text's code points, one per character."""
    raw = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return raw.astype(np.int64)


def ngram_keys(points: IntArray, n: int) -> IntArray:
    """The number of each n-gram starting at each position (code points in base 0x110000)."""
    count = len(points) - n + 1
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    keys = points[:count].copy()
    for k in range(1, n):
        keys = keys * CODE_POINTS + points[k : k + count]
    return keys


@dataclass(frozen=True)
class NgramIndex:
    """The vocabulary as sorted numbers per n-gram length, with the term id of each."""

    keys: tuple[IntArray, ...]  # keys[n - 1]: sorted numbers of the n-grams of length n
    ids: tuple[IntArray, ...]
    size: int

    @classmethod
    def build(cls, terms: Sequence[str], max_n: int) -> NgramIndex:
        keys: list[IntArray] = []
        ids: list[IntArray] = []
        for n in range(1, max_n + 1):
            chosen = [i for i, term in enumerate(terms) if len(term) == n]
            numbers = np.array(
                [int(ngram_keys(code_points(terms[i]), n)[0]) for i in chosen], dtype=np.int64
            )
            order = np.argsort(numbers, kind="stable")
            keys.append(numbers[order])
            ids.append(np.array(chosen, dtype=np.int64)[order])
        return cls(tuple(keys), tuple(ids), len(terms))

    def lookup(self, texts: Sequence[str]) -> tuple[IntArray, IntArray]:
        """(row, term id) of every distinct known n-gram of each text, sorted by row then id.

        N-grams are those of :func:`pingan.triage.text.char_ngrams`: lengths 1..max_n within
        one text, spaces dropped from the unigrams.
        """
        points = code_points("".join(texts))
        single = len(texts) == 1
        row_of = (
            np.zeros(len(points), dtype=np.int64)
            if single
            else np.repeat(
                np.arange(len(texts), dtype=np.int64),
                np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts)),
            )
        )
        rows: list[IntArray] = []
        found: list[IntArray] = []
        for n, (keys, ids) in enumerate(zip(self.keys, self.ids, strict=True), start=1):
            if not len(keys):
                continue
            numbers = ngram_keys(points, n)
            starts = row_of[: len(numbers)]
            if n == 1:
                keep = points != SPACE
                numbers, starts = numbers[keep], starts[keep]
            elif not single:
                keep = starts == row_of[n - 1 : n - 1 + len(numbers)]
                numbers, starts = numbers[keep], starts[keep]
            position = np.searchsorted(keys, numbers)
            np.minimum(position, len(keys) - 1, out=position)
            hit = keys[position] == numbers
            rows.append(starts[hit])
            found.append(ids[position[hit]])
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        pairs = np.concatenate(rows) * self.size + np.concatenate(found)
        pairs.sort()
        if len(pairs):
            pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
        return pairs // self.size, pairs % self.size


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
    _index: NgramIndex | None = field(default=None, repr=False, compare=False)
    _term_ids: dict[str, int] | None = field(default=None, repr=False, compare=False)
    # Per class, each n-gram's weight above its mean over the classes (for top_features).
    _lift: FloatArray = field(
        default_factory=lambda: np.zeros(0, np.float32), repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._lift = np.ascontiguousarray((self.weights - self.weights.mean(axis=1)[:, None]).T)

    @property
    def index(self) -> NgramIndex:
        if self._index is None:
            self._index = NgramIndex.build(self.terms, self.max_n)
        return self._index

    def term_ids(self, normalised: str) -> IntArray:
        """Sorted ids of the known n-grams of one normalised text."""
        if len(normalised) > SHORT_TEXT:
            return self.index.lookup([normalised])[1]
        if self._term_ids is None:
            self._term_ids = {term: i for i, term in enumerate(self.terms)}
        get = self._term_ids.get
        grams = set(normalised)
        grams.discard(" ")
        for n in range(2, self.max_n + 1):
            grams.update(normalised[i : i + n] for i in range(len(normalised) - n + 1))
        found = sorted({i for gram in grams if (i := get(gram)) is not None})
        return np.array(found, dtype=np.int64)

    def features(self, text: str) -> tuple[IntArray, FloatArray]:
        """Ids and L2-normalised idf values of the known n-grams in the text."""
        batch = self.featurise([normalise(text)])
        return batch.ids, batch.values

    def featurise(self, normalised: Sequence[str]) -> FeatureBatch:
        """The feature vectors of normalised texts (see :func:`pingan.triage.text.normalise`)."""
        values: FloatArray
        if len(normalised) == 1:
            ids = self.term_ids(normalised[0])
            bounds = np.array([0, len(ids)], dtype=np.int64)
            values = self.idf[ids]
            norm = np.sqrt(_segment_sums(values * values, bounds))[0]
            return FeatureBatch(ids, values / norm if norm > 0 else values, bounds)
        rows, ids = self.index.lookup(normalised)
        bounds = np.searchsorted(rows, np.arange(len(normalised) + 1))
        values = self.idf[ids]
        norms = np.sqrt(_segment_sums(values * values, bounds))
        norms[norms == 0] = 1.0
        return FeatureBatch(ids, values / norms[rows], bounds)

    def batch_logits(self, batch: FeatureBatch) -> FloatArray:
        """Raw class scores, one row per text."""
        gathered = np.take(self.weights, batch.ids, axis=0) * batch.values[:, None]
        result: FloatArray = _segment_sums(gathered, batch.bounds) + self.bias
        return result

    def logits(self, ids: IntArray, values: FloatArray) -> FloatArray:
        bounds = np.array([0, len(ids)], dtype=np.int64)
        result: FloatArray = self.batch_logits(FeatureBatch(ids, values, bounds))[0]
        return result

    def score_many(self, normalised: Sequence[str]) -> list[Scored]:
        """Probabilities and features of each normalised text."""
        batch = self.featurise(normalised)
        probabilities = softmax_rows(self.batch_logits(batch) / np.float32(self.temperature))
        return [
            Scored(probabilities[k], batch.ids[low:high], batch.values[low:high])
            for k, (low, high) in enumerate(zip(batch.bounds[:-1], batch.bounds[1:], strict=True))
        ]

    def score(self, text: str) -> Scored:
        return self.score_many([normalise(text)])[0]

    def probabilities(self, text: str) -> FloatArray:
        return self.score(text).probabilities

    def top_features(
        self, scored: Scored, class_index: int, limit: int = 5
    ) -> list[tuple[str, float]]:
        """The n-grams that pushed the text most towards the class (weight above the class mean)."""
        if not len(scored.feature_ids):
            return []
        contribution = scored.feature_values * self._lift[class_index].take(scored.feature_ids)
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
    result: FloatArray = softmax_rows(logits[None, :])[0]
    return result


def softmax_rows(logits: FloatArray) -> FloatArray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    result: FloatArray = shifted / shifted.sum(axis=1, keepdims=True)
    return result


@dataclass(frozen=True)
class FeatureBatch:
    """Feature vectors of several texts: text k has ``ids[bounds[k]:bounds[k + 1]]``."""

    ids: IntArray
    values: FloatArray
    bounds: IntArray


def _segment_sums(values: npt.NDArray[Any], bounds: IntArray) -> npt.NDArray[Any]:
    """Sums over consecutive segments of the first axis (zero for an empty segment).

    Each segment is added up in order on its own, so a text's sum does not depend on the
    other texts in the batch.
    """
    rows = len(bounds) - 1
    if rows == 1 and bounds[1] > 0:
        return np.add.reduceat(values, [0], axis=0)
    result = np.zeros((rows, *values.shape[1:]), dtype=values.dtype)
    filled = bounds[1:] > bounds[:-1]
    if filled.any():
        result[filled] = np.add.reduceat(values, bounds[:-1][filled], axis=0)
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
