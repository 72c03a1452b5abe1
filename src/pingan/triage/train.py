"""Training the triage models (needs scikit-learn; inference does not).

Rows are labelled texts: ``text`` and ``code`` (a 110 call-type code), optionally
``gov_category`` (first-level government category, for non-police texts).  A deployment trains
on its own confirmed history with ``pingan train --data FILE``.

The procedure: character 1–2-grams of the normalised text (1–3 is an option; on the shipped
corpus 1–2 scored better held out), idf-weighted and L2-normalised, a linear SVM per class
(one-vs-rest, fast and more accurate held out than logistic regression on this corpus).  Class
probabilities are the softmax of the margins divided by a temperature fitted on out-of-fold
margins (each labelled row is scored by a model that did not see it); an isotonic map from the
top probability to the observed out-of-fold accuracy then gives the confidence, so that a
confidence of 0.9 means about nine in ten right on text like the training data.  The
out-of-fold figures are stored as the held-out ones, and the police / non-police threshold is
chosen on them (see :func:`non_police_threshold`).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from pingan.taxonomy import NON_POLICE_GROUPS, call_types, gov_categories
from pingan.triage.lexicon import CODE_HINTS
from pingan.triage.model import LinearTextModel, Model, load_model, save_model
from pingan.triage.text import char_ngrams, normalise

__all__ = ["LabelledText", "load_model", "read_rows", "save_model", "train_model"]

DEFAULT_C = 1.0
DEFAULT_MAX_N = 2
MIN_DF = 2
FOLDS = 5
POLICE_RECALL = 0.97
NON_POLICE_RECALL = 0.85


@dataclass(frozen=True)
class LabelledText:
    text: str
    code: str
    gov_category: str | None = None


def read_rows(path: str | Path) -> list[LabelledText]:
    """Labelled rows from a CSV (header with ``text``, ``code``) or JSON-lines file."""
    source = Path(path)
    raw: list[Mapping[str, Any]]
    with source.open(encoding="utf-8-sig", newline="") as handle:
        if source.suffix.lower() == ".csv":
            raw = list(csv.DictReader(handle))
        else:
            raw = [json.loads(line) for line in handle if line.strip()]
    rows: list[LabelledText] = []
    for number, item in enumerate(raw, start=1):
        text = str(item.get("text") or "").strip()
        code = str(item.get("code") or "").strip()
        if not text or not code:
            raise ValueError(f"{source}: row {number} needs both text and code")
        gov = str(item.get("gov_category") or "").strip() or None
        rows.append(LabelledText(text=text, code=code, gov_category=gov))
    return rows


def corpus_hash(rows: Sequence[LabelledText]) -> str:
    digest = hashlib.sha256()
    for row in sorted(rows, key=lambda r: (r.code, r.text)):
        digest.update(f"{row.code}\t{row.gov_category or ''}\t{row.text}\n".encode())
    return digest.hexdigest()


def code_seed_texts() -> list[tuple[str, str]]:
    """(text, code) pairs from the code table: each type's name and its hint words."""
    seeds: list[tuple[str, str]] = []
    for code, call_type in call_types().items():
        seeds.append((call_type.name, code))
        seeds.extend((hint, code) for hint in CODE_HINTS.get(code, ()))
    return seeds


def gov_seed_texts() -> list[tuple[str, str]]:
    """(text, category) pairs from the message taxonomy: second- and third-level names."""
    seeds: list[tuple[str, str]] = []
    for first, seconds in gov_categories().items():
        for second, thirds in seconds.items():
            leaves = [name for name in thirds if name != "其他"]
            seeds.append(("，".join([second, *leaves]) if second != "其他" else first, first))
    return seeds


def _ngram_sets(texts: Sequence[str], max_n: int) -> list[set[str]]:
    return [set(char_ngrams(normalise(text), max_n)) for text in texts]


def _vocabulary(
    gram_sets: Sequence[set[str]], min_df: int
) -> tuple[tuple[str, ...], npt.NDArray[np.float32]]:
    df: Counter[str] = Counter()
    for grams in gram_sets:
        df.update(grams)
    terms = tuple(sorted(term for term, count in df.items() if count >= min_df or len(term) == 1))
    total = len(gram_sets)
    idf = np.array([np.log((1 + total) / (1 + df[t])) + 1.0 for t in terms], dtype=np.float32)
    return terms, idf


def _matrix(
    gram_sets: Sequence[set[str]], index: Mapping[str, int], idf: npt.NDArray[np.float32]
) -> Any:
    from scipy.sparse import csr_matrix

    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for grams in gram_sets:
        ids = sorted(i for g in grams if (i := index.get(g)) is not None)
        values = idf[ids]
        norm = float(np.sqrt(values @ values)) or 1.0
        indices.extend(ids)
        data.extend((values / norm).tolist())
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(gram_sets), len(index)), dtype=np.float64)


