"""Triage speed on one core, and Pingan against a peer a user might pick instead:
``python -m bench triage``.

Speed: ``triage()`` over a fixed mix of the training corpus's texts (as written, cut to the first
clause, and three joined into one long report), with place resolution on, then with
classification only; batch throughput in texts/s and single-call latency percentiles, beside the
targets.

Peer: jieba words → TF-IDF of word 1–2-grams → LinearSVC (scikit-learn), fitted in this run on
the corpus rows the shipped model is trained on (the corpus files as they are now; whether they
still hash to the shipped model's corpus is printed); a second LinearSVC on the rows with a
``gov_category``.  Pingan's shipped model also saw seed texts from the code table; the peer does
not.  Both are scored by :func:`pingan.triage.evaluation.evaluate` on the eval files (CAIL facts
with a ``code``, TipDM citizen messages with a first-level government ``label``, every one of
them non-police); the peer calls a text non-police when its code starts with 60.  Without the
eval files those figures are "skipped".
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from bench.peers import (
    batch_per_second,
    eval_file,
    one_core,
    per_second,
    percentiles_ms,
    ratio,
    skipped,
)
from pingan.triage.train import LabelledText, corpus_hash, read_rows

SEED = 20240502
SPEED_TEXTS = 6_000
LATENCY_CALLS = 3_000
WARM_UP = 200
TARGET_PER_SECOND = 5_000
TARGET_P99_MS = 5.0
CAIL = "cail2018_facts_dev.jsonl"
TIPDM = "tipdm2020_messages_dev.jsonl"
LENGTH_BANDS = ((0, 40), (40, 100), (100, 200), (200, 10**9))
_CLAUSE_ENDS = "，。；！？,;!?"


def corpus_rows() -> list[LabelledText]:
    folder = Path(str(resources.files("pingan.data").joinpath("triage", "corpus")))
    return [row for path in sorted(folder.glob("*.jsonl")) for row in read_rows(path)]


def _first_clause(text: str) -> str:
    for end, char in enumerate(text):
        if char in _CLAUSE_ENDS and end >= 4:
            return text[:end]
    return text


def speed_texts(rows: Sequence[LabelledText], count: int = SPEED_TEXTS) -> list[str]:
    """A fixed mix: 60% corpus texts as written, 20% first clause only, 20% three joined."""
    rng = random.Random(SEED)
    texts = [row.text for row in rows]
    mixed: list[str] = []
    while len(mixed) < count:
        pick = rng.random()
        if pick < 0.6:
            mixed.append(rng.choice(texts))
        elif pick < 0.8:
            mixed.append(_first_clause(rng.choice(texts)))
        else:
            mixed.append("。".join(rng.sample(texts, 3)))
    return mixed


def _latencies(action: Callable[[str], object], texts: Sequence[str]) -> list[float]:
    for text in texts[:WARM_UP]:
        action(text)
    durations: list[float] = []
    clock = time.perf_counter
    for text in texts[:LATENCY_CALLS]:
        started = clock()
        action(text)
        durations.append(clock() - started)
    return durations


def _batch_rate(texts: Sequence[str], batch: int = 1000) -> float:
    """Texts per second through ``triage_many`` in batches of ``batch``, as bulk intake runs."""
    from pingan.triage.decide import triage_many

    def in_batches(items: Sequence[str]) -> None:
        for start in range(0, len(items), batch):
            triage_many(items[start : start + batch])

    return batch_per_second(in_batches, texts, rounds=3)


def measure_speed(texts: Sequence[str]) -> dict[str, Any]:
    from pingan.geo.address import default_gazetteer
    from pingan.triage import triage
    from pingan.triage.decide import default_model
    from pingan.triage.decide import triage as decide

    default_model.cache_clear()
    default_gazetteer.cache_clear()
    started = time.perf_counter()
    triage(texts[0])
    first_call = time.perf_counter() - started

    def classify_only(text: str) -> object:
        return decide(text, resolve_place=False)

    full_rate = per_second(triage, texts, rounds=3)
    bare_rate = per_second(classify_only, texts, rounds=3)
    batch_rate = _batch_rate(texts)
    # Latency on a shuffled order so that long and short texts are spread over the calls.
    order = list(texts)
    random.Random(SEED + 1).shuffle(order)
    full_ms = percentiles_ms(_latencies(triage, order))
    bare_ms = percentiles_ms(_latencies(classify_only, order))
    lengths = [len(t) for t in texts]
    return {
        "texts": len(texts),
        "mean_length": round(sum(lengths) / len(lengths), 1),
        "max_length": max(lengths),
        "first_call_seconds": round(first_call, 2),
        "with_place": {
            "texts_per_second": round(full_rate),
            "target_texts_per_second": TARGET_PER_SECOND,
            "meets_throughput_target": full_rate >= TARGET_PER_SECOND,
            "latency_ms": full_ms,
            "latency_calls": min(LATENCY_CALLS, len(texts)),
            "target_p99_ms": TARGET_P99_MS,
            "meets_p99_target": full_ms["p99"] < TARGET_P99_MS,
        },
        "batch_with_place": {
            "texts_per_second": round(batch_rate),
            "target_texts_per_second": TARGET_PER_SECOND,
            "meets_throughput_target": batch_rate >= TARGET_PER_SECOND,
            "note": "triage_many over batches of 1,000, as bulk intake calls it",
        },
        "classification_only": {
            "texts_per_second": round(bare_rate),
            "latency_ms": bare_ms,
        },
        "place_share_of_time": round(1 - full_rate / bare_rate, 3),
        "with_place_by_length": _by_length(triage, texts),
    }


def _by_length(action: Callable[[str], object], texts: Sequence[str]) -> dict[str, Any]:
    """Throughput of ``action`` on the texts of each length band (characters)."""
    bands: dict[str, Any] = {}
    for low, high in LENGTH_BANDS:
        chosen = [t for t in texts if low <= len(t) < high]
        if chosen:
            name = f"{low}-{high - 1}" if high < 10**9 else f"{low}+"
            bands[name] = {
                "texts": len(chosen),
                "texts_per_second": round(per_second(action, chosen, rounds=2)),
            }
    return bands


class JiebaTfidfSvm:
    """The peer: jieba words, TF-IDF of word 1–2-grams, a linear SVM (one-vs-rest)."""

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        self.vectorizer = TfidfVectorizer(
            tokenizer=_words, token_pattern=None, lowercase=False, ngram_range=(1, 2)
        )
        self.classifier = LinearSVC(C=1.0)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> JiebaTfidfSvm:
        self.classifier.fit(self.vectorizer.fit_transform(texts), list(labels))
        return self

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [str(label) for label in self.classifier.predict(self.vectorizer.transform(texts))]


def _words(text: str) -> list[str]:
    import jieba

    return [word for word in jieba.lcut(text) if any(char.isalnum() for char in word)]


def _eval_text(row: Mapping[str, Any]) -> str:
    """The text :func:`pingan.triage.evaluation.evaluate` hands to ``predict`` for a row."""
    text = str(row.get("text") or "")
    if row.get("title") and str(row["title"]) not in text:
        text = f"{row['title']}\n{text}"
    return text


def _figures(cail: dict[str, Any] | None, tipdm: dict[str, Any] | None) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    if cail is not None:
        figures["cail_code_accuracy"] = cail["code"]["accuracy"]
        figures["cail_group_accuracy"] = cail["group"]["accuracy"]
        figures["cail_police_recall"] = cail["police"]["police_recall"]
    if tipdm is not None:
        figures["tipdm_gov_accuracy"] = tipdm["gov_category"]["accuracy"]
        figures["tipdm_non_police_recall"] = tipdm["police"]["non_police_recall"]
    return figures


def compare_with_peer(rows: Sequence[LabelledText]) -> dict[str, Any]:
    import jieba

    from pingan.triage import triage
    from pingan.triage.decide import default_model
    from pingan.triage.decide import triage as decide
    from pingan.triage.evaluation import evaluate, read_jsonl

    paths = {name: eval_file(name) for name in (CAIL, TIPDM)}
    if not any(paths.values()):
        return skipped(f"{CAIL} and {TIPDM}")
    eval_rows = {name: read_jsonl(path) for name, path in paths.items() if path is not None}
    texts = sorted({_eval_text(row) for found in eval_rows.values() for row in found})

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    started = time.perf_counter()
    peer_code = JiebaTfidfSvm().fit([r.text for r in rows], [r.code for r in rows])
    gov_rows = [r for r in rows if r.gov_category]
    peer_gov = JiebaTfidfSvm().fit(
        [r.text for r in gov_rows], [r.gov_category or "" for r in gov_rows]
    )
    peer_train_seconds = time.perf_counter() - started

    def peer_batch(batch: Sequence[str]) -> list[tuple[str, str]]:
        return list(zip(peer_code.predict(batch), peer_gov.predict(batch), strict=True))

    peer_batch_rate = batch_per_second(peer_batch, texts, rounds=2)
    peer_single_rate = per_second(lambda text: peer_batch([text]), texts[:500])
    peer_answers = dict(zip(texts, peer_batch(texts), strict=True))

    pingan_answers: dict[str, dict[str, Any]] = {}
    started = time.perf_counter()
    for text in texts:
        pingan_answers[text] = triage(text).to_dict()
    pingan_rate = len(texts) / (time.perf_counter() - started)
    pingan_bare_rate = per_second(lambda text: decide(text, resolve_place=False), texts)

    def peer_predict(text: str) -> dict[str, Any]:
        code, gov = peer_answers[text]
        return {"code": code, "police": not code.startswith("60"), "gov_category": gov}

    reports: dict[str, dict[str, dict[str, Any] | None]] = {"pingan": {}, "peer": {}}
    for name in (CAIL, TIPDM):
        found = eval_rows.get(name)
        reports["pingan"][name] = evaluate(found, pingan_answers.__getitem__) if found else None
        reports["peer"][name] = evaluate(found, peer_predict) if found else None
    pingan = _figures(reports["pingan"][CAIL], reports["pingan"][TIPDM])
    peer = _figures(reports["peer"][CAIL], reports["peer"][TIPDM])
    pingan["texts_per_second"] = round(pingan_rate)
    peer["texts_per_second"] = round(peer_batch_rate)
    table = {figure: {"pingan": pingan[figure], "peer": peer.get(figure)} for figure in pingan}
    for row in table.values():
        row["pingan_vs_peer"] = ratio(row["pingan"], row["peer"])
    table["texts_per_second"]["note"] = (
        "pingan: triage() one text at a time, place on; peer: one batch predict (code + gov)"
    )
    extra: dict[str, Any] = {
        "pingan_classification_only_texts_per_second": round(pingan_bare_rate),
        "peer_one_text_at_a_time_texts_per_second": round(peer_single_rate),
        "pingan_vs_peer_one_at_a_time": ratio(pingan_rate, peer_single_rate),
        "peer_train_seconds": round(peer_train_seconds, 2),
    }
    cail_report = reports["pingan"][CAIL]
    if cail_report is not None:
        extra["pingan_cail_code_ece"] = cail_report["code"]["ece"]
    tipdm_rows = eval_rows.get(TIPDM)
    if tipdm_rows:
        gov_model = default_model().gov
        if gov_model is not None:
            truth = [str(row["label"]) for row in tipdm_rows]
            ungated = [
                gov_model.classes[int(np.argmax(gov_model.probabilities(_eval_text(row))))]
                for row in tipdm_rows
            ]
            extra["pingan_tipdm_gov_accuracy_ungated"] = round(
                sum(t == p for t, p in zip(truth, ungated, strict=True)) / len(truth), 4
            )
            extra["note_gov"] = (
                "tipdm_gov_accuracy counts a message Pingan keeps with the police as wrong (no"
                " category); the ungated figure runs Pingan's category model on every message,"
                " as the peer does"
            )
    return {
        "eval_texts": len(texts),
        "rows": {name: len(found) for name, found in eval_rows.items()},
        "missing": [name for name, path in paths.items() if path is None],
        "table": table,
        **extra,
        "pingan_top_confusions": {
            name: report["code" if name == CAIL else "gov_category"]["top_confusions"][:5]
            for name, report in reports["pingan"].items()
            if report is not None
        },
    }


def _corpus_matches_model(rows: Sequence[LabelledText]) -> bool | None:
    from pingan.triage.decide import default_model_dir

    metadata = json.loads((default_model_dir() / "model.json").read_text(encoding="utf-8"))
    shipped = metadata.get("corpus_sha256")
    return None if shipped is None else shipped == corpus_hash(rows)


def run() -> dict[str, Any]:
    rows = corpus_rows()
    with one_core():
        speed = measure_speed(speed_texts(rows))
        peer = compare_with_peer(rows)
    return {
        "corpus_rows": len(rows),
        "corpus_matches_shipped_model": _corpus_matches_model(rows),
        "speed": speed,
        "peer": peer,
    }


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=2))
