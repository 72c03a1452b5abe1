"""Linear text classifiers over character n-grams, run with numpy and scipy's sparse matrices.

A model is a vocabulary of n-grams, an idf weight per n-gram, a weight matrix (n-grams × classes),
a bias per class, a temperature for the softmax and an isotonic map from the top probability to
a calibrated confidence.  A text's score for a class is the sum of the weights of the n-grams
it contains, each scaled by idf and by the L2 norm of the text's feature vector — the same
vector scikit-learn saw in training (see ``pingan.triage.train``).

Texts are scored in batches, and one text is a batch of one, so that a text gets the same
answer alone or among others.  An n-gram is looked up as a number (its code points in base
0x110000): a character directly in a table by code point, a longer n-gram in a hash table
(:class:`KeyTable`), so that the whole batch is found in a few array operations instead of one
dictionary look-up per n-gram.  The lookup tables are built when the model is first used, from
the vocabulary: the files on disk are unchanged.

On disk a model set is ``<name>.npz`` arrays (read with ``allow_pickle=False``) plus one
``model.json`` with the classes, settings and provenance; nothing is pickled.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array

from pingan.triage.text import normalise, readable_feature

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
FORMAT_VERSION = 1
METADATA_FILE = "model.json"
CODE_POINTS = 0x110000
SPACE = ord(" ")
# One text up to this many characters has its n-grams looked up in a dictionary (fewer array
# calls); longer texts and batches are looked up as arrays.  Both give the same ids.
SHORT_TEXT = 32


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


# Multiplier of the n-gram hash (Fibonacci hashing: the top bits of key × 2^64/φ).
_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
# At most this share of a hash table's slots is filled, so that few keys collide.
_HASH_LOAD = 0.25
_EMPTY = -1


@dataclass(frozen=True)
class KeyTable:
    """Exact look-up of n-gram numbers: a hash table with one slot per hash value, and the
    keys whose slot was taken in a small sorted array.

    A batch's n-grams are found in a few whole-array steps (one gather into the table, a
    binary search of the few that met another key) instead of a binary search of the whole
    vocabulary each.
    """

    slot_keys: IntArray  # the number whose hash is the slot, _EMPTY when none
    slot_ids: IntArray
    shift: np.uint64
    spill_keys: IntArray  # sorted numbers whose slot another number holds
    spill_ids: IntArray

    @classmethod
    def build(cls, keys: IntArray, ids: IntArray) -> KeyTable:
        """The table of sorted ``keys`` (the first of equal keys wins, as a binary search
        finds it)."""
        bits = max(1, math.ceil(math.log2(max(1.0, len(keys) / _HASH_LOAD))))
        shift = np.uint64(64 - bits)
        slots = _hash(keys, shift)
        order = np.argsort(slots, kind="stable")
        ordered = slots[order]
        home = np.ones(len(order), dtype=bool)
        home[1:] = ordered[1:] != ordered[:-1]
        slot_keys = np.full(1 << bits, _EMPTY, dtype=np.int64)
        slot_ids = np.zeros(1 << bits, dtype=np.int64)
        slot_keys[ordered[home]] = keys[order[home]]
        slot_ids[ordered[home]] = ids[order[home]]
        spilled = np.sort(order[~home])  # positions in ``keys``: still sorted by key
        return cls(slot_keys, slot_ids, shift, keys[spilled], ids[spilled])

    def find(self, numbers: IntArray) -> tuple[npt.NDArray[np.bool_], IntArray]:
        """Which numbers are known, and the id of each known one."""
        slots = _hash(numbers, self.shift)
        held = self.slot_keys[slots]
        hit = held == numbers
        found = self.slot_ids[slots]
        if len(self.spill_keys):
            elsewhere = np.flatnonzero(~hit & (held != _EMPTY))
            if len(elsewhere):
                wanted = numbers[elsewhere]
                position = np.searchsorted(self.spill_keys, wanted)
                np.minimum(position, len(self.spill_keys) - 1, out=position)
                spilled = self.spill_keys[position] == wanted
                hit[elsewhere[spilled]] = True
                found[elsewhere[spilled]] = self.spill_ids[position[spilled]]
        return hit, found[hit]


def _hash(numbers: IntArray, shift: np.uint64) -> npt.NDArray[np.intp]:
    hashed = numbers.astype(np.uint64) * _HASH_MULTIPLIER  # wraps around modulo 2^64
    return (hashed >> shift).astype(np.intp)


@dataclass(frozen=True)
class NgramIndex:
    """The vocabulary as sorted numbers per n-gram length, with the term id of each.

    Look-ups go through ``unigram_ids`` (the term id of each code point, -1 for none, indexed
    directly) and one :class:`KeyTable` per longer length.
    """

    keys: tuple[IntArray, ...]  # keys[n - 1]: sorted numbers of the n-grams of length n
    ids: tuple[IntArray, ...]
    size: int
    unigram_ids: IntArray
    tables: tuple[KeyTable, ...]  # tables[n - 2]: the n-grams of length n >= 2

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
        # One entry past the largest known code point stays -1: larger points are clipped to it.
        unigram_ids = np.full(int(keys[0][-1]) + 2 if len(keys[0]) else 1, -1, dtype=np.int64)
        unigram_ids[keys[0]] = ids[0]
        tables = tuple(KeyTable.build(k, i) for k, i in zip(keys[1:], ids[1:], strict=True))
        return cls(tuple(keys), tuple(ids), len(terms), unigram_ids, tables)

    def known_ids(self, text: str) -> IntArray:
        """Sorted ids of every distinct known n-gram of one text (``lookup([text])[1]``)."""
        points = code_points(text)
        found: list[IntArray] = []
        if len(self.keys[0]):
            known = self.unigram_ids[np.minimum(points, len(self.unigram_ids) - 1)]
            found.append(known[(known >= 0) & (points != SPACE)])
        for n, table in enumerate(self.tables, start=2):
            if len(self.keys[n - 1]):
                found.append(table.find(ngram_keys(points, n))[1])
        ids = np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
        ids.sort()
        if len(ids):
            ids = ids[np.concatenate(([True], ids[1:] != ids[:-1]))]
        return ids

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
        if len(self.keys[0]):
            last = len(self.unigram_ids) - 1
            known = self.unigram_ids[np.minimum(points, last)]
            hit = known >= 0
            hit &= points != SPACE
            rows.append(row_of[hit])
            found.append(known[hit])
        for n, table in enumerate(self.tables, start=2):
            if not len(self.keys[n - 1]):
                continue
            numbers = ngram_keys(points, n)
            starts = row_of[: len(numbers)]
            if not single:
                keep = starts == row_of[n - 1 : n - 1 + len(numbers)]
                numbers, starts = numbers[keep], starts[keep]
            hit, ids = table.find(numbers)
            rows.append(starts[hit])
            found.append(ids)
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        pairs = np.concatenate(rows) * self.size + np.concatenate(found)
        # Runs already sorted by row: the stable sort (timsort) uses them, more than twice as
        # fast here as the default quicksort, and the same result for plain integers.
        pairs.sort(kind="stable")
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
            return self.index.known_ids(normalised)
        if self._term_ids is None:
            self._term_ids = {term: i for i, term in enumerate(self.terms)}
        grams = set(normalised)
        grams.discard(" ")
        if self.max_n >= 2:
            grams.update(map(str.__add__, normalised, normalised[1:]))
        for n in range(3, self.max_n + 1):
            grams.update(normalised[i : i + n] for i in range(len(normalised) - n + 1))
        found = set(map(self._term_ids.get, grams))
        found.discard(None)
        ids: IntArray = np.fromiter(found, dtype=np.int64, count=len(found))
        ids.sort()
        return ids

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
        """Raw class scores, one row per text.

        The batch is a sparse matrix (texts × n-grams) multiplied by the weights: scipy adds
        each text's weighted rows in order, text by text, without gathering them first, so a
        text's scores do not depend on the other texts in the batch.
        """
        features = csr_array(
            (batch.values, batch.ids, batch.bounds),
            shape=(len(batch.bounds) - 1, self.weights.shape[0]),
        )
        result: FloatArray = features @ self.weights
        result += self.bias
        return result

    def logits(self, ids: IntArray, values: FloatArray) -> FloatArray:
        bounds = np.array([0, len(ids)], dtype=np.int64)
        result: FloatArray = self.batch_logits(FeatureBatch(ids, values, bounds))[0]
        return result

    def score_many(self, normalised: Sequence[str]) -> list[Scored]:
        """Probabilities and features of each normalised text."""
        batch = self.featurise(normalised)
        probabilities = softmax_rows(self.batch_logits(batch) / np.float32(self.temperature))
        edges = batch.bounds.tolist()
        return [
            Scored(row, batch.ids[low:high], batch.values[low:high])
            for row, low, high in zip(probabilities, edges[:-1], edges[1:], strict=True)
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
        order = (-contribution).argsort()[:limit]
        terms = self.terms
        return [
            (readable_feature(terms[term]), round(value, 3))
            for term, value in zip(
                scored.feature_ids.take(order).tolist(),
                contribution.take(order).tolist(),
                strict=True,
            )
            if value > 0
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