def _fit(
    texts: Sequence[str], labels: Sequence[str], *, c: float, max_n: int, min_df: int
) -> LinearTextModel:
    from sklearn.svm import LinearSVC

    gram_sets = _ngram_sets(texts, max_n)
    terms, idf = _vocabulary(gram_sets, min_df)
    index = {t: i for i, t in enumerate(terms)}
    matrix = _matrix(gram_sets, index, idf)
    classifier = LinearSVC(C=c)
    classifier.fit(matrix, list(labels))
    classes = tuple(str(c) for c in classifier.classes_)
    weights = np.asarray(classifier.coef_, dtype=np.float32).T
    bias = np.asarray(classifier.intercept_, dtype=np.float32)
    if len(classes) == 2:  # binary: sklearn keeps one row; spread it over two classes
        weights = np.hstack([-weights / 2, weights / 2])
        bias = np.array([-bias[0] / 2, bias[0] / 2], dtype=np.float32)
    return LinearTextModel(
        classes=classes,
        terms=terms,
        idf=idf,
        weights=np.ascontiguousarray(weights),
        bias=bias,
        max_n=max_n,
    )


def fit_temperature(logits: npt.NDArray[np.float64], truth: npt.NDArray[np.int64]) -> float:
    """The temperature that minimises negative log-likelihood of the true classes."""

    def nll(temperature: float) -> float:
        scaled = logits / temperature
        scaled = scaled - scaled.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(scaled).sum(axis=1))
        return float((log_norm - scaled[np.arange(len(truth)), truth]).mean())

    grid = np.exp(np.linspace(np.log(0.05), np.log(20.0), 121))
    best = min(grid, key=lambda t: nll(float(t)))
    fine = np.linspace(best / 1.06, best * 1.06, 41)
    return float(min(fine, key=lambda t: nll(float(t))))


