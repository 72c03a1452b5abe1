"""Training the triage models (needs scikit-learn; inference does not).

Rows are labelled texts: ``text`` and ``code`` (a 110 call-type code), optionally
``gov_category`` (first-level government category; triage gives one for every text, so rows of
police matters that reach a government hotline may carry one too).  A deployment trains
on its own confirmed history with ``pingan train --data FILE``.

The procedure: character 1–2-grams of the normalised text (1–3 is an option; on the shipped
corpus 1–2 scored better held out), idf-weighted and L2-normalised, a linear SVM per class
(one-vs-rest, fast and more accurate held out than logistic regression on this corpus).  Class
probabilities are the softmax of the margins divided by a temperature fitted on out-of-fold
margins (each labelled row is scored by a model that did not see it); an isotonic map from the
top probability to the observed out-of-fold accuracy then gives the confidence, so that a
confidence of 0.9 means about nine in ten right on text like the training data.  The
out-of-fold figures are stored as the held-out ones, and the police / non-police threshold is
chosen on them (see :func:`non_police_threshold`): police recall ≥ 97% first — the one-sided
95% lower bound of the held-out recall must reach it, so that the noise of a few thousand
held-out rows cannot pull the threshold below what keeps 97% — then as many non-police matters
sent on as that allows.  The government-category model is fitted the same way on the rows
that carry a category; other settings for it (C from 0.3 to 2, 1–3-grams, min_df 1–3, hinge
loss) came within about a point of these on held-out corpus text (out of fold, a corpus file left
out whole, and lines written later scored by a model trained without them), so the defaults
stay.  Balanced class weights scored a little higher on the corpus but put many more messages in
the eight rare categories, which real hotline traffic holds few of.  When the rows carry the
channel they came in by
(110, 12345, app …), a prior per channel is fitted on the same out-of-fold shares (see
:func:`fit_channel_prior`) with its own threshold, chosen the same way.
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
from pingan.triage.rules import danger_hits
from pingan.triage.text import char_ngrams, normalise, read

__all__ = ["LabelledText", "load_model", "read_rows", "save_model", "train_model"]

DEFAULT_C = 1.0
DEFAULT_MAX_N = 2
MIN_DF = 2
FOLDS = 5
POLICE_RECALL = 0.97
# The threshold is fitted so that the one-sided 95% lower bound of held-out police recall (not
# the point figure alone) reaches POLICE_RECALL: a threshold whose held-out recall only just
# touches 97% on a few thousand rows keeps fewer than 97% of police matters about half the time.
RECALL_Z = 1.645
# A channel gets a prior of its own when the corpus holds at least this many rows of it of
# each kind (police and non-police); from fewer its rate cannot be told.
CHANNEL_MIN_ROWS = 10


@dataclass(frozen=True)
class LabelledText:
    text: str
    code: str
    gov_category: str | None = None
    channel: str | None = None


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
        channel = str(item.get("channel") or "").strip().lower() or None
        rows.append(LabelledText(text=text, code=code, gov_category=gov, channel=channel))
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
    held_out_index: tuple[int, ...] = ()  # the row of each held-out prediction
    fold_of: tuple[int, ...] = ()  # the fold of each row (-1: never held out)


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
    order: list[int] = []
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
        batch = part.featurise([read(texts[i]).normalised for i in test_ids])
        for i, raw in zip(test_ids, part.batch_logits(batch).astype(np.float64), strict=True):
            logits_rows.append(_align(raw, part.classes, all_classes))
            truth.append(labels[i])
            order.append(i)
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
    return FittedPart(
        final,
        accuracy,
        len(truth),
        pairs,
        probabilities,
        tuple(all_classes),
        tuple(order),
        tuple(int(f) for f in fold_of),
    )


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
    recall_z: float = RECALL_Z,
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
    outcome = non_police_outcome(code_part, labelled)
    threshold, kept, sent = non_police_threshold(code_part, labelled, z=recall_z)
    prior = fit_channel_prior(code_part, labelled, z=recall_z)
    calibrate_decisions(code_part, labelled, threshold)
    metadata: dict[str, Any] = {
        "non_police_threshold": threshold,
        "channel_prior": prior,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "corpus_sha256": corpus_hash(labelled),
        "rows": len(labelled),
        "gov_rows": len(gov_rows),
        "features": f"char 1-{max_n}-grams of normalised text, idf, L2; linear SVM one-vs-rest",
        "settings": {
            "c": c,
            "max_n": max_n,
            "min_df": min_df,
            "folds": folds,
            "seeds": use_seeds,
            "police_recall_target": POLICE_RECALL,
            "police_recall_z": recall_z,
        },
        "held_out": {
            "method": f"{folds}-fold out-of-fold",
            "code_accuracy": code_part.held_out_accuracy,
            "code_rows": code_part.held_out_rows,
            **_group_figures(code_part.held_out_pairs),
            "police_recall_at_threshold": kept,
            "non_police_recall_at_threshold": sent,
            "police_recall_with_channel": prior.get("police_recall") if prior else None,
            "non_police_recall_with_channel": prior.get("non_police_recall") if prior else None,
            "rows_kept_by_danger_rules": outcome.kept_by_rule if outcome else 0,
            "gov_accuracy": gov_part.held_out_accuracy if gov_part else None,
            "gov_rows": gov_part.held_out_rows if gov_part else 0,
        },
    }
    return Model(code=code_part.model, gov=gov_part.model if gov_part else None, metadata=metadata)


@dataclass(frozen=True)
class NonPoliceOutcome:
    """Out-of-fold material for the police / non-police decision, one entry per held-out row."""

    share: npt.NDArray[np.float64]  # the model's 社会联动 share
    police: npt.NDArray[np.bool_]  # the truth
    kept: npt.NDArray[np.bool_]  # a danger rule keeps the matter with the police whatever
    channel: tuple[str | None, ...]
    fold: npt.NDArray[np.int64]

    @property
    def kept_by_rule(self) -> int:
        return int(self.kept.sum())


def non_police_outcome(part: FittedPart, rows: Sequence[LabelledText]) -> NonPoliceOutcome | None:
    if part.held_out_probabilities is None:
        return None
    mask = np.array([c[:2] in NON_POLICE_GROUPS for c in part.held_out_classes])
    share = part.held_out_probabilities[:, mask].sum(axis=1)
    held = [rows[i] for i in part.held_out_index]
    police = np.array([r.code[:2] not in NON_POLICE_GROUPS for r in held])
    if police.all() or not police.any():
        return None
    kept = np.array(
        [any(hit.keeps_police for hit in danger_hits(read(r.text).folded)) for r in held]
    )
    fold = np.array([part.fold_of[i] for i in part.held_out_index], dtype=np.int64)
    return NonPoliceOutcome(share, police, kept, tuple(r.channel for r in held), fold)


def recall_lower_bound(hits: int, total: int, z: float) -> float:
    """The Wilson score lower bound of a proportion ``hits / total`` (``z`` = 0: the proportion)."""
    if total <= 0:
        return 0.0
    p = hits / total
    if z <= 0:
        return p
    z2 = z * z
    centre = p + z2 / (2 * total)
    spread = z * float(np.sqrt(p * (1 - p) / total + z2 / (4 * total * total)))
    return (centre - spread) / (1 + z2 / total)


def fit_threshold(
    value: npt.NDArray[np.float64],
    police: npt.NDArray[np.bool_],
    kept: npt.NDArray[np.bool_],
    *,
    z: float = 0.0,
) -> tuple[float, float, float]:
    """The lowest threshold on ``value`` at which police recall (held-out, danger rules
    included) reaches :data:`POLICE_RECALL`; a lower threshold sends more matters on, so this
    is the one that sends on the most non-police matters while keeping the police ones.  With
    ``z`` > 0 it is the lower confidence bound of that recall (Wilson, ``z`` standard errors)
    that must reach the target, so that sampling noise in the held-out rows does not let the
    threshold fall too low.  When no threshold reaches the target, the one with the highest
    police recall.  Returns (threshold, police recall, non-police recall)."""
    best: tuple[float, float, float] | None = None
    fallback = (0.99, -1.0, 0.0)
    police_rows = int(police.sum())
    for step in np.arange(0.05, 0.9901, 0.01):
        threshold = round(float(step), 2)
        stays = (value < threshold) | kept
        police_recall = float(stays[police].mean())
        non_police_recall = float((~stays[~police]).mean())
        bound = recall_lower_bound(int(stays[police].sum()), police_rows, z)
        if bound >= POLICE_RECALL:
            best = (threshold, police_recall, non_police_recall)
            break
        if police_recall > fallback[1]:
            fallback = (threshold, police_recall, non_police_recall)
    return best or fallback


def non_police_threshold(
    part: FittedPart, rows: Sequence[LabelledText] | None = None, *, z: float = 0.0
) -> tuple[float, float | None, float | None]:
    """The share of 社会联动 probability from which a text goes to another body (channel
    unknown), fitted on out-of-fold predictions by :func:`fit_threshold`.

    Returns (threshold, police recall, non-police recall) at that threshold.
    """
    outcome = None if rows is None else non_police_outcome(part, rows)
    if outcome is None:
        return 0.5, None, None
    return fit_threshold(outcome.share, outcome.police, outcome.kept, z=z)


def calibrate_decisions(part: FittedPart, rows: Sequence[LabelledText], threshold: float) -> None:
    """Refit the confidence map on the answers triage gives, not on the model's top type alone.

    Triage's answer may be another type than the model's top one (the police / non-police
    threshold, the amount and injury rules), with the probability it had; each held-out row is
    decided as triage decides it (channel unknown) and the isotonic map from that probability
    to whether the answer was right replaces the one fitted on the top type.
    """
    from sklearn.isotonic import IsotonicRegression

    from pingan.triage.decide import classify
    from pingan.triage.model import Scored

    probabilities = part.held_out_probabilities
    model = part.model
    if probabilities is None or tuple(part.held_out_classes) != model.classes:
        return
    raw = LinearTextModel(
        classes=model.classes,
        terms=(),
        idf=np.zeros(0, np.float32),
        weights=np.zeros((0, len(model.classes)), np.float32),
        bias=model.bias,
    )
    deciding = Model(code=raw, metadata={"non_police_threshold": threshold})
    no_features = np.zeros(0, dtype=np.int64)
    confidence: list[float] = []
    correct: list[float] = []
    for k, i in enumerate(part.held_out_index):
        scored = Scored(probabilities[k].astype(np.float32), no_features, np.zeros(0, np.float32))
        code, value, _, _, _ = classify(read(rows[i].text), scored, deciding)
        confidence.append(value)
        correct.append(float(code == rows[i].code))
    isotonic = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(
        confidence, correct
    )
    model.calibration_x = np.asarray(isotonic.X_thresholds_, dtype=np.float32)
    model.calibration_y = np.asarray(isotonic.y_thresholds_, dtype=np.float32)


def _logit(share: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    clipped = np.clip(share, 1e-6, 1 - 1e-6)
    result: npt.NDArray[np.float64] = np.log(clipped / (1 - clipped))
    return result


def fit_channel_prior(
    part: FittedPart, rows: Sequence[LabelledText], *, z: float = 0.0
) -> dict[str, Any]:
    """A prior per channel for the police / non-police decision, or {} when fewer than two
    channels have rows enough of both kinds (channels without a prior are treated as unknown).

    A logistic regression on the out-of-fold rows: the logit of the model's 社会联动 share
    (slope) plus an offset per channel (the channel's prior, in log-odds) says whether a row is
    a matter for another body.  Each row's value is predicted by a regression fitted on the
    other folds, and the threshold on those values is chosen by :func:`fit_threshold`.
    """
    from sklearn.linear_model import LogisticRegression

    outcome = non_police_outcome(part, rows)
    if outcome is None:
        return {}
    counts = Counter((c, bool(p)) for c, p in zip(outcome.channel, outcome.police, strict=True))
    channels = sorted(
        c
        for c in {c for c in outcome.channel if c}
        if min(counts[(c, True)], counts[(c, False)]) >= CHANNEL_MIN_ROWS
    )
    if len(channels) < 2:
        return {}
    known = np.array([c in channels for c in outcome.channel])
    features = np.column_stack(
        [_logit(outcome.share)]
        + [np.array([c == name for c in outcome.channel], dtype=np.float64) for name in channels]
    )
    target = ~outcome.police

    def regression(chosen: npt.NDArray[np.bool_]) -> Any:
        return LogisticRegression(C=1.0).fit(features[chosen], target[chosen])

    value = np.zeros(len(target))
    for fold in sorted(set(outcome.fold.tolist())):
        test = known & (outcome.fold == fold)
        train = known & (outcome.fold != fold)
        if test.any() and train.any() and len(set(target[train].tolist())) == 2:
            value[test] = regression(train).predict_proba(features[test])[:, 1]
    threshold, kept, sent = fit_threshold(
        value[known], outcome.police[known], outcome.kept[known], z=z
    )
    final = regression(known)
    per_channel: dict[str, dict[str, Any]] = {}
    for name in channels:
        chosen = np.array([c == name for c in outcome.channel])
        stays = (value < threshold) | outcome.kept
        police, others = chosen & outcome.police, chosen & ~outcome.police
        per_channel[name] = {
            "rows": int(chosen.sum()),
            "non_police_share_of_rows": round(float(others.sum() / chosen.sum()), 4),
            "police_recall": round(float(stays[police].mean()), 4) if police.any() else None,
            "non_police_recall": round(float((~stays[others]).mean()), 4) if others.any() else None,
        }
    return {
        "slope": float(final.coef_[0][0]),
        "intercept": float(final.intercept_[0]),
        "offsets": {
            name: float(weight) for name, weight in zip(channels, final.coef_[0][1:], strict=True)
        },
        "threshold": threshold,
        "police_recall": kept,
        "non_police_recall": sent,
        "channels": per_channel,
    }


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
    channel = str(row.get("channel") or "").strip().lower()
    return LabelledText(
        text=str(row["text"]),
        code=str(row["code"]),
        gov_category=str(gov) if gov else None,
        channel=channel or None,
    )