def fit_isotonic(
    logits: npt.NDArray[np.float64], truth: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Isotonic map: top softmax probability → observed accuracy, as interpolation points."""
    from sklearn.isotonic import IsotonicRegression

    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities = shifted / shifted.sum(axis=1, keepdims=True)
    top = probabilities.max(axis=1)
    correct = (probabilities.argmax(axis=1) == truth).astype(np.float64)
    isotonic = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(top, correct)
    x = np.asarray(isotonic.X_thresholds_, dtype=np.float32)
    y = np.asarray(isotonic.y_thresholds_, dtype=np.float32)
    return x, y


@dataclass
class FittedPart:
    model: LinearTextModel
    held_out_accuracy: float | None
    held_out_rows: int
    held_out_pairs: list[tuple[str, str]]  # (truth, out-of-fold prediction)
    held_out_probabilities: npt.NDArray[np.float64] | None = None
    held_out_classes: tuple[str, ...] = ()


def _train_part(
    texts: Sequence[str],
    labels: Sequence[str],
    seeds: Sequence[tuple[str, str]],
    *,
    c: float,
    max_n: int,
    min_df: int,
    folds: int,
    seed: int,
) -> FittedPart:
    """Fit on labelled rows plus seeds; temperature from out-of-fold logits of the rows."""
    seed_texts = [s for s, _ in seeds]
    seed_labels = [label for _, label in seeds]
    counts = Counter(labels)
    rng = np.random.default_rng(seed)
    fold_of = np.full(len(texts), -1)
    for label in counts:
        members = np.array([i for i, lab in enumerate(labels) if lab == label])
        rng.shuffle(members)
        if len(members) >= 2:
            fold_of[members] = np.arange(len(members)) % folds
    logits_rows: list[npt.NDArray[np.float64]] = []
    truth: list[str] = []
    for fold in range(folds if len(texts) >= 2 * folds else 0):
        train_ids = [i for i in range(len(texts)) if fold_of[i] != fold]
        test_ids = [i for i in range(len(texts)) if fold_of[i] == fold]
        if not test_ids:
            continue
        part = _fit(
            [texts[i] for i in train_ids] + seed_texts,
            [labels[i] for i in train_ids] + seed_labels,
            c=c,
            max_n=max_n,
            min_df=min_df,
        )
        all_classes = sorted(set(labels) | set(seed_labels))
        for i in test_ids:
            ids, values = part.features(texts[i])
            raw = part.logits(ids, values).astype(np.float64)
            logits_rows.append(_align(raw, part.classes, all_classes))
            truth.append(labels[i])
    final = _fit(
        list(texts) + seed_texts, list(labels) + seed_labels, c=c, max_n=max_n, min_df=min_df
    )
    accuracy: float | None = None
    pairs: list[tuple[str, str]] = []
    if logits_rows:
        all_classes = sorted(set(labels) | set(seed_labels))
        stacked = np.vstack(logits_rows)
        truth_ids = np.array([all_classes.index(t) for t in truth])
        accuracy = float((stacked.argmax(axis=1) == truth_ids).mean())
        pairs = [
            (t, all_classes[int(k)]) for t, k in zip(truth, stacked.argmax(axis=1), strict=True)
        ]
        final.temperature = fit_temperature(stacked, truth_ids)
        final.calibration_x, final.calibration_y = fit_isotonic(
            stacked / final.temperature, truth_ids
        )
    if not logits_rows:
        return FittedPart(final, accuracy, len(truth), pairs)
    scaled = np.exp((stacked - stacked.max(axis=1, keepdims=True)) / final.temperature)
    probabilities = scaled / scaled.sum(axis=1, keepdims=True)
    return FittedPart(final, accuracy, len(truth), pairs, probabilities, tuple(all_classes))


def _align(
    row: npt.NDArray[np.float64], classes: Sequence[str], all_classes: Sequence[str]
) -> npt.NDArray[np.float64]:
    aligned = np.full(len(all_classes), -50.0)
    position = {label: k for k, label in enumerate(all_classes)}
    for k, label in enumerate(classes):
        aligned[position[label]] = row[k]
    return aligned


def train_model(
    rows: Iterable[LabelledText | Mapping[str, Any]],
    *,
    c: float = DEFAULT_C,
    max_n: int = DEFAULT_MAX_N,
    min_df: int = MIN_DF,
    folds: int = FOLDS,
    use_seeds: bool = True,
    seed: int = 7,
) -> Model:
    """Train the call-type model and (when rows carry ``gov_category``) the category model."""
    labelled = [row if isinstance(row, LabelledText) else _from_mapping(row) for row in rows]
    if not labelled:
        raise ValueError("no labelled rows to train on")
    code_part = _train_part(
        [r.text for r in labelled],
        [r.code for r in labelled],
        code_seed_texts() if use_seeds else [],
        c=c,
        max_n=max_n,
        min_df=min_df,
        folds=folds,
        seed=seed,
    )
    gov_rows = [r for r in labelled if r.gov_category]
    gov_part: FittedPart | None = None
    if gov_rows:
        gov_part = _train_part(
            [r.text for r in gov_rows],
            [r.gov_category or "" for r in gov_rows],
            gov_seed_texts() if use_seeds else [],
            c=c,
            max_n=max_n,
            min_df=min_df,
            folds=folds,
            seed=seed,
        )
    threshold, kept, sent = non_police_threshold(code_part)
    metadata: dict[str, Any] = {
        "non_police_threshold": threshold,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "corpus_sha256": corpus_hash(labelled),
        "rows": len(labelled),
        "gov_rows": len(gov_rows),
        "features": f"char 1-{max_n}-grams of normalised text, idf, L2; linear SVM one-vs-rest",
        "settings": {"c": c, "max_n": max_n, "min_df": min_df, "folds": folds, "seeds": use_seeds},
        "held_out": {
            "method": f"{folds}-fold out-of-fold",
            "code_accuracy": code_part.held_out_accuracy,
            "code_rows": code_part.held_out_rows,
            **_group_figures(code_part.held_out_pairs),
            "police_recall_at_threshold": kept,
            "non_police_recall_at_threshold": sent,
            "gov_accuracy": gov_part.held_out_accuracy if gov_part else None,
            "gov_rows": gov_part.held_out_rows if gov_part else 0,
        },
    }
    return Model(code=code_part.model, gov=gov_part.model if gov_part else None, metadata=metadata)


def non_police_threshold(part: FittedPart) -> tuple[float, float | None, float | None]:
    """The share of 社会联动 probability from which a text goes to another body.

    Chosen on out-of-fold predictions to come as close as possible to both recall targets at
    once (police ≥ 97%, non-police ≥ 85%): the threshold with the best worst ratio of recall to
    target.  Returns (threshold, police recall, non-police recall) at that threshold.
    """
    if part.held_out_probabilities is None:
        return 0.5, None, None
    mask = np.array([c[:2] in NON_POLICE_GROUPS for c in part.held_out_classes])
    share = part.held_out_probabilities[:, mask].sum(axis=1)
    police = np.array([t[:2] not in NON_POLICE_GROUPS for t, _ in part.held_out_pairs])
    if police.all() or not police.any():
        return 0.5, None, None
    best = (-1.0, 0.5, 0.0, 0.0)
    for threshold in np.arange(0.3, 0.951, 0.01):
        kept = float((share[police] < threshold).mean())
        sent = float((share[~police] >= threshold).mean())
        worst = min(kept / POLICE_RECALL, sent / NON_POLICE_RECALL)
        if worst > best[0] + 1e-9:
            best = (worst, round(float(threshold), 2), kept, sent)
    return best[1], best[2], best[3]


def _group_figures(pairs: Sequence[tuple[str, str]]) -> dict[str, float | None]:
    """Out-of-fold 12-group accuracy and police / non-police recall (model only, no rules)."""
    if not pairs:
        return {"group_accuracy": None, "police_recall": None, "non_police_recall": None}

    def police(code: str) -> bool:
        return code[:2] not in NON_POLICE_GROUPS

    def recall(value: bool) -> float | None:
        chosen = [p for t, p in pairs if police(t) is value]
        return sum(police(p) is value for p in chosen) / len(chosen) if chosen else None

    return {
        "group_accuracy": sum(t[:2] == p[:2] for t, p in pairs) / len(pairs),
        "police_recall": recall(True),
        "non_police_recall": recall(False),
    }


def _from_mapping(row: Mapping[str, Any]) -> LabelledText:
    gov = row.get("gov_category")
    return LabelledText(
        text=str(row["text"]), code=str(row["code"]), gov_category=str(gov) if gov else None
    )
